path "secret/data/home/{{identity.entity.aliases.auth_userpass_main.name}}/*" {
  capabilities = ["create", "read", "update", "delete"]
}
