# Developers of team bbb (AWS IAM auth) manage their team's secrets, but never
# touch production.
path "secret/data/bbb/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "secret/metadata/bbb/*" {
  capabilities = ["read", "list", "delete"]
}

path "secret/data/bbb/prod/*" {
  capabilities = ["deny"]
}
