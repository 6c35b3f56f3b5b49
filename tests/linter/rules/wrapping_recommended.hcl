path "auth/approle/role/app/secret-id" {  # expect: wrapping-recommended
  capabilities = ["update"]
}

path "auth/approle/role/web/secret-id" {
  capabilities = ["update"]
  max_wrapping_ttl = "300s"
}

path "auth/approle/role/+/secret-id" {  # expect: wrapping-recommended
  capabilities = ["update", "read"]
}

path "auth/approle/role/app/role-id" {
  capabilities = ["read"]
}

path "auth/*" {
  # broad admin globs are left to other rules
  capabilities = ["update"]
}
