# Secret IDs carry a `tier` metadata key; each tier has its tree.
path "secret/data/svc/{{identity.entity.aliases.auth_approle.metadata.tier}}/*" {
  capabilities = ["read"]
}
