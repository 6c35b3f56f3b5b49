path "secret/metadata/*" {  # expect: destructive-on-glob
  capabilities = ["read", "list", "delete"]
}

path "secret/metadata/scratch/*" {
  capabilities = ["delete"]
}

path "secret/destroy/*" {  # expect: destructive-on-glob
  capabilities = ["update"]
}

path "secret/*" {  # expect: destructive-on-glob
  capabilities = ["delete"]
}

path "transit/*" {  # expect: destructive-on-glob
  capabilities = ["delete"]
}

path "transit/keys/*" {
  capabilities = ["delete"]
}

path "secret/data/*" {
  capabilities = ["create", "update", "read"]
}
