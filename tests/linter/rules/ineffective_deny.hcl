path "secret/*" {
  capabilities = ["read", "list"]
}

path "secret/+/+/admin/*" {  # expect: ineffective-deny
  # '*' at the same byte with fewer '+' segments wins everywhere (rule 3)
  capabilities = ["deny"]
}

path "secret/data/*" {
  capabilities = ["read"]
}

path "secret/+/admin" {  # expect: ineffective-deny
  # wins for secret/metadata/admin, but "secret/data/*" decides secret/data/admin
  capabilities = ["deny"]
}

path "secret/+/private/*" {  # expect: ineffective-deny
  capabilities = ["deny"]
}

path "sys/*" {
  # only deliberate exceptions inside it outrank it: quiet
  capabilities = ["deny"]
}

path "sys/seal" {
  capabilities = ["sudo", "update"]
}

path "sys/mounts/*" {
  capabilities = ["read"]
}

path "auth/+/role" {
  # nothing outranks it
  capabilities = ["deny"]
}

path "auth/token/roles/*" {
  # a glob that starts later but never overlaps the deny
  capabilities = ["update"]
}

path "kv/+/x" {
  # outranked only by an empty grant
  capabilities = ["deny"]
}

path "kv/data/*" {
  capabilities = []
}

path "db/creds/*" {
  capabilities = ["read"]
}

path "db/creds/admin*" {
  # a pure prefix deny: longer than any prefix that covers it
  capabilities = ["deny"]
}
