path "sys/mounts" {
  capabilities = ["read"]
}

path "secret/data/app/*" {
  capabilities = ["update"]
}
