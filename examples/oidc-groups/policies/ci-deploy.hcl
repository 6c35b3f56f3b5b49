# CI jobs read deploy keys of their own project.
path "secret/data/ci/{{identity.entity.aliases.auth_jwt_ci.metadata.project_path}}/*" {
  capabilities = ["read"]
}
