# The platform team administers policies and auth methods.
path "sys/policies/acl/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "auth/+/role/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
  denied_parameters = {
    "token_policies" = ["root", "platform-admin"]
  }
}
