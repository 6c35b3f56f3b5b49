# target: vault-legacy
path "secret/metadata/*" {
  capabilities = ["list"]
}

path "secret/metadata/private/*" {  # expect: list-deny-no-trailing-slash
  # vault-legacy looks up "secret/metadata/private" first (GHSA-xp3c-3jw3-4vcr)
  capabilities = ["deny"]
}

path "secret/metadata/hidden/*" {
  capabilities = ["deny"]
}

path "secret/metadata/hidden" {
  # the exact rule decides LIST secret/metadata/hidden/ first
  capabilities = ["deny"]
}

path "kv/*" {
  capabilities = ["read", "list"]
}

path "kv/team" {
  # exact: LIST kv/team/ consults it before any glob
  capabilities = ["deny"]
}

path "kv/private*" {
  # the trimmed path "kv/private" reaches it
  capabilities = ["deny"]
}

path "kv/open/*" {  # expect: list-deny-no-trailing-slash
  capabilities = ["deny"]
}

path "kv/open/public/*" {
  # a deliberate list grant inside the denied area
  capabilities = ["list"]
}
