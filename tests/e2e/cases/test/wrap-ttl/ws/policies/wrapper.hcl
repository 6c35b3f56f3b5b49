# Secret IDs must be handed out response-wrapped for 1 to 5 minutes.
path "auth/approle/role/+/secret-id" {
  capabilities = ["update"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "5m"
}

path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
