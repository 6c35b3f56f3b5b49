path "secret/data/a" {
  capabilities = ['read']  # expect: hcl-syntax
}
