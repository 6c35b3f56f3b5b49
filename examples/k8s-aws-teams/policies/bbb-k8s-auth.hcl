# Workloads of team bbb (Kubernetes auth) read their team's secrets.
path "secret/data/bbb/*" {
  capabilities = ["read"]
}

path "secret/metadata/bbb/*" {
  capabilities = ["list"]
}
