path "secret/data/teams/${team}/*" {
  capabilities = ["create", "read", "update"]
}
