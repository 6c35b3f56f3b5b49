# comment
path "b" {
  capabilities = ["list"]

  denied_parameters = {
    "*" = []
  }
}
