path "secret/data/prod/*" {
  capabilities = ["read", "deny"]  # expect: deny-with-other-caps
}

path "secret/data/stage/*" {
  capabilities = ["deny"]
}

path "secret/data/dev/*" {
  policy       = "deny"
  capabilities = ["read"]  # expect: deny-with-other-caps
}

path "secret/data/qa/*" {
  capabilities = ["read", "update"]
}
