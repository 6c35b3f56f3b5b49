path "secret/data/app" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "password" = []  # expect: kv2-param-constraints
    "data"     = []
  }
  required_parameters = ["Version", "username"]  # expect: kv2-param-constraints
}

path "secret/metadata/app" {
  # metadata takes its own fields
  capabilities = ["update"]
  allowed_parameters = {
    "max_versions" = []
  }
}

path "secret/*" {
  capabilities = ["update"]
  denied_parameters = {
    "token" = []  # expect: kv2-param-constraints
  }
}

path "secret/data/denied" {
  capabilities = ["deny"]
  allowed_parameters = {
    "x" = []
  }
}
