path "auth/kubernetes/role/*" {  # expect: auth-role-write-escalation
  capabilities = ["create", "update"]
}

path "auth/approle/role/app/secret-id" {
  # minting a secret ID does not change the role's policies
  capabilities = ["update"]
}

path "auth/approle/role/app/*" {
  capabilities = ["update"]
}

path "auth/userpass/users/+/password" {
  capabilities = ["update"]
}

path "auth/userpass/users/{{identity.entity.aliases.auth_userpass_1a2b3c4d.name}}" {  # expect: auth-role-write-escalation
  capabilities = ["update"]
}

path "auth/token/roles/*" {  # expect: auth-role-write-escalation
  capabilities = ["update"]
}

path "auth/jwt/config" {  # expect: auth-role-write-escalation
  capabilities = ["update"]
}
path "auth/kubernetes/role" {
  capabilities = ["read", "list"]
}

path "+/roles/+" {
  # secrets-engine roles on any mount; "auth/roles/config" would need a mount named "roles"
  capabilities = ["create", "update"]
}

path "+/+/role/+" {  # expect: auth-role-write-escalation
  capabilities = ["update"]
}
