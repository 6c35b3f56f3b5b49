path "a" {
  capabilities = ["read", "banana"]
}
