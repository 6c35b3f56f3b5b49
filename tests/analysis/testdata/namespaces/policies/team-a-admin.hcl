path "secret/data/team-a/*" {
  capabilities = ["create", "read", "update", "delete"]
}
