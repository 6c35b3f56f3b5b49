// The HTTP -> logical layer of the runtime over real HTTP on 127.0.0.1:0:
// data injection, form bodies, headers, Vault's transport errors, parameter
// constraints and wrapping TTLs enforced with the request's data, and response
// wrapping (RUNTIME-API.md §1, §6; SEMANTICS.md §6).
#include <gtest/gtest.h>

#include <chrono>

#include "runtime/server.h"
#include "tests/evaluator/acl_test_policies.h"
#include "tests/runtime/http_client.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Reply;
using acl_fixtures::kPermissionsPolicy;
using acl_fixtures::kValuePermissionsPolicy;

const std::string kDenied = "1 error occurred:\n\t* permission denied\n\n";

class Transport : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<FakeClock>(1'700'000'000);
    auto server = Server::Start({.port = 0, .clock = clock_});
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    Expected<DevSetup> setup = server_->SetUpDev("root");
    ASSERT_TRUE(setup) << setup.error().message;
    root_ = std::make_unique<Client>(server_->port());
    root_->token = "root";
  }

  void WritePolicy(const std::string& name, const std::string& text) {
    Reply r = root_->Post("sys/policies/acl/" + name, {{"policy", text}});
    ASSERT_EQ(r.status, 204) << r.body;
  }
  // A client whose token has exactly `policies`.
  Client As(const std::vector<std::string>& policies) {
    Reply r = root_->Post("auth/token/create", {{"policies", policies}, {"no_default_policy", true}});
    EXPECT_EQ(r.status, 200) << r.body;
    Client c(server_->port());
    c.token = r.Json()["auth"]["client_token"];
    return c;
  }

  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> root_;
};

// ---- transport -----------------------------------------------------------------------------

TEST_F(Transport, SysRoutesCopyDataToTopLevel) {
  Reply caps = root_->Post("sys/capabilities-self", {{"paths", {"secret/data/x"}}});
  ASSERT_EQ(caps.status, 200) << caps.body;
  EXPECT_EQ(caps.Json()["capabilities"], json({"root"}));
  EXPECT_EQ(caps.Json()["data"]["capabilities"], json({"root"}));
  EXPECT_EQ(caps.Json()["secret/data/x"], json({"root"}));
  // sys/policies/acl is not a data-injection route.
  Reply list = root_->List("sys/policies/acl");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_FALSE(list.Json().contains("keys"));
  EXPECT_TRUE(list.Json()["data"].contains("keys"));
}

