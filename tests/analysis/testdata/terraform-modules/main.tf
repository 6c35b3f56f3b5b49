resource "vault_auth_backend" "kubernetes" {
  type = "kubernetes"
}

module "team_payments" {
  source    = "./modules/k8s-team"
  team      = "payments"
  namespace = var.payments_namespace
  backend   = vault_auth_backend.kubernetes.path
}

module "team_search" {
  source  = "./modules/k8s-team"
  team    = "search"
  backend = vault_auth_backend.kubernetes.path
}

module "shared" {
  source  = "git::https://example.com/vault-modules.git//roles?ref=v1.2.0"
  team    = "shared"
}

variable "payments_namespace" {
  type = string
}

variable "reader_policy" {
  type    = string
  default = "team-read"
}

resource "vault_policy" "reader" {
  name   = var.reader_policy
  policy = <<-EOT
    path "secret/data/teams/*" {
      capabilities = ["read"]
    }
  EOT
}
