# A pipeline reads the tree of the repository its token names.
path "secret/data/ci/{{identity.entity.aliases.auth_jwt.metadata.repo}}/*" {
  capabilities = ["read"]
}
