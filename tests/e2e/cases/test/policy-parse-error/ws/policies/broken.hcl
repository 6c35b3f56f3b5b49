path "secret/data/x" {
  capabilities = ["reed"]
}
