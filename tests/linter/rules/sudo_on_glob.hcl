path "sys/*" {  # expect: sudo-on-glob, sys-sensitive-write, policy-write-escalation
  capabilities = ["read", "update", "sudo"]
}

path "auth/+/config" {  # expect: sudo-on-glob
  capabilities = ["read", "sudo"]
}

path "sys/audit/file" {
  capabilities = ["read", "sudo"]
}
