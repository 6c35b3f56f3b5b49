path "secret/data/a" "secret/data/b" {  # expect: extra-label
  capabilities = ["read"]
}
