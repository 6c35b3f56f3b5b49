path "secret/data/common/*" {
  capabilities = ["read"]
}

# Each pod reads its own namespace's tree, never the namespace's admin key.
path "secret/data/{{identity.entity.aliases.auth_k8s.metadata.service_account_namespace}}/*" {
  capabilities = ["read", "list"]
}

path "secret/data/{{identity.entity.aliases.auth_k8s.metadata.service_account_namespace}}/admin" {
  capabilities = ["deny"]
}