TEST_F(Transport, EnvelopeHeadersAndShape) {
  Reply r = root_->Get("auth/token/lookup-self");
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.Json();
  for (const char* key : {"request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings",
                          "auth"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["request_id"].get<std::string>().size(), 36u);
  EXPECT_TRUE(j["wrap_info"].is_null());
}

TEST_F(Transport, FormEncodedBodies) {
  const std::string form = "policy=path+%22form%2F*%22+%7B+capabilities+%3D+%5B%22read%22%5D+%7D";
  Reply put = root_->Send("POST", "/v1/sys/policies/acl/formpol", form,
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(put.status, 204) << put.body;
  Reply get = root_->Get("sys/policies/acl/formpol");
  EXPECT_EQ(get.Json()["data"]["policy"], R"(path "form/*" { capabilities = ["read"] })");
  // An empty form body is "no data", not a JSON error.
  Reply empty = root_->Send("POST", "/v1/sys/capabilities-self", "",
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.Errors(), std::vector<std::string>{"paths must be supplied"});
  // A body that starts with '{' is JSON whatever the content type says.
  Reply json_anyway = root_->Send("POST", "/v1/sys/capabilities-self", R"({"paths":["form/a"]})",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(json_anyway.status, 200) << json_anyway.body;
  EXPECT_EQ(json_anyway.Json()["capabilities"], json({"root"}));
  // Repeated form keys are a list: paths=a&paths=b asks for two paths.
  Reply two = root_->Send("POST", "/v1/sys/capabilities-self", "paths=a&paths=b",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_TRUE(two.Json()["data"].contains("a"));
  EXPECT_TRUE(two.Json()["data"].contains("b"));
}

TEST_F(Transport, VaultErrorCodes) {
  const Client& c = *root_;
  EXPECT_EQ(c.Send("GET", "/v2/sys/health").status, 404);
  EXPECT_EQ(c.Send("GET", "/").status, 404);
  Reply frob = c.Send("FROB", "/v1/secret/data/a");
  EXPECT_EQ(frob.status, 405);
  EXPECT_EQ(frob.body, R"({"errors":[]})");
  Reply malformed = c.Send("POST", "/v1/secret/data/a", R"({"data": {)");
  EXPECT_EQ(malformed.status, 400);
  ASSERT_EQ(malformed.Errors().size(), 1u);
  EXPECT_TRUE(malformed.Errors()[0].starts_with("failed to parse JSON input")) << malformed.body;
  Reply array = c.Send("POST", "/v1/secret/data/a", "[1,2]");
  EXPECT_EQ(array.status, 400);
  EXPECT_TRUE(array.Errors()[0].starts_with("failed to parse JSON input")) << array.body;
  Reply binary = c.Send("POST", "/v1/secret/data/a", std::string("\x00\xff\xfe{", 4));
  EXPECT_EQ(binary.status, 400);
  Reply huge = c.Send("POST", "/v1/secret/data/a", std::string((32u << 20) + 1, 'x'));
  EXPECT_EQ(huge.status, 413);
  Reply no_route = c.Get("nomount/x");
  EXPECT_EQ(no_route.status, 404);
  EXPECT_EQ(no_route.Errors(),
            std::vector<std::string>{"1 error occurred:\n\t* no handler for route \"nomount/x\". route entry not found.\n\n"});
  Reply wrong_op = c.Get("sys/wrapping/wrap");
  EXPECT_EQ(wrong_op.status, 405);
  EXPECT_EQ(wrong_op.Errors(), std::vector<std::string>{"1 error occurred:\n\t* unsupported operation\n\n"});
  Reply bad_list = c.Send("GET", "/v1/secret/metadata/?list=maybe");
  EXPECT_EQ(bad_list.status, 400);
  EXPECT_EQ(bad_list.body, R"({"errors":[]})");
  Reply patch = c.Send("PATCH", "/v1/secret/data/a", R"({"data":{}})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(patch.status, 415);
  // Bytes that are not UTF-8 in the path, the query or a form body are echoed, not fatal.
  Reply bad_path = c.Get("nomount/%FF%FE");
  EXPECT_EQ(bad_path.status, 404);
  EXPECT_NE(bad_path.body.find("no handler for route"), std::string::npos) << bad_path.body;
  EXPECT_EQ(c.Get("secret/data/a?version=%FF").status, 404);
  Reply bad_form = c.Send("POST", "/v1/sys/capabilities-self", "paths=%C3%28",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(bad_form.status, 200);
  EXPECT_FALSE(bad_form.Json().is_discarded()) << bad_form.body;
  // Still serving after all of that.
  EXPECT_EQ(c.Get("sys/health").status, 200);
}

TEST_F(Transport, NonRootTokensGet403BeforeRouting) {
  WritePolicy("none", R"(path "other/*" { capabilities = ["read"] })");
  Client c = As({"none"});
  Reply r = c.Get("nomount/x");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Errors(), std::vector<std::string>{kDenied});
}

TEST_F(Transport, NamespaceHeader) {
  EXPECT_EQ(root_->Send("GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Namespace", ""}}).status, 200);
  EXPECT_EQ(root_->Send("GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Namespace", "root"}}).status, 200);
  Reply ns = root_->Send("GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Namespace", "team-a"}});
  EXPECT_EQ(ns.status, 400);
  EXPECT_NE(ns.body.find("namespaces are not supported"), std::string::npos) << ns.body;
}

TEST_F(Transport, WrapTtlHeaderErrors) {
  Reply negative = root_->Send("GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Wrap-TTL", "-5"}});
  EXPECT_EQ(negative.status, 400);
  EXPECT_TRUE(negative.Errors()[0].starts_with("error parsing X-Vault-Wrap-TTL header: ")) << negative.body;
  for (const char* huge : {"99999999999999999999", "9223372036854775807", "1e999"}) {
    Reply r = root_->Send("GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Wrap-TTL", huge}});
    EXPECT_EQ(r.status, 400) << huge << " " << r.body;
  }
  Reply capped = root_->Send("GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Wrap-TTL", "10000h"}});
  ASSERT_EQ(capped.status, 200) << capped.body;
  EXPECT_EQ(capped.Json()["wrap_info"]["ttl"], 768 * 3600);  // capped at the system max TTL
  Reply garbage = root_->Send("GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Wrap-TTL", "soon"}});
  EXPECT_EQ(garbage.status, 400);
  EXPECT_TRUE(garbage.Errors()[0].starts_with("error parsing X-Vault-Wrap-TTL header: ")) << garbage.body;
}

TEST_F(Transport, LegacyPolicyApi) {
  Reply rules = root_->Send("PUT", "/v1/sys/policy/Legacy", json{{"rules", R"(path "l/*" { capabilities = ["read"] })"}}.dump());
  ASSERT_EQ(rules.status, 200) << rules.body;
  EXPECT_EQ(rules.Json()["warnings"], json({"policy name was converted to legacy",
                                           "'rules' is deprecated, please use 'policy' instead"}));
  Reply read = root_->Get("sys/policy/legacy");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json()["rules"], R"(path "l/*" { capabilities = ["read"] })");
  EXPECT_EQ(read.Json()["data"]["name"], "legacy");
  EXPECT_FALSE(read.Json()["data"].contains("policy"));
  EXPECT_EQ(root_->Send("PUT", "/v1/sys/policy/modern", json{{"policy", "path \"m\" { capabilities = [\"read\"] }"}}.dump()).status, 204);
  Reply list = root_->Get("sys/policy");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Json()["policies"], json({"default", "legacy", "modern", "root"}));
  EXPECT_EQ(list.Json()["keys"], list.Json()["data"]["keys"]);
  EXPECT_EQ(root_->Delete("sys/policy/legacy").status, 204);
  EXPECT_EQ(root_->Get("sys/policy/legacy").status, 404);
  EXPECT_EQ(root_->Delete("sys/policy/root").status, 400);
}

// ---- parameter constraints and wrapping TTLs reach the evaluator ----------------------------

struct ParamCase {
  const char* path;
  const char* body;  // JSON object
  const char* wrap_ttl;
  bool allowed;
};

// Allowed requests pass the ACL and then find no mount (404 "no handler"); refused ones get 403.
void ExpectDecisions(const Client& c, const std::vector<ParamCase>& cases) {
  for (const ParamCase& k : cases) {
    std::map<std::string, std::string> headers;
    if (*k.wrap_ttl != '\0') {
      headers["X-Vault-Wrap-TTL"] = k.wrap_ttl;
    }
    Reply r = c.Send("POST", std::string("/v1/") + k.path, k.body, headers);
    SCOPED_TRACE(std::string(k.path) + " " + k.body + " wrap=" + k.wrap_ttl);
    if (k.allowed) {
      EXPECT_EQ(r.status, 404) << r.body;
      EXPECT_NE(r.body.find("no handler for route"), std::string::npos) << r.body;
    } else {
      EXPECT_EQ(r.status, 403) << r.body;
      EXPECT_EQ(r.Errors(), std::vector<std::string>{kDenied});
    }
  }
}

TEST_F(Transport, AllowOperationTableEnforced) {
  WritePolicy("perms", kPermissionsPolicy);
  const Client c = As({"perms"});
  ExpectDecisions(c, {
                         {"dev/ops", R"({"zip":"zap"})", "", true},           // row 31
                         {"dev/ops", R"({"zap":"zip"})", "", false},          // not in allowed_parameters
                         {"foo/bar", R"({"zip":"zap"})", "", false},          // row 32: wrapping required
                         {"foo/bar", R"({"zip":"zap"})", "50", false},        // row 33: below min
                         {"foo/bar", R"({"zip":"zap"})", "450s", false},      // above max
                         {"foo/bar", R"({"zip":"zap"})", "350", true},        // within bounds
                         {"foo/bar", R"({"zap":"x"})", "350", false},         // row 34
                         {"foo/baz", R"({"hello":"x"})", "7m30s", true},      // row 35: min only, no upper bound
                         {"working/phone", "", "", false},                    // row 36
                         {"working/phone", "", "350", true},                  // row 37
                         {"broken/phone", R"({"steve":"x"})", "", false},     // row 38
                         {"hello/world", R"({"one":"x"})", "", false},        // row 39
                         {"hello/world", "", "", true},                       // no data: denied "*" does not block
                         {"tree/fort", R"({"one":"x"})", "", true},           // row 40
                         {"tree/fort", R"({"foo":"x"})", "", false},
                         {"fruit/apple", R"({"pear":"x"})", "", false},       // row 41
                         {"cold/weather", R"({"four":"x"})", "", true},       // row 42
                         {"var/req", R"({"cold":"a","warm":"b"})", "", false},  // row 43
                         {"var/req", R"({"cold":"a","foo":"d"})", "", true},
                     });
}

TEST_F(Transport, ValuePermissionsTableEnforced) {
  WritePolicy("values", kValuePermissionsPolicy);
  const Client c = As({"values"});
  ExpectDecisions(c, {
                         {"dev/ops", R"({"allow":"good"})", "", true},   // row 44
                         {"dev/ops", R"({"allow":"bad"})", "", false},
                         {"dev/ops", R"({"allow":null})", "", false},    // nil never matches an allowed value
                         {"foo/bar", R"({"deny":"bad glob"})", "", false},  // row 45
                         {"foo/bar", R"({"deny":"good"})", "", true},
                         {"foo/bar", R"({"deny":null})", "", true},      // nor a denied one
                         {"foo/baz", R"({"aLLow":"good"})", "", true},   // names are case-insensitive
                         {"foo/baz", R"({"allow":"GOOD"})", "", false},  // values are not
                         {"foo/baz", R"({"allow":"good","deny":"bad"})", "", false},
                         {"fizz/buzz", R"({"allow_multi":"xgood3"})", "", true},
                         {"fizz/buzz", R"({"allow_multi":["good1","good2"]})", "", true},
                         {"fizz/buzz", R"({"allow_multi":"good1,bad"})", "", false},
                         {"fizz/buzz", R"({"deny_multi":"bad2"})", "", false},
                         {"test/types", R"({"int":1})", "", false},      // a JSON number is a json.Number
                         {"test/types", R"({"bool":false})", "", true},
                         {"test/types", R"({"map":{"good":"one"}})", "", true},
                         {"test/types", R"({"map":{"good":"two"}})", "", false},
                     });
}

TEST_F(Transport, QueryParametersAreRequestData) {
  WritePolicy("q", R"(path "secret/data/q" {
  capabilities = ["read"]
  allowed_parameters = { "version" = ["1"] }
})");
  ASSERT_EQ(root_->Post("secret/data/q", {{"data", {{"v", "1"}}}}).status, 200);
  const Client c = As({"q"});
  EXPECT_EQ(c.Get("secret/data/q?version=1").status, 200);
  EXPECT_EQ(c.Get("secret/data/q?version=2").status, 403);
  EXPECT_EQ(c.Get("secret/data/q").status, 200);  // no data at all: allowed lists cannot force presence
}

TEST_F(Transport, ParameterConstraintsOnRealKvWrites) {
  WritePolicy("kvparams", R"(path "secret/data/app" {
  capabilities = ["create", "update", "read"]
  denied_parameters = { "options" = [] }
  required_parameters = ["data"]
})");
  const Client c = As({"kvparams"});
  EXPECT_EQ(c.Post("secret/data/app", {{"data", {{"k", "v"}}}}).status, 200);
  Reply cas = c.Post("secret/data/app", {{"data", {{"k", "v2"}}}, {"options", {{"cas", 1}}}});
  EXPECT_EQ(cas.status, 403) << cas.body;
  EXPECT_EQ(c.Post("secret/data/app", json::object()).status, 403);  // required "data" missing
  // required_parameters binds reads too (SEMANTICS.md §6.1 step 2): a GET carries no "data".
  EXPECT_EQ(c.Get("secret/data/app").status, 403);
  Reply read = root_->Get("secret/data/app");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json()["data"]["data"]["k"], "v");
}

// ---- response wrapping ---------------------------------------------------------------------

TEST_F(Transport, WrapKvReadUnwrapOnce) {
  ASSERT_EQ(root_->Post("secret/data/app", {{"data", {{"password", "s3cret"}}}}).status, 200);
  Reply wrapped = root_->Send("GET", "/v1/secret/data/app", "", {{"X-Vault-Wrap-TTL", "5m"}});
  ASSERT_EQ(wrapped.status, 200) << wrapped.body;
  const json w = wrapped.Json();
  EXPECT_EQ(w["request_id"], "");
  EXPECT_TRUE(w["data"].is_null());
  EXPECT_TRUE(w["auth"].is_null());
  EXPECT_EQ(w["wrap_info"]["ttl"], 300);
  EXPECT_EQ(w["wrap_info"]["creation_path"], "secret/data/app");
  EXPECT_FALSE(w["wrap_info"].contains("wrapped_accessor"));
  EXPECT_EQ(wrapped.body.find("s3cret"), std::string::npos);
  const std::string wrapping_token = w["wrap_info"]["token"];
  EXPECT_TRUE(wrapping_token.starts_with("hvs.")) << wrapping_token;

  Client anonymous(server_->port());
  Reply lookup = anonymous.Post("sys/wrapping/lookup", {{"token", wrapping_token}});
  ASSERT_EQ(lookup.status, 200) << lookup.body;
  EXPECT_EQ(lookup.Json()["data"]["creation_path"], "secret/data/app");
  EXPECT_EQ(lookup.Json()["data"]["creation_ttl"], 300);

  Client holder(server_->port());
  holder.token = wrapping_token;
  Reply unwrapped = holder.Post("sys/wrapping/unwrap", json::object());
  ASSERT_EQ(unwrapped.status, 200) << unwrapped.body;
  EXPECT_EQ(unwrapped.Json()["data"]["data"]["password"], "s3cret");
  EXPECT_EQ(unwrapped.Json()["data"]["metadata"]["version"], 1);
  EXPECT_EQ(unwrapped.Json()["request_id"].get<std::string>().size(), 36u);

  // Single use: the token is gone, so is the wrapped response.
  Reply again = holder.Post("sys/wrapping/unwrap", json::object());
  EXPECT_EQ(again.status, 403);
  Reply by_body = root_->Post("sys/wrapping/unwrap", {{"token", wrapping_token}});
  EXPECT_EQ(by_body.status, 400);
  EXPECT_EQ(by_body.Errors(), std::vector<std::string>{"wrapping token is not valid or does not exist"});
  EXPECT_EQ(anonymous.Post("sys/wrapping/lookup", {{"token", wrapping_token}}).status, 400);
}

TEST_F(Transport, WrappingTokenCannotReadAnythingElse) {
  ASSERT_EQ(root_->Post("secret/data/app", {{"data", {{"k", "v"}}}}).status, 200);
  Reply wrapped = root_->Send("GET", "/v1/secret/data/app", "", {{"X-Vault-Wrap-TTL", "60"}});
  Client holder(server_->port());
  holder.token = wrapped.Json()["wrap_info"]["token"];
  EXPECT_EQ(holder.Get("secret/data/app").status, 403);
}

TEST_F(Transport, UnwrapByBodyTokenAndWrapEndpoint) {
  Reply no_header = root_->Post("sys/wrapping/wrap", {{"a", "b"}});
  EXPECT_EQ(no_header.status, 400);
  EXPECT_EQ(no_header.Errors(), std::vector<std::string>{"endpoint requires response wrapping to be used"});
  Reply wrapped = root_->Post("sys/wrapping/wrap", {{"a", "b"}, {"n", 3}}, {{"X-Vault-Wrap-TTL", "120"}});
  ASSERT_EQ(wrapped.status, 200) << wrapped.body;
  EXPECT_EQ(wrapped.Json()["wrap_info"]["creation_path"], "sys/wrapping/wrap");
  const std::string token = wrapped.Json()["wrap_info"]["token"];
  Client other = As({"default"});
  Reply unwrapped = other.Post("sys/wrapping/unwrap", {{"token", token}});
  ASSERT_EQ(unwrapped.status, 200) << unwrapped.body;
  EXPECT_EQ(unwrapped.Json()["data"], json({{"a", "b"}, {"n", 3}}));
  EXPECT_EQ(other.Post("sys/wrapping/unwrap", {{"token", token}}).status, 400);
}

TEST_F(Transport, WrappedTokenCreateCarriesWrappedAccessor) {
  Reply wrapped = root_->Post("auth/token/create", {{"policies", {"default"}}}, {{"X-Vault-Wrap-TTL", "60"}});
  ASSERT_EQ(wrapped.status, 200) << wrapped.body;
  const json info = wrapped.Json()["wrap_info"];
  ASSERT_TRUE(info.contains("wrapped_accessor")) << wrapped.body;
  Client holder(server_->port());
  holder.token = info["token"];
  Reply unwrapped = holder.Post("sys/wrapping/unwrap", json::object());
  ASSERT_EQ(unwrapped.status, 200) << unwrapped.body;
  EXPECT_EQ(unwrapped.Json()["auth"]["accessor"], info["wrapped_accessor"]);
  // The wrapped child token was registered and works.
  Client child(server_->port());
  child.token = unwrapped.Json()["auth"]["client_token"];
  EXPECT_EQ(child.Get("auth/token/lookup-self").status, 200);
}

TEST_F(Transport, WrappingTokenExpires) {
  Reply wrapped = root_->Post("sys/wrapping/wrap", {{"a", "b"}}, {{"X-Vault-Wrap-TTL", "30s"}});
  const std::string token = wrapped.Json()["wrap_info"]["token"];
  clock_->Advance(std::chrono::seconds(31));
  Reply late = root_->Post("sys/wrapping/unwrap", {{"token", token}});
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(late.Errors(), std::vector<std::string>{"wrapping token is not valid or does not exist"});
}

TEST_F(Transport, RewrapIssuesANewTokenAndRetiresTheOld) {
  Reply wrapped = root_->Post("sys/wrapping/wrap", {{"a", "b"}}, {{"X-Vault-Wrap-TTL", "90"}});
  const std::string old_token = wrapped.Json()["wrap_info"]["token"];
  Reply rewrapped = root_->Post("sys/wrapping/rewrap", {{"token", old_token}});
  ASSERT_EQ(rewrapped.status, 200) << rewrapped.body;
  const std::string new_token = rewrapped.Json()["wrap_info"]["token"];
  EXPECT_NE(new_token, old_token);
  EXPECT_EQ(rewrapped.Json()["wrap_info"]["ttl"], 90);
  EXPECT_EQ(root_->Post("sys/wrapping/unwrap", {{"token", old_token}}).status, 400);
  Reply unwrapped = root_->Post("sys/wrapping/unwrap", {{"token", new_token}});
  ASSERT_EQ(unwrapped.status, 200) << unwrapped.body;
  EXPECT_EQ(unwrapped.Json()["data"]["a"], "b");
}

TEST_F(Transport, PolicyWrappingBoundsOnRealKvReads) {
  ASSERT_EQ(root_->Post("secret/data/w", {{"data", {{"k", "v"}}}}).status, 200);
  WritePolicy("wrapped", R"(path "secret/data/w" {
  capabilities = ["read"]
  min_wrapping_ttl = "5m"
  max_wrapping_ttl = 400
})");
  const Client c = As({"wrapped"});
  EXPECT_EQ(c.Get("secret/data/w").status, 403);
  EXPECT_EQ(c.Send("GET", "/v1/secret/data/w", "", {{"X-Vault-Wrap-TTL", "60"}}).status, 403);
  EXPECT_EQ(c.Send("GET", "/v1/secret/data/w", "", {{"X-Vault-Wrap-TTL", "401"}}).status, 403);
  Reply ok = c.Send("GET", "/v1/secret/data/w", "", {{"X-Vault-Wrap-TTL", "300"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["wrap_info"]["ttl"], 300);
}

}  // namespace
}  // namespace polcheck::runtime
