resource "vault_identity_group" "operators" {
  name     = "operators"
  policies = ["ops"]
}

resource "vault_token_auth_backend_role" "nightly" {
  role_name        = "nightly"
  allowed_policies = ["app"]
}
