path "sys/audit/*" {  # expect: sys-sensitive-write, sudo-on-glob
  capabilities = ["create", "update", "sudo"]
}

path "sys/audit" {
  # listing audit devices is a read
  capabilities = ["read", "sudo"]
}

path "sys/mounts/*" {  # expect: sys-sensitive-write
  capabilities = ["delete"]
}

path "sys/mounts" {
  capabilities = ["read"]
}

path "sys/health" {
  capabilities = ["read", "update"]
}

path "sys/raw/logical/x" {  # expect: sys-sensitive-write
  capabilities = ["read", "update"]
}

path "sys/leases/renew" {
  capabilities = ["update"]
}
