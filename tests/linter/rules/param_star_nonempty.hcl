path "auth/token/create" {
  capabilities = ["update"]
  allowed_parameters = {
    "*"   = ["ttl"]  # expect: param-star-nonempty
    "ttl" = ["1h"]
  }
  denied_parameters = {
    "*" = ["policies"]  # expect: param-star-nonempty
  }
}

path "auth/token/create-orphan" {
  capabilities = ["update"]
  allowed_parameters = {
    "*" = []
  }
}
