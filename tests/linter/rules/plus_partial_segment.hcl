path "secret/data/app+" {  # expect: plus-partial-segment
  capabilities = ["read"]
}

path "secret/data/+bar/x" {  # expect: plus-partial-segment
  capabilities = ["read"]
}

path "secret/data/+/x" {
  capabilities = ["read"]
}

path "+/data/x" {
  capabilities = ["read"]
}

path "secret/data/a+b/+" {  # expect: plus-partial-segment
  capabilities = ["read"]
}
