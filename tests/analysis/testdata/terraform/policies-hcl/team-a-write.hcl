path "secret/data/team-a/*" {
  capabilities = ["create", "update", "read", "delete"]
}
