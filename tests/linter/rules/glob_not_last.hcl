path "secret/data/*/config" {  # expect: glob-not-last
  capabilities = ["read"]
}

path "secret/data/**" {  # expect: glob-not-last
  capabilities = ["read"]
}

path "secret/data/+/ba*" {
  # a trailing '*' on a '+' pattern is a glob
  capabilities = ["read"]
}

path "secret/data/app*" {
  capabilities = ["read"]
}

path "auth/*/roles/*" {  # expect: glob-not-last
  capabilities = ["read"]
}
