path "secret/data/app/*" {
  capabilities = []  # expect: empty-capabilities
}

path "secret/data/other" {  # expect: empty-capabilities
  allowed_parameters = {
    "data" = []
  }
}

path "secret/data/legacy" {
  policy = "read"
}

path "secret/data/denied" {
  capabilities = ["deny"]
}
