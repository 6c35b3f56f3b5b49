path "secret/data/platform/*" {
  capabilities = ["create", "read", "update", "delete"]
}
