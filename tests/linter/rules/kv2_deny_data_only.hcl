path "secret/*" {  # expect: destructive-on-glob
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "secret/data/admin/*" {  # expect: kv2-deny-data-only
  capabilities = ["deny"]
}

path "secret/data/ops/*" {
  # every side door of ops/ is denied too
  capabilities = ["deny"]
}

path "secret/metadata/ops/*" {
  capabilities = ["deny"]
}

path "secret/destroy/ops/*" {
  capabilities = ["deny"]
}

path "secret/delete/ops/*" {
  capabilities = ["deny"]
}

path "secret/data/fin/*" {  # expect: kv2-deny-data-only
  capabilities = ["deny"]
}

path "secret/+/fin/*" {
  # loses to "secret/*" (same first wildcard, both globs, fewer '+'): the side doors stay open
  capabilities = ["deny"]
}

path "secret/data/hr" {  # expect: kv2-deny-data-only
  capabilities = ["deny"]
}

path "secret/metadata/hr" {
  capabilities = ["delete"]
}
