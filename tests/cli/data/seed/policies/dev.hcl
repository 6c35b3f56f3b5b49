path "secret/data/dev/*" {
  capabilities = ["create", "read"]
}
