name = "ignored"
bad = "x"  # expect: unknown-key

path "secret/data/a" {
  capabilities = ["read"]
  capabilites = ["list"]  # expect: unknown-key
  comment = "comment is a known key"
}
