path "secret/data/{{identity.entity.metadata}}/*" {  # expect: template-unknown-key
  capabilities = ["read"]
}

path "secret/data/{{ identity.entity.id }}/*" {
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.aliases.<mount accessor>.name}}/*" {  # expect: template-unknown-key, template-user-controlled
  capabilities = ["read"]
}

path "secret/data/{{identity.groups.names.ops.metadata.team}}/*" {
  capabilities = ["read"]
}

path "secret/data/{{time.now.plus.1h}}" {
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.ID}}" {  # expect: template-unknown-key
  capabilities = ["read"]
}
