// Auth methods (RUNTIME-API.md §4.0-4.2, SEMANTICS.md §9.0, §9.4, §9.5) through Core::Handle.
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;

class Userpass : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
    PutPolicy("dev", R"(path "secret/data/dev/*" { capabilities = ["read", "create", "update"] })");
  }
  Reply Login(const std::string& user, const std::string& password, const std::string& mount = "userpass") {
    return Send("POST", "auth/" + mount + "/login/" + user, {{"password", password}}, "");
  }
};

TEST_F(Userpass, UsersCrudAndLoginGivesVaultsToken) {
  ASSERT_EQ(Post("auth/userpass/users/Bob", {{"password", "s3cret"}, {"token_policies", "dev"}, {"token_ttl", "1h"},
                                            {"token_max_ttl", "2h"}})
                .status,
            204);
  Reply read = Get("auth/userpass/users/bob");
  ASSERT_EQ(read.status, 200) << read.body.dump();
  EXPECT_EQ(read.body["data"]["token_policies"], json({"dev"}));
  EXPECT_EQ(read.body["data"]["token_ttl"], 3600);
  EXPECT_EQ(read.body["data"]["token_max_ttl"], 7200);
  EXPECT_EQ(read.body["data"]["token_type"], "default");
  EXPECT_EQ(read.body["data"]["token_bound_cidrs"], json::array());
  EXPECT_FALSE(read.body["data"].contains("password"));
  EXPECT_FALSE(read.body["data"].contains("policies"));
  EXPECT_EQ(List("auth/userpass/users").body["data"]["keys"], json({"bob"}));

  Reply login = Send("POST", "auth/userpass/login/BOB", {{"password", "s3cret"}}, "some-stale-token");
  ASSERT_EQ(login.status, 200) << login.body.dump();
  const json& auth = login.body["auth"];
  EXPECT_EQ(auth["policies"], json({"default", "dev"}));
  EXPECT_EQ(auth["token_policies"], json({"default", "dev"}));
  EXPECT_EQ(auth["metadata"], json({{"username", "bob"}}));
  EXPECT_EQ(auth["lease_duration"], 3600);
  EXPECT_EQ(auth["renewable"], true);
  EXPECT_EQ(auth["orphan"], true);
  EXPECT_EQ(auth["token_type"], "service");
  EXPECT_EQ(auth["entity_id"].get<std::string>().size(), 36u);
  EXPECT_EQ(login.body["mount_type"], "userpass");
  const std::string token = auth["client_token"];
  Reply self = Get("auth/token/lookup-self", token);
  ASSERT_EQ(self.status, 200);
  EXPECT_EQ(self.body["data"]["display_name"], "userpass-bob");
  EXPECT_EQ(self.body["data"]["path"], "auth/userpass/login/BOB") << "the request path as sent, as Vault records it";
  EXPECT_EQ(self.body["data"]["entity_id"], auth["entity_id"]);
  EXPECT_EQ(Send("POST", "secret/data/dev/x", {{"data", {{"a", "1"}}}}, token).status, 200);
  EXPECT_EQ(Send("POST", "secret/data/prod/x", {{"data", {{"a", "1"}}}}, token).Error(), kDenied);

  // Renewal is capped by the user's token_max_ttl.
  Advance(3000);
  Reply renewed = Post("auth/token/renew-self", {{"increment", "2h"}}, token);
  EXPECT_EQ(renewed.body["auth"]["lease_duration"], 4200);

  ASSERT_EQ(Delete("auth/userpass/users/bob").status, 204);
  EXPECT_EQ(Get("auth/userpass/users/bob").status, 404);
  EXPECT_EQ(List("auth/userpass/users").status, 404);
}

TEST_F(Userpass, LoginErrorsAndPasswordAtRest) {
  ASSERT_EQ(Post("auth/userpass/users/alice", {{"password", "correct horse"}}).status, 204);
  EXPECT_EQ(Login("alice", "wrong").Error(), "invalid username or password");
  EXPECT_EQ(Login("nobody", "x").Error(), "invalid username or password");
  Reply missing = Send("POST", "auth/userpass/login/alice", json::object(), "");
  EXPECT_EQ(missing.status, 500);
  EXPECT_EQ(missing.Error(), "missing password");
  EXPECT_EQ(Post("auth/userpass/users/carol", {{"token_policies", "dev"}}).Error(), "missing password");
  const std::string stored = AllStoredBytes();
  EXPECT_EQ(stored.find("correct horse"), std::string::npos);
}

TEST_F(Userpass, PasswordAndPoliciesEndpointsAndLegacyAlias) {
  ASSERT_EQ(Post("auth/userpass/users/dan", {{"password", "one"}, {"policies", {"dev", "Ops"}}}).status, 204);
  Reply read = Get("auth/userpass/users/dan");
  EXPECT_EQ(read.body["data"]["policies"], json({"dev", "Ops"})) << "echoed when set through the alias";
  ASSERT_EQ(Post("auth/userpass/users/dan/password", {{"password", "two"}}).status, 204);
  EXPECT_EQ(Login("dan", "one").status, 400);
  ASSERT_EQ(Login("dan", "two").status, 200);
  ASSERT_EQ(Post("auth/userpass/users/dan/policies", {{"policies", {"dev"}}}).status, 204);
  EXPECT_EQ(Login("dan", "two").body["auth"]["policies"], json({"default", "dev"}));
  EXPECT_EQ(Post("auth/userpass/users/ghost/password", {{"password", "x"}}).Error(), "username does not exist");
  ASSERT_EQ(Post("auth/userpass/users/erin", {{"password", "p"}, {"token_no_default_policy", true},
                                             {"token_policies", "dev"}})
                .status,
            204);
  EXPECT_EQ(Login("erin", "p").body["auth"]["policies"], json({"dev"}));
  ASSERT_EQ(Post("auth/userpass/users/root-wannabe", {{"password", "p"}, {"token_policies", "root"}}).status, 204);
  EXPECT_EQ(Login("root-wannabe", "p").Error(), "auth methods cannot create root tokens");
  EXPECT_EQ(Post("auth/userpass/users/x", {{"password", "p"}, {"token_ttl", "2h"}, {"token_max_ttl", "1h"}}).Error(),
            "'token_ttl' cannot be greater than 'token_max_ttl'");
}

TEST_F(Userpass, LockoutAfterFiveFailures) {
  ASSERT_EQ(Post("auth/userpass/users/frank", {{"password", "right"}}).status, 204);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login("frank", "wrong").status, 400);
  }
  Reply locked = Login("frank", "right");
  EXPECT_EQ(locked.status, 403);
  EXPECT_EQ(locked.Error(), "permission denied");
  Advance(15 * 60);
  EXPECT_EQ(Login("frank", "right").status, 200) << "the lockout lasts 15 minutes";
}

TEST_F(Userpass, TokensRevokedWhenTheMethodIsDisabled) {
  ASSERT_EQ(Post("auth/userpass/users/gina", {{"password", "p"}}).status, 204);
  const std::string token = Login("gina", "p").body["auth"]["client_token"];
  ASSERT_EQ(Get("auth/token/lookup-self", token).status, 200);
  ASSERT_EQ(Delete("sys/auth/userpass").status, 204);
  EXPECT_EQ(Get("auth/token/lookup-self", token).status, 403);
  ASSERT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
  EXPECT_EQ(Login("gina", "p").status, 400) << "users went with the mount";
}

TEST_F(Userpass, MountTtlsApplyAndTwoMountsAreIndependent) {
  ASSERT_EQ(Post("sys/auth/short", {{"type", "userpass"}, {"config", {{"default_lease_ttl", "5m"},
                                                                       {"max_lease_ttl", "10m"}}}})
                .status,
            204);
  ASSERT_EQ(Post("auth/short/users/hal", {{"password", "p"}}).status, 204);
  Reply login = Login("hal", "p", "short");
  EXPECT_EQ(login.body["auth"]["lease_duration"], 300);
  Reply self = Get("auth/token/lookup-self", login.body["auth"]["client_token"]);
  EXPECT_EQ(self.body["data"]["display_name"], "short-hal");
  EXPECT_EQ(Login("hal", "p").status, 400) << "not a user of auth/userpass/";
  ASSERT_EQ(Post("auth/short/users/ivy", {{"password", "p"}, {"token_ttl", "1h"}}).status, 204);
  Reply capped = Login("ivy", "p", "short");
  EXPECT_EQ(capped.body["auth"]["lease_duration"], 600);
  EXPECT_EQ(capped.body["warnings"].size(), 1u);
}

TEST_F(Userpass, TokenBoundCidrs) {
  ASSERT_EQ(Post("auth/userpass/users/jo", {{"password", "p"}, {"token_bound_cidrs", "10.0.0.0/8"}}).status, 204);
  EXPECT_EQ(Login("jo", "p").status, 403) << "login from 127.0.0.1";
  HttpResponse inside = core_->Handle({.method = "POST", .target = "/v1/auth/userpass/login/jo",
                                       .body = R"({"password":"p"})", .remote_address = "10.1.2.3"});
  ASSERT_EQ(inside.status, 200) << inside.body;
  const std::string token = json::parse(inside.body)["auth"]["client_token"];
  EXPECT_EQ(Get("auth/token/lookup-self", token).status, 403) << "used from outside the CIDR";
  EXPECT_EQ(Post("auth/userpass/users/k", {{"password", "p"}, {"token_bound_cidrs", "nope"}}).Error(),
            "invalid CIDR \"nope\"");
}

// ---- AppRole ----

class Approle : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/auth/approle", {{"type", "approle"}}).status, 204);
  }
  std::string RoleId(const std::string& role) { return Get("auth/approle/role/" + role + "/role-id").body["data"]["role_id"]; }
  json SecretId(const std::string& role, const json& body = json::object()) {
    Reply r = Post("auth/approle/role/" + role + "/secret-id", body);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["data"];
  }
  Reply Login(const json& body, const std::string& remote = "127.0.0.1") {
    return Send("POST", "auth/approle/login", body, "", remote);
  }
};

TEST_F(Approle, RoleCrudAndLogin) {
  ASSERT_EQ(Post("auth/approle/role/Web", {{"policies", "web,db"}, {"token_ttl", "20m"}, {"secret_id_ttl", "1h"},
                                           {"secret_id_num_uses", 5}})
                .status,
            204);
  Reply read = Get("auth/approle/role/web");
  ASSERT_EQ(read.status, 200) << read.body.dump();
  EXPECT_EQ(read.body["data"]["bind_secret_id"], true);
  EXPECT_EQ(read.body["data"]["secret_id_ttl"], 3600);
  EXPECT_EQ(read.body["data"]["secret_id_num_uses"], 5);
  EXPECT_EQ(read.body["data"]["token_policies"], json({"web", "db"}));
  EXPECT_EQ(read.body["data"]["policies"], json({"web", "db"}));
  EXPECT_EQ(read.body["data"]["token_ttl"], 1200);
  EXPECT_EQ(List("auth/approle/role").body["data"]["keys"], json({"web"}));
  const std::string role_id = RoleId("web");
  EXPECT_EQ(role_id.size(), 36u);
  json secret = SecretId("web", {{"metadata", R"({"env":"ci"})"}});
  EXPECT_EQ(secret["secret_id_ttl"], 3600);
  EXPECT_EQ(secret["secret_id_num_uses"], 5);
  Reply login = Login({{"role_id", role_id}, {"secret_id", secret["secret_id"]}});
  ASSERT_EQ(login.status, 200) << login.body.dump();
  EXPECT_EQ(login.body["auth"]["policies"], json({"db", "default", "web"}));
  EXPECT_EQ(login.body["auth"]["metadata"], json({{"env", "ci"}, {"role_name", "web"}}));
  EXPECT_EQ(login.body["auth"]["lease_duration"], 1200);
  EXPECT_EQ(Get("auth/token/lookup-self", login.body["auth"]["client_token"]).body["data"]["display_name"], "approle");
  Reply lookup = Post("auth/approle/role/web/secret-id/lookup", {{"secret_id", secret["secret_id"]}});
  ASSERT_EQ(lookup.status, 200) << lookup.body.dump();
  EXPECT_EQ(lookup.body["data"]["secret_id_num_uses"], 4) << "one use consumed";
  EXPECT_EQ(lookup.body["data"]["metadata"], json({{"env", "ci"}}));
  EXPECT_EQ(lookup.body["data"]["secret_id_accessor"], secret["secret_id_accessor"]);
  EXPECT_EQ(List("auth/approle/role/web/secret-id").body["data"]["keys"], json({secret["secret_id_accessor"]}));
  const std::string stored = AllStoredBytes();
  EXPECT_EQ(stored.find(secret["secret_id"].get<std::string>()), std::string::npos);
  ASSERT_EQ(Delete("auth/approle/role/web").status, 204);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", secret["secret_id"]}}).Error(), "invalid role or secret ID");
}

TEST_F(Approle, SecretIdUsesTtlAndDestroy) {
  ASSERT_EQ(Post("auth/approle/role/r", {{"token_policies", "p"}}).status, 204);
  const std::string role_id = RoleId("r");
  json once = SecretId("r", {{"num_uses", 1}});
  ASSERT_EQ(Login({{"role_id", role_id}, {"secret_id", once["secret_id"]}}).status, 200);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", once["secret_id"]}}).Error(), "invalid role or secret ID");
  json brief = SecretId("r", {{"ttl", "60s"}});
  Advance(61);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", brief["secret_id"]}}).Error(), "invalid role or secret ID");
  json destroyed = SecretId("r");
  ASSERT_EQ(Post("auth/approle/role/r/secret-id/destroy", {{"secret_id", destroyed["secret_id"]}}).status, 204);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", destroyed["secret_id"]}}).status, 400);
  EXPECT_EQ(Post("auth/approle/role/r/secret-id/lookup", {{"secret_id", destroyed["secret_id"]}}).status, 204);
  json by_accessor = SecretId("r");
  Reply acc = Post("auth/approle/role/r/secret-id-accessor/lookup", {{"secret_id_accessor", by_accessor["secret_id_accessor"]}});
  ASSERT_EQ(acc.status, 200) << acc.body.dump();
  ASSERT_EQ(Post("auth/approle/role/r/secret-id-accessor/destroy",
                 {{"secret_id_accessor", by_accessor["secret_id_accessor"]}})
                .status,
            204);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", by_accessor["secret_id"]}}).status, 400);
  EXPECT_EQ(Login({{"secret_id", "x"}}).Error(), "missing role_id");
  EXPECT_EQ(Login({{"role_id", role_id}}).Error(), "missing secret_id");
  EXPECT_EQ(Login({{"role_id", "unknown"}, {"secret_id", "x"}}).Error(), "invalid role or secret ID");
}

TEST_F(Approle, CustomRoleIdCustomSecretAndCidrs) {
  ASSERT_EQ(Post("auth/approle/role/c", {{"role_id", "my-role-id"}, {"secret_id_bound_cidrs", {"10.0.0.0/8"}}}).status,
            204);
  EXPECT_EQ(RoleId("c"), "my-role-id");
  ASSERT_EQ(Post("auth/approle/role/c/custom-secret-id", {{"secret_id", "my-secret"}}).status, 200);
  EXPECT_EQ(Login({{"role_id", "my-role-id"}, {"secret_id", "my-secret"}}).status, 400) << "from 127.0.0.1";
  EXPECT_EQ(Login({{"role_id", "my-role-id"}, {"secret_id", "my-secret"}}, "10.9.9.9").status, 200);
  ASSERT_EQ(Post("auth/approle/role/c/role-id", {{"role_id", "renamed"}}).status, 204);
  EXPECT_EQ(Login({{"role_id", "my-role-id"}, {"secret_id", "my-secret"}}, "10.9.9.9").status, 400);
  EXPECT_EQ(Login({{"role_id", "renamed"}, {"secret_id", "my-secret"}}, "10.9.9.9").status, 200);
}

TEST_F(Approle, WithoutSecretIdNeedsACidrBound) {
  EXPECT_EQ(Post("auth/approle/role/open", {{"bind_secret_id", false}}).Error(),
            "at least one constraint should be enabled on the role");
  ASSERT_EQ(Post("auth/approle/role/open", {{"bind_secret_id", false}, {"token_bound_cidrs", "127.0.0.1/32"}}).status,
            204);
  Reply login = Login({{"role_id", RoleId("open")}});
  ASSERT_EQ(login.status, 200) << login.body.dump();
  EXPECT_EQ(login.body["auth"]["metadata"], json({{"role_name", "open"}}));
}

TEST_F(Approle, SecretIdCannotExceedRoleLimits) {
  ASSERT_EQ(Post("auth/approle/role/lim", {{"secret_id_num_uses", 2}, {"secret_id_ttl", 60}}).status, 204);
  EXPECT_EQ(Post("auth/approle/role/lim/secret-id", {{"num_uses", 3}}).Error(),
            "num_uses cannot be higher than the role's secret_id_num_uses");
  EXPECT_EQ(Post("auth/approle/role/lim/secret-id", {{"ttl", 120}}).Error(),
            "ttl cannot be longer than the role's secret_id_ttl");
  EXPECT_EQ(Post("auth/approle/role/ghost/secret-id", json::object()).Error(), "role \"ghost\" does not exist");
}

}  // namespace
}  // namespace polcheck::runtime::testing
