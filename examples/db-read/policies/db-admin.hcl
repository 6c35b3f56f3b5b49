# The DBA team rotates root credentials and manages roles.
path "database/creds/+" {
  capabilities = ["read"]
}

path "database/roles/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "database/rotate-root/*" {
  capabilities = ["update"]
}
