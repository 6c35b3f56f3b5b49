// Vault's own ACL test policies (acl_test.go), shared by the evaluator's table
// test (tests/evaluator/semantics_table_test.cc) and the runtime's transport test,
// which re-runs the same rows over HTTP.
#pragma once

namespace polcheck::acl_fixtures {

// acl_test.go › TestACL_AllowOperation.
constexpr const char* kPermissionsPolicy = R"(
path "dev/*" {
  policy = "write"
  allowed_parameters = { "zip" = [] }
}
path "foo/bar" {
  policy = "write"
  denied_parameters = { "zap" = [] }
  min_wrapping_ttl = 300
  max_wrapping_ttl = "400s"
}
path "foo/baz" {
  policy = "write"
  allowed_parameters = { "hello" = [] }
  denied_parameters = { "zap" = [] }
  min_wrapping_ttl = 300
}
path "working/phone" {
  policy = "write"
  max_wrapping_ttl = 400
}
path "broken/phone" {
  policy = "write"
  allowed_parameters = { "steve" = [] }
  denied_parameters = { "steve" = [] }
}
path "hello/world" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "*" = [] }
}
path "tree/fort" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "foo" = [] }
}
path "fruit/apple" {
  policy = "write"
  allowed_parameters = { "pear" = [] }
  denied_parameters = { "*" = [] }
}
path "cold/weather" {
  policy = "write"
  allowed_parameters = {}
  denied_parameters = {}
}
path "var/req" {
  policy = "write"
  required_parameters = ["foo"]
}
)";

// acl_test.go › TestACL_ValuePermissions.
constexpr const char* kValuePermissionsPolicy = R"(
path "dev/ops" {
  policy = "write"
  allowed_parameters = { "allow" = ["good"] }
}
path "foo/bar" {
  policy = "write"
  denied_parameters = { "deny" = ["bad*"] }
}
path "foo/baz" {
  policy = "write"
  allowed_parameters = { "ALLOW" = ["good"] }
  denied_parameters = { "dEny" = ["bad"] }
}
path "fizz/buzz" {
  policy = "write"
  allowed_parameters = {
    "allow_multi" = ["good", "good1", "good2", "*good3"]
    "allow" = ["good"]
  }
  denied_parameters = { "deny_multi" = ["bad", "bad1", "bad2"] }
}
path "test/types" {
  policy = "write"
  allowed_parameters = {
    "map" = [{"good" = "one"}]
    "int" = [1, 2]
    "bool" = [false]
  }
  denied_parameters = {}
}
path "test/star" {
  policy = "write"
  allowed_parameters = {
    "*" = []
    "foo" = []
    "bar" = [false]
  }
  denied_parameters = {}
}
)";

}  // namespace polcheck::acl_fixtures
