path "secret/data/a" {
  policy = "write"  # expect: legacy-policy-field
}

path "secret/data/b" {
  capabilities = ["read"]
}
