# polcheck:ignore sudo-on-glob
path "sys/*" {
  capabilities = ["read", "sudo"]
}

# polcheck:ignore sudo-on-glob -- reviewed: break-glass policy
path "sys/raw/*" {
  capabilities = ["read", "sudo"]
}
# expect-line: 1 invalid-suppression
