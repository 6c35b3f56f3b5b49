path "secret/data/team*" {
  capabilities = ["read"]
}

path "secret/data/+/deploy" {  # expect: plus-loses-to-glob
  capabilities = ["update"]
}

path "secret/metadata/*" {
  capabilities = ["list"]
}

path "secret/+/x/y" {
  # ties on the first wildcard position: the '+' pattern wins (rule 2)
  capabilities = ["read"]
}

path "+/data/team-a/z" {
  # a "+/..." pattern spans every mount
  capabilities = ["update"]
}
