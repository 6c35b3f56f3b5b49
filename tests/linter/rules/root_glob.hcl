path "*" {  # expect: root-glob
  capabilities = ["read", "list", "delete"]
}

path "+/*" {  # expect: root-glob
  capabilities = ["read"]
}

path "+/+" {  # expect: root-glob
  capabilities = ["read"]
}

path "+" {
  # matches only one-segment paths such as "sys", never "sys/..."
  capabilities = ["read"]
}

path "+/data/*" {
  capabilities = ["read"]
}

path "s*" {
  capabilities = ["read"]
}
