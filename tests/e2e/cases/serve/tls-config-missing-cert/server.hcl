storage "inmem" {}
listener "tcp" {
  address       = "127.0.0.1:0"
  tls_cert_file = "missing.pem"
  tls_key_file  = "missing-key.pem"
}
