path "secret/data/a" {
  capabilities = ["read", "READ"]  # expect: unknown-capability
}

path "secret/data/b" {
  # deny short-circuits: Vault never looks at "banana"
  capabilities = ["deny", "banana"]
}

path "secret/data/c" {
  capabilities = ["scan"]  # expect: unknown-capability
}
