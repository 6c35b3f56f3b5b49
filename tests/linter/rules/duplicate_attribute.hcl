path "secret/data/a" {
  capabilities = ["read"]
  capabilities = ["update"]  # expect: duplicate-attribute
}
