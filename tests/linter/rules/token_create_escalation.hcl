path "auth/token/create" {  # expect: token-create-escalation
  capabilities = ["update", "sudo"]
}

path "auth/token/create-orphan" {
  capabilities = ["update"]
}

path "auth/token/*" {  # expect: token-create-escalation, sudo-on-glob
  capabilities = ["create", "update", "sudo"]
}

path "auth/token/create/app" {
  capabilities = ["sudo", "read"]
}

path "auth/token/lookup" {
  capabilities = ["update", "sudo"]
}
