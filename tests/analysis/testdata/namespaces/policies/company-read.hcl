path "secret/data/company/*" {
  capabilities = ["read"]
}
