# Workloads of team aaa (Kubernetes auth) read their team's secrets.
path "secret/data/aaa/*" {
  capabilities = ["read"]
}

path "secret/metadata/aaa/*" {
  capabilities = ["list"]
}
