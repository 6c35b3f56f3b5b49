path "sys/policies/acl/*" {  # expect: policy-write-escalation
  capabilities = ["create", "update", "read", "list"]
}

path "sys/policy" {
  # GET/LIST of policy names, no write
  capabilities = ["update", "read"]
}

path "sys/policy/" {
  capabilities = ["update"]
}

path "sys/+/acl/app" {  # expect: policy-write-escalation
  capabilities = ["update"]
}

path "sys/policies/acl/*" {
  capabilities = ["read", "list"]
}

path "*" {  # expect: policy-write-escalation
  capabilities = ["patch"]
}

path "sys/policies/password/*" {
  capabilities = ["update"]
}
