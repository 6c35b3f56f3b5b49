path "secret/data/{{identity.entity.aliases.auth_jwt_1a2b3c4d.name}}/*" {  # expect: template-user-controlled
  capabilities = ["read", "update"]
}

path "secret/data/{{identity.entity.aliases.auth_oidc_1a2b3c4d.metadata.email}}/*" {  # expect: template-user-controlled
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.aliases.auth_jwt_1a2b3c4d.metadata.nomad_job_id}}/*" {
  # set by the issuer's claim mapping, not free text
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.aliases.auth_kubernetes_1a2b3c4d.metadata.service_account_namespace}}/*" {
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.aliases.auth_userpass_1a2b3c4d.name}}/*" {
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.aliases.auth_jwt_1a2b3c4d.name}}/private" {
  capabilities = ["deny"]
}
