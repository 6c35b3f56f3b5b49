path "secret/data/+*" {  # expect: plus-star
  capabilities = ["read"]
}

path "secret/data/+/*" {
  capabilities = ["read"]
}
