path "secret/data/a" {
  capabilities = ["read", "update", "read"]  # expect: duplicate-capability
}

path "secret/data/b" {
  capabilities = [
    "read",
    "update",
    "update",  # expect: duplicate-capability
  ]
}

path "secret/data/c" {
  capabilities = ["read", "update"]
}
