path "secret/data/app*" {  # expect: greedy-prefix-glob
  capabilities = ["read"]
}

path "secret/data/app-*" {
  capabilities = ["read"]
}

path "secret/data/app/*" {
  capabilities = ["read"]
}

path "sys/mounts*" {
  capabilities = ["read"]
}

path "database/creds/readonly*" {  # expect: greedy-prefix-glob
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.id}}*" {
  capabilities = ["read"]
}
