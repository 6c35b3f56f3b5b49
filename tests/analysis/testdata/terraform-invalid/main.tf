resource "vault_policy" "ok" {
  name   = "ok"
  policy = "path \"secret/*\" { capabilities = [\"read\"] }"
}

resource "vault_kubernetes_auth_backend_role" "broken" {
  role_name                   = "broken"
  bound_service_account_names = ["a" "b"]
}
