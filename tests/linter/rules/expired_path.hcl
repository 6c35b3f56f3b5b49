# target: openbao
path "kv/data/old" {  # expect: expired-path
  capabilities = ["read"]
  expiration = "2020-01-01T00:00:00Z"
}

path "kv/data/new" {
  capabilities = ["read"]
  expiration = "2999-01-01T00:00:00Z"
}
