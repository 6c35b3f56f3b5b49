path "secret/data/ops/*" {
  capabilities = ["read", "update"]
}
