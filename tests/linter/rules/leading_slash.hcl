path "/secret/data/a" {  # expect: leading-slash
  capabilities = ["read"]
}

path "secret/data/b" {
  capabilities = ["read"]
}
