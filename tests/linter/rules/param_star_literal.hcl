path "pki/issue/web" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["*"]  # expect: param-star-literal
    "ttl"         = ["**", "1h", "*h", "2*"]
    "alt_names"   = ["a*b.example.com"]  # expect: param-star-literal
    "*"           = []
  }
  denied_parameters = {
    "format" = ["*"]  # expect: param-star-literal
  }
}
