path "secret/data/app" {
  capabilities = ["read"]
}

path "secret/data/ops" {
capabilities=["read"]  # expect: fmt
}
