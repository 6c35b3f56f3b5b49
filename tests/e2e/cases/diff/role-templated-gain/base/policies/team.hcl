path "secret/data/common/*" {
  capabilities = ["read"]
}
