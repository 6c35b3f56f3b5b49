path "database/creds/app" {  # expect: verb-capability-mismatch
  capabilities = ["update"]
}

path "database/creds/reader" {
  capabilities = ["read"]
}

path "pki/issue/web" {  # expect: verb-capability-mismatch
  capabilities = ["create", "update"]
}

path "transit/encrypt/app" {
  capabilities = ["create", "update"]
}

path "transit/decrypt/*" {  # expect: verb-capability-mismatch
  capabilities = ["read", "update"]
}

path "database/*" {
  # spans more than the creds endpoint
  capabilities = ["update", "read"]
}

path "ssh/creds/otp" {
  capabilities = ["update", "sudo"]
}
