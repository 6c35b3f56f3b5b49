path "sys/wrapping/wrap" {
  capabilities = ["update"]
  min_wrapping_ttl = "soon"  # expect: invalid-duration
  max_wrapping_ttl = "1h"
}
