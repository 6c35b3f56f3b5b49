path "secret/data/team-x/*" {
  capabilities = ["create", "read", "update"]
}

path "secret/data/app/config" {
  capabilities = ["deny"]
}
