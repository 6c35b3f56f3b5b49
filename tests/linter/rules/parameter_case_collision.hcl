path "auth/token/create" {
  capabilities = ["update"]
  allowed_parameters = {
    "ttl" = []
    "TTL" = ["1h"]  # expect: parameter-case-collision
  }
}
