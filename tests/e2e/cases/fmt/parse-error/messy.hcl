path "a" {
capabilities = ["read"]
}
