path "secret/data/a" {
  policy = "banana"  # expect: invalid-policy
}

path "secret/data/b" {
  policy = "write"
}
