# config: {mounts: {secret/: {type: kv, version: 2}, database/: {type: database}}, lint: {rules: {unknown-mount: {options: {mounts: "future/"}}}}}
path "secrte/data/app" {  # expect: unknown-mount
  capabilities = ["read"]
}

path "secret/data/app" {
  capabilities = ["read"]
}

path "database/creds/app" {
  capabilities = ["read"]
}

path "sys/mounts" {
  capabilities = ["read"]
}

path "future/data/x" {
  capabilities = ["read"]
}

path "+/data/x" {
  capabilities = ["read"]
}

path "pki/issue/web" {  # expect: unknown-mount
  capabilities = ["update"]
}
