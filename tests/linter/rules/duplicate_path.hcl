path "secret/data/app/*" {
  capabilities = ["read"]
}

path "secret/data/app/*" {  # expect: duplicate-path
  capabilities = ["update"]
}

path "secret/data/app" {
  # exact and prefix keys live in different stores: not duplicates
  capabilities = ["read"]
}

path "/secret/data/app" {  # expect: duplicate-path, leading-slash
  capabilities = ["read"]
}

path "secret/data/app*" {
  capabilities = ["read"]
}
