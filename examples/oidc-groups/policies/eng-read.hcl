# Every engineer reads the engineering tree.
path "secret/data/engineering/*" {
  capabilities = ["read"]
}
