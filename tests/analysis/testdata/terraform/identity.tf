resource "vault_jwt_auth_backend" "oidc" {
  path = "oidc"
  type = "oidc"
}

resource "vault_jwt_auth_backend_role" "ci" {
  backend         = vault_jwt_auth_backend.oidc.path
  role_name       = "gitlab-ci"
  role_type       = "jwt"
  user_claim      = "sub"
  bound_audiences = ["https://vault.example.com"]
  bound_claims = {
    project_path = "group/app"
    ref          = "main"
  }
  token_policies = ["team-a-read"]
}

resource "vault_identity_group" "platform" {
  name     = "platform"
  type     = "external"
  policies = ["team-a-write"]
}

resource "vault_identity_group_alias" "platform" {
  name           = "platform-team"
  mount_accessor = vault_jwt_auth_backend.oidc.accessor
  canonical_id   = vault_identity_group.platform.id
}

resource "vault_identity_group" "sre" {
  name             = "sre"
  policies         = ["admin"]
  member_group_ids = [vault_identity_group.platform.id]
}

resource "vault_token_auth_backend_role" "nomad" {
  role_name        = "nomad-cluster"
  allowed_policies = ["team-a-read"]
  orphan           = true
  token_period     = "86400"
  renewable        = true
}

resource "vault_github_team" "ops" {
  team     = "Ops"
  policies = ["team-a-write"]
}

resource "vault_policy" "from_data" {
  name   = "from-data"
  policy = data.vault_policy_document.x.hcl
}
