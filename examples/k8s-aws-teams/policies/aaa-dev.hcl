# Developers of team aaa (AWS IAM auth) manage their team's secrets.
path "secret/data/aaa/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "secret/metadata/aaa/*" {
  capabilities = ["read", "list", "delete"]
}

path "secret/delete/aaa/*" {
  capabilities = ["update"]
}

path "secret/undelete/aaa/*" {
  capabilities = ["update"]
}
