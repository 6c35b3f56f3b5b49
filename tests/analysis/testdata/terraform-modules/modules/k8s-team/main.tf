variable "team" {
  type = string
}

variable "namespace" {
  type    = string
  default = "default"
}

variable "backend" {
  type = string
}

resource "vault_policy" "team" {
  name   = "team-${var.team}"
  policy = templatefile("${path.module}/team.hcl.tpl", { team = var.team })
}

resource "vault_kubernetes_auth_backend_role" "team" {
  backend                          = var.backend
  role_name                        = "${var.team}-app"
  bound_service_account_names      = ["app"]
  bound_service_account_namespaces = [var.namespace]
  token_policies                   = [vault_policy.team.name]
}
