# Everybody who logs in through the browser.
path "secret/metadata/shared/*" {
  capabilities = ["list"]
}

path "secret/data/shared/*" {
  capabilities = ["read"]
}
