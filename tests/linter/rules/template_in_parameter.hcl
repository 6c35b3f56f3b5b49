path "secret/data/shared" {
  capabilities = ["update"]
  allowed_parameters = {
    "owner" = ["{{identity.entity.id}}"]  # expect: template-in-parameter
  }
  required_parameters = ["{{identity.entity.name}}"]  # expect: template-in-parameter
}

path "secret/data/{{identity.entity.id}}/*" {
  capabilities = ["update"]
  allowed_parameters = {
    "data" = ["{ not a template }"]
  }
}
