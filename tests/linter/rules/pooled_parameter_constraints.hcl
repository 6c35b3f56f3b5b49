# One file is one policy; the cross-policy case is tested with several files
# in rule_util_test.cc. Within a policy the same pooling applies.
path "secret/foo" {  # expect: pooled-parameter-constraints
  capabilities = ["create"]
}

path "secret/foo" {  # expect: duplicate-path
  capabilities = ["read"]
  allowed_parameters = {
    "x" = []
  }
}

path "transit/encrypt/*" {  # expect: pooled-parameter-constraints
  capabilities = ["update"]
}

path "transit/encrypt/*" {  # expect: duplicate-path
  capabilities = ["read"]
  max_wrapping_ttl = "5m"
}

path "pki/issue/web" {
  capabilities = ["update"]
  required_parameters = ["common_name"]
}

path "pki/issue/web" {  # expect: duplicate-path
  # same constraint on both blocks: nothing breaks
  capabilities = ["update"]
  required_parameters = ["common_name"]
}

path "db/creds/app" {
  # only delete: parameters are not checked for it
  capabilities = ["delete"]
}

path "db/creds/app" {  # expect: duplicate-path
  capabilities = ["read"]
  denied_parameters = {
    "ttl" = []
  }
}
