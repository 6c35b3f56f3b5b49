# target: openbao
path "kv/data/a" {  # expect: invalid-expiration
  capabilities = ["read"]
  expiration = "next tuesday"
}
