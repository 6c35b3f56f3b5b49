path "secret/data/{{identity.entity.id}}}}/*" {  # expect: template-syntax
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.id}}/*" {
  capabilities = ["read"]
}
