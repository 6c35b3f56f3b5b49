path "auth/token/create" {
  capabilities = ["update"]
  allowed_parameters = {
    "policies" = ["team-*"]  # expect: param-glob-value
    "ttl"      = ["1*"]
    "meta"     = ["*x*"]
  }
}

path "auth/approle/role/app" {
  capabilities = ["update"]
  allowed_parameters = {
    "token_policies" = ["app-read", "app-write"]
    "TOKEN_BOUND_CIDRS" = ["*.0/24"]  # expect: param-glob-value
    "secret_id_ttl"     = ["**"]
  }
}
