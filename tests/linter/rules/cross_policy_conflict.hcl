# One file is one policy; the cross-policy case is tested with several files
# in rule_util_test.cc. Within a policy the same merge applies.
path "secret/data/shared" {
  capabilities = ["read"]
}

path "secret/data/shared" {  # expect: cross-policy-conflict, duplicate-path
  capabilities = ["deny"]
}

path "secret/data/other" {
  capabilities = ["read"]
}

path "secret/data/other*" {
  # another store: not merged
  capabilities = ["deny"]
}

path "secret/data/empty" {
  capabilities = []
}

path "secret/data/empty" {  # expect: duplicate-path
  # an empty grant loses nothing
  capabilities = ["deny"]
}
