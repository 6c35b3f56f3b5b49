path "secret/data/{{identity.entity.name}}/*" {  # expect: template-uses-name
  capabilities = ["read"]
}

path "identity/entity/name/{{identity.entity.name}}" {
  # the default policy's self-lookup
  capabilities = ["read"]
}

path "secret/data/{{identity.groups.names.ops.id}}/*" {  # expect: template-uses-name
  capabilities = ["read"]
}

path "secret/data/{{identity.groups.ids.1234.metadata.team}}/*" {
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.id}}/*" {
  capabilities = ["read"]
}
