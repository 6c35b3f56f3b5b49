# Rendered per login: the accessor is the workspace's (bindings/logins.yaml), kept by the server.
path "secret/data/home/{{identity.entity.aliases.auth_userpass_ws.name}}" {
  capabilities = ["read"]
}
