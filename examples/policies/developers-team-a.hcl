# Developers of team A (AWS IAM login) manage their team's secrets.
path "secret/data/team-a/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "secret/metadata/team-a/*" {
  capabilities = ["read", "list", "delete"]
}

# ...but never production credentials.
path "secret/data/team-a/+/prod/*" {
  capabilities = ["deny"]
}
