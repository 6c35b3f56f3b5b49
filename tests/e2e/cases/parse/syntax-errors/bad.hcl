path 'secret' {
  capabilities = ["read"]
}
path "a" {
  capabilities = ["read" "list"]
}
path "b" {
  capabilites = ["read"]
  capabilities = ["reed"]
}
path "c" {
  capabilities = read
}
path "d/+*" {
  capabilities = ["read"]
  min_wrapping_ttl = "10m"
  max_wrapping_ttl = "5m"
}
