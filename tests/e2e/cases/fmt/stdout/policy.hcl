path "secret/data/app/*" {
capabilities = ["read","list"]
  # why: the app reads its config
  min_wrapping_ttl = "1m"
  allowed_parameters = {
  "version" = []
  }
}
path "sys/health" { capabilities = ["read"] }
