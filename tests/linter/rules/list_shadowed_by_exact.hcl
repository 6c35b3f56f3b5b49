path "secret/metadata/app" {  # expect: list-shadowed-by-exact
  capabilities = ["read"]
}

path "secret/metadata/app/*" {
  capabilities = ["list"]
}

path "secret/metadata/web" {
  capabilities = ["read", "list"]
}

path "secret/metadata/web/*" {
  capabilities = ["list"]
}

path "secret/metadata/db" {
  capabilities = ["read"]
}

path "secret/metadata/db/" {
  # an exact folder rule wins before the trimmed one
  capabilities = ["list"]
}

path "sys/mounts" {
  # LIST sys/mounts/ is no API
  capabilities = ["read"]
}

path "sys/mounts/*" {
  capabilities = ["list"]
}
