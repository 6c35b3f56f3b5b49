# Each AWS login and each pod gets its own folder, named by its entity alias
# on the mount (which auth/aws/config/identity and alias_name_source pick).
path "secret/data/aws/{{identity.entity.aliases.auth_aws_main.name}}/*" {
  capabilities = ["create", "read", "update"]
}
path "secret/data/pods/{{identity.entity.aliases.auth_k8s_main.name}}/*" {
  capabilities = ["create", "read", "update"]
}
