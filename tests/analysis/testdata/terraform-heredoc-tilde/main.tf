resource "vault_policy" "p" {
  name   = "p"
  policy = <<~EOT
    path "secret/*" {
      capabilities = ["read"]
    }
  EOT
}
