path "kv/metadata/*" {
  capabilities = ["list", "scan"]
  pagination_limit = 100
}
