# polcheck:ignore sudo-on-glob -- nothing to suppress here
path "secret/data/a" {
  capabilities = ["read"]
}

# polcheck:ignore leading-slash -- kept for diff stability
path "/secret/data/b" {
  capabilities = ["read"]
}
# expect-line: 1 unused-suppression
