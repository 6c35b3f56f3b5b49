path "auth/approle/role/a/secret-id" {
  capabilities = ["update"]
  min_wrapping_ttl = 400
  max_wrapping_ttl = 200  # expect: wrapping-ttl-order
}

path "auth/approle/role/b/secret-id" {
  capabilities = ["update"]
  min_wrapping_ttl = "300s"
  max_wrapping_ttl = "5m"
}
