path "secret/data/app/*" {  # expect: kv2-list-on-data
  capabilities = ["read", "list"]
}

path "secret/data/+/config" {  # expect: kv2-list-on-data
  capabilities = ["list"]
}

path "secret/metadata/app/*" {
  capabilities = ["list"]
}

path "secret/+/app/*" {
  # can be metadata/app/...
  capabilities = ["list"]
}

path "kv/data/app/*" {
  # kv/ is KV v1 in this project's config
  capabilities = ["list"]
}
# config: {mounts: {secret/: {type: kv, version: 2}, kv/: {type: kv, version: 1}}}
