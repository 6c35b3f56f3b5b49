path "identity/entity/id/{{identity.entity.id}}" {  # expect: identity-write-escalation
  capabilities = ["read", "update"]
}

path "identity/entity/id/{{identity.entity.id}}" {  # expect: duplicate-path
  capabilities = ["read"]
}

path "identity/group/*" {  # expect: identity-write-escalation
  capabilities = ["create", "update"]
}

path "identity/lookup/entity" {
  # lookups are update operations but change nothing
  capabilities = ["update"]
}

path "identity/oidc/token/app" {
  capabilities = ["read"]
}

path "identity/*" {  # expect: identity-write-escalation
  capabilities = ["patch"]
}
