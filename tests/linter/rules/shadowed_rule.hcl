path "secret/*" {
  capabilities = ["read"]
}

path "secret/+/+/reports/*" {  # expect: shadowed-rule
  capabilities = ["create", "update"]
}

path "secret/+/team" {
  # non-prefix beats prefix at the same byte: it decides secret/x/team
  capabilities = ["update"]
}

path "secret/data/*" {
  # a longer prefix: decides secret/data/...
  capabilities = ["read", "list"]
}

path "secret/data/+/*" {  # expect: shadowed-rule
  capabilities = ["list"]
}

path "kv/+/*" {
  # "kv/*" is not here: nothing covers it
  capabilities = ["read"]
}

path "kv/+/+/*" {  # expect: shadowed-rule
  # "kv/+/*" has fewer '+' segments and covers it
  capabilities = ["update"]
}

path "pki/issue/*" {
  capabilities = ["update"]
}

path "pki/+/admin" {
  # outranked on pki/issue/admin only: not dead
  capabilities = ["read"]
}

path "exact/path" {
  # exact blocks always decide their own path
  capabilities = ["read"]
}
