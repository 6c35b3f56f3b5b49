path "secret/app/*" {  # expect: kv2-missing-prefix
  capabilities = ["read"]
}

path "secret/app" {  # expect: kv2-missing-prefix
  capabilities = ["list"]
}

path "secret/{{identity.entity.id}}/*" {  # expect: kv2-missing-prefix
  capabilities = ["read"]
}

path "secret/data/app/*" {
  capabilities = ["read"]
}

path "secret/+/app" {
  # '+' reaches data/app and metadata/app
  capabilities = ["read"]
}

path "secret/*" {
  capabilities = ["read"]
}

path "secret/config" {
  capabilities = ["read"]
}

path "secret/d*" {
  capabilities = ["read"]
}

path "kv/app" {
  # no KV v2 mount configured at kv/
  capabilities = ["read"]
}
