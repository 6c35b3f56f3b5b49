# Short-lived read-only database credentials.
path "database/creds/app-readonly" {
  capabilities = ["read"]
}

path "sys/leases/renew" {
  capabilities = ["update"]
}
