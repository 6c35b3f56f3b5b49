path "secret/data/a" {
  capabilities = "read"  # expect: invalid-type
}

path "secret/data/b" {
  capabilities = ["read"]
}
