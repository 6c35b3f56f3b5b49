# Kubernetes workloads of team A read their own secrets (KV v2 at secret/).
path "secret/data/team-a/*" {
  capabilities = ["read"]
}

path "secret/metadata/team-a/*" {
  capabilities = ["list"]
}
