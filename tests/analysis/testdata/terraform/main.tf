# Shaped like the corpus: auth backends, roles referencing them, policies
# inline, from heredocs and from files.
terraform {
  required_providers {
    vault = {
      source = "hashicorp/vault"
    }
  }
}

provider "vault" {}

variable "team_namespace" {
  type    = string
  default = "team-a"
}

variable "aws_account" {
  description = "set per environment"
  type        = string
}

locals {
  kv_mount = "secret"
  readers  = ["team-a-read"]
}

resource "vault_mount" "kv" {
  path    = local.kv_mount
  type    = "kv"
  options = { version = "2" }
}

resource "vault_auth_backend" "kubernetes" {
  type = "kubernetes"
  path = "k8s-prod"
  tune {
    default_lease_ttl = "60m"
  }
}

resource "vault_auth_backend" "aws" {
  type = "aws"
}

resource "vault_auth_backend" "userpass" {
  type = "userpass"
}

resource "vault_policy" "team_a_read" {
  name   = "team-a-read"
  policy = <<EOT
path "secret/data/team-a/*" {
  capabilities = ["read", "list"]
}
EOT
}

resource "vault_policy" "team_a_write" {
  name   = "team-a-write"
  policy = file("${path.module}/policies-hcl/team-a-write.hcl")
}

resource "vault_policy" "admin" {
  name   = "Admin"
  policy = templatefile("policies-hcl/admin.tftpl", { mount = local.kv_mount })
}

resource "vault_kubernetes_auth_backend_role" "app" {
  backend                          = vault_auth_backend.kubernetes.path
  role_name                        = "team-a-app"
  bound_service_account_names      = ["app", "worker-*"]
  bound_service_account_namespaces = [var.team_namespace]
  token_ttl                        = 3600
  token_policies                   = concat(local.readers, ["default"])
}

resource "vault_aws_auth_backend_role" "ci" {
  backend                  = vault_auth_backend.aws.path
  role                     = "CI-Deploy"
  auth_type                = "iam"
  bound_iam_principal_arns = ["arn:aws:iam::123456789012:role/ci-*"]
  token_policies           = [vault_policy.team_a_write.name, vault_policy.team_a_read.name]
}

resource "vault_aws_auth_backend_role" "per_env" {
  backend                  = vault_auth_backend.aws.path
  role                     = "per-env"
  bound_iam_principal_arns = ["arn:aws:iam::${var.aws_account}:role/app"]
  token_policies           = ["team-a-read"]
}

resource "vault_generic_endpoint" "alice" {
  depends_on           = [vault_auth_backend.userpass]
  path                 = "auth/userpass/users/alice"
  ignore_absent_fields = true

  data_json = <<EOT
{
  "policies": ["admin"],
  "password": "changeme"
}
EOT
}

resource "vault_generic_endpoint" "bob" {
  path      = "auth/${vault_auth_backend.userpass.path}/users/bob"
  data_json = jsonencode({ token_policies = ["team-a-read"], password = "x" })
}

resource "vault_approle_auth_backend_role" "apps" {
  for_each       = toset(["a", "b"])
  role_name      = each.key
  token_policies = ["team-a-read"]
}
