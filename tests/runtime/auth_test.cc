// Auth methods (RUNTIME-API.md §4.0-4.2, SEMANTICS.md §9.0, §9.4, §9.5) through Core::Handle.
// clang-format off
#include <utility>  // first: Boost.Asio 1.74 headers use std::exchange without including it
// clang-format on
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <mutex>
#include <thread>

#include "runtime/crypto.h"
#include "tests/runtime/core_fixture.h"
#include "tests/runtime/fake_api_server.h"
#include "tests/runtime/jwt_key.h"

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
  ASSERT_EQ(
      Post("auth/userpass/users/Bob",
           {{"password", "s3cret"}, {"token_policies", "dev"}, {"token_ttl", "1h"}, {"token_max_ttl", "2h"}})
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
  EXPECT_EQ(self.body["data"]["path"], "auth/userpass/login/BOB")
      << "the request path as sent, as Vault records it";
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

// Issue #7: renewing a login token uses the user's current token_ttl / token_max_ttl
// (Vault's userpass renew callback), not the values captured at login.
TEST_F(Userpass, RenewRereadsTheUsersCurrentTtls) {
  ASSERT_EQ(Post("auth/userpass/users/bob", {{"password", "pw"}, {"token_ttl", "1h"}, {"token_max_ttl", "4h"}}).status,
            204);
  Reply login = Login("bob", "pw");
  ASSERT_EQ(login.status, 200) << login.body.dump();
  const std::string token = login.body["auth"]["client_token"];
  EXPECT_EQ(login.body["auth"]["lease_duration"], 3600);
  ASSERT_EQ(Post("auth/userpass/users/bob", {{"token_ttl", "10m"}, {"token_max_ttl", "20m"}}).status, 204);
  Reply renewed = Post("auth/token/renew-self", json::object(), token);
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_EQ(renewed.body["auth"]["lease_duration"], 600);
  Advance(500);
  renewed = Post("auth/token/renew-self", json::object(), token);
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_EQ(renewed.body["auth"]["lease_duration"], 600);
  Advance(500);
  renewed = Post("auth/token/renew-self", json::object(), token);
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_EQ(renewed.body["auth"]["lease_duration"], 200) << "capped by the user's new max TTL";
  ASSERT_EQ(renewed.body["warnings"].size(), 1u);
}

// Issue #7: token_type batch / default-batch on a user gives batch login tokens.
TEST_F(Userpass, BatchTokenTypeGivesBatchLoginTokens) {
  ASSERT_EQ(Post("auth/userpass/users/bob", {{"password", "pw"}, {"token_type", "batch"}, {"token_policies", "dev"}})
                .status,
            204);
  Reply login = Login("bob", "pw");
  ASSERT_EQ(login.status, 200) << login.body.dump();
  const json& auth = login.body["auth"];
  EXPECT_TRUE(auth["client_token"].get<std::string>().starts_with("hvb."));
  EXPECT_EQ(auth["token_type"], "batch");
  EXPECT_EQ(auth["accessor"], "");
  EXPECT_EQ(auth["renewable"], false);
  EXPECT_EQ(auth["orphan"], true);
  Reply lookup = Post("auth/token/lookup", {{"token", auth["client_token"]}});
  ASSERT_EQ(lookup.status, 200) << lookup.body.dump();
  EXPECT_EQ(lookup.body["data"]["type"], "batch");
  EXPECT_EQ(lookup.body["data"]["path"], "auth/userpass/login/bob");
  EXPECT_EQ(lookup.body["data"]["entity_id"], auth["entity_id"]);
  EXPECT_EQ(Send("PUT", "secret/data/dev/x", {{"data", {{"k", "v"}}}}, auth["client_token"]).status, 200);
  EXPECT_EQ(Post("auth/token/renew-self", json::object(), auth["client_token"]).Error(),
            "batch tokens cannot be renewed");

  ASSERT_EQ(Post("auth/userpass/users/ann", {{"password", "pw"}, {"token_type", "default-batch"}}).status, 204);
  EXPECT_EQ(Login("ann", "pw").body["auth"]["token_type"], "batch");
  EXPECT_EQ(Post("auth/userpass/users/bob", {{"token_num_uses", 2}}).Error(),
            "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count");
  EXPECT_EQ(Post("auth/userpass/users/bob", {{"token_period", "1h"}}).Error(),
            "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
}

// Issue #7: the auth mount's token_type (sys/auth/:path/tune, Vault's router rules).
TEST_F(Userpass, MountTokenTypeForcesOrDefaultsTheLoginTokenType) {
  ASSERT_EQ(Post("auth/userpass/users/plain", {{"password", "pw"}}).status, 204);
  ASSERT_EQ(Post("auth/userpass/users/svc", {{"password", "pw"}, {"token_type", "service"}}).status, 204);
  auto type_of = [&](const std::string& user) { return Login(user, "pw").body["auth"]["token_type"]; };
  EXPECT_EQ(type_of("plain"), "service");

  ASSERT_EQ(Post("sys/auth/userpass/tune", {{"token_type", "default-batch"}}).status, 204);
  EXPECT_EQ(Get("sys/auth/userpass/tune").body["data"]["token_type"], "default-batch");
  EXPECT_EQ(Get("sys/auth").body["userpass/"]["config"]["token_type"], "default-batch");
  EXPECT_EQ(type_of("plain"), "batch") << "the user's default follows the mount's";
  EXPECT_EQ(type_of("svc"), "service") << "the user asks for service";

  ASSERT_EQ(Post("sys/auth/userpass/tune", {{"token_type", "batch"}}).status, 204);
  EXPECT_EQ(type_of("svc"), "batch") << "a forced mount type wins";
  ASSERT_EQ(Post("sys/auth/userpass/tune", {{"token_type", "default-service"}}).status, 204);
  EXPECT_EQ(type_of("plain"), "service");

  EXPECT_EQ(Post("sys/auth/userpass/tune", {{"token_type", "bulk"}}).Error(), "invalid value for 'token_type'");
  EXPECT_EQ(Post("sys/auth/token/tune", {{"token_type", "batch"}}).Error(),
            "'token_type' cannot be set for 'token' auth mount");
  EXPECT_EQ(Post("sys/mounts/secret/tune", {{"token_type", "batch"}}).Error(),
            "'token_type' can only be modified on auth mounts");
  ASSERT_EQ(Post("sys/auth/up2", {{"type", "userpass"}, {"config", {{"token_type", "batch"}}}}).status, 204);
  ASSERT_EQ(Post("auth/up2/users/plain", {{"password", "pw"}}).status, 204);
  EXPECT_EQ(Login("plain", "pw", "up2").body["auth"]["token_type"], "batch");
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
  EXPECT_EQ(Post("auth/userpass/users/ghost/password", {{"password", "x"}}).Error(),
            "username does not exist");
  ASSERT_EQ(Post("auth/userpass/users/erin",
                 {{"password", "p"}, {"token_no_default_policy", true}, {"token_policies", "dev"}})
                .status,
            204);
  EXPECT_EQ(Login("erin", "p").body["auth"]["policies"], json({"dev"}));
  ASSERT_EQ(Post("auth/userpass/users/root-wannabe", {{"password", "p"}, {"token_policies", "root"}}).status,
            204);
  EXPECT_EQ(Login("root-wannabe", "p").Error(), "auth methods cannot create root tokens");
  EXPECT_EQ(Post("auth/userpass/users/x", {{"password", "p"}, {"token_ttl", "2h"}, {"token_max_ttl", "1h"}})
                .Error(),
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
  ASSERT_EQ(Post("sys/mounts/other", {{"type", "kv"}}).status, 204);  // reloads the mount table
  EXPECT_EQ(Login("frank", "right").status, 403) << "still locked after a mount-table reload";
  Advance(15 * 60);
  EXPECT_EQ(Login("frank", "right").status, 200) << "the lockout lasts 15 minutes";
}

TEST_F(Userpass, RenewRevalidatesTheUser) {
  ASSERT_EQ(Post("auth/userpass/users/lee", {{"password", "p"}, {"token_policies", "dev"}}).status, 204);
  const std::string token = Login("lee", "p").body["auth"]["client_token"];
  ASSERT_EQ(Post("auth/token/renew-self", json::object(), token).status, 200);
  ASSERT_EQ(Post("auth/userpass/users/lee/policies", {{"token_policies", "dev,extra"}}).status, 204);
  EXPECT_EQ(Post("auth/token/renew-self", json::object(), token).Error(),
            "policies have changed, not renewing");
  ASSERT_EQ(Delete("auth/userpass/users/lee").status, 204);
  EXPECT_EQ(Post("auth/token/renew", {{"token", token}}).status, 204) << "user gone: nothing renewed";
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
  ASSERT_EQ(Post("sys/auth/short",
                 {{"type", "userpass"}, {"config", {{"default_lease_ttl", "5m"}, {"max_lease_ttl", "10m"}}}})
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

TEST_F(Userpass, TokensUsersAndEntitiesSurviveARestart) {
  ASSERT_EQ(Post("auth/userpass/users/max", {{"password", "pw"}, {"token_policies", "dev"}}).status, 204);
  json first = Login("max", "pw").body["auth"];
  Restart();
  Reply self = Get("auth/token/lookup-self", first["client_token"]);
  ASSERT_EQ(self.status, 200) << "the token hash salt is persisted: " << self.body.dump();
  EXPECT_EQ(self.body["data"]["policies"], json({"default", "dev"}));
  json again = Login("max", "pw").body["auth"];
  EXPECT_EQ(again["entity_id"], first["entity_id"]) << "the alias maps to the same entity after a restart";
}

TEST_F(Userpass, AuthMountTuneChangesLoginTtl) {
  ASSERT_EQ(Post("auth/userpass/users/nat", {{"password", "pw"}}).status, 204);
  ASSERT_EQ(Post("sys/auth/userpass/tune", {{"default_lease_ttl", "30m"}}).status, 204);
  EXPECT_EQ(Get("sys/auth/userpass/tune").body["data"]["default_lease_ttl"], 1800);
  EXPECT_EQ(Login("nat", "pw").body["auth"]["lease_duration"], 1800);
}

TEST_F(Userpass, TokenBoundCidrs) {
  ASSERT_EQ(Post("auth/userpass/users/jo", {{"password", "p"}, {"token_bound_cidrs", "10.0.0.0/8"}}).status,
            204);
  EXPECT_EQ(Login("jo", "p").status, 403) << "login from 127.0.0.1";
  HttpResponse inside = core_->Handle({.method = "POST",
                                       .target = "/v1/auth/userpass/login/jo",
                                       .body = R"({"password":"p"})",
                                       .remote_address = "10.1.2.3"});
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
  std::string RoleId(const std::string& role) {
    return Get("auth/approle/role/" + role + "/role-id").body["data"]["role_id"];
  }
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
  ASSERT_EQ(
      Post("auth/approle/role/Web",
           {{"policies", "web,db"}, {"token_ttl", "20m"}, {"secret_id_ttl", "1h"}, {"secret_id_num_uses", 5}})
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
  EXPECT_EQ(Get("auth/token/lookup-self", login.body["auth"]["client_token"]).body["data"]["display_name"],
            "approle");
  Reply lookup = Post("auth/approle/role/web/secret-id/lookup", {{"secret_id", secret["secret_id"]}});
  ASSERT_EQ(lookup.status, 200) << lookup.body.dump();
  EXPECT_EQ(lookup.body["data"]["secret_id_num_uses"], 4) << "one use consumed";
  EXPECT_EQ(lookup.body["data"]["metadata"], json({{"env", "ci"}}));
  EXPECT_EQ(lookup.body["data"]["secret_id_accessor"], secret["secret_id_accessor"]);
  EXPECT_EQ(List("auth/approle/role/web/secret-id").body["data"]["keys"],
            json({secret["secret_id_accessor"]}));
  const std::string stored = AllStoredBytes();
  EXPECT_EQ(stored.find(secret["secret_id"].get<std::string>()), std::string::npos);
  ASSERT_EQ(Delete("auth/approle/role/web").status, 204);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", secret["secret_id"]}}).Error(),
            "invalid role or secret ID");
}

TEST_F(Approle, SecretIdUsesTtlAndDestroy) {
  ASSERT_EQ(Post("auth/approle/role/r", {{"token_policies", "p"}}).status, 204);
  const std::string role_id = RoleId("r");
  json once = SecretId("r", {{"num_uses", 1}});
  ASSERT_EQ(Login({{"role_id", role_id}, {"secret_id", once["secret_id"]}}).status, 200);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", once["secret_id"]}}).Error(),
            "invalid role or secret ID");
  json brief = SecretId("r", {{"ttl", "60s"}});
  Advance(61);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", brief["secret_id"]}}).Error(),
            "invalid role or secret ID");
  json destroyed = SecretId("r");
  ASSERT_EQ(Post("auth/approle/role/r/secret-id/destroy", {{"secret_id", destroyed["secret_id"]}}).status,
            204);
  EXPECT_EQ(Login({{"role_id", role_id}, {"secret_id", destroyed["secret_id"]}}).status, 400);
  EXPECT_EQ(Post("auth/approle/role/r/secret-id/lookup", {{"secret_id", destroyed["secret_id"]}}).status,
            204);
  json by_accessor = SecretId("r");
  Reply acc = Post("auth/approle/role/r/secret-id-accessor/lookup",
                   {{"secret_id_accessor", by_accessor["secret_id_accessor"]}});
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
  ASSERT_EQ(
      Post("auth/approle/role/c", {{"role_id", "my-role-id"}, {"secret_id_bound_cidrs", {"10.0.0.0/8"}}})
          .status,
      204);
  EXPECT_EQ(RoleId("c"), "my-role-id");
  ASSERT_EQ(Post("auth/approle/role/c/custom-secret-id", {{"secret_id", "my-secret"}}).status, 200);
  EXPECT_EQ(Login({{"role_id", "my-role-id"}, {"secret_id", "my-secret"}}).status, 400) << "from 127.0.0.1";
  EXPECT_EQ(Login({{"role_id", "my-role-id"}, {"secret_id", "my-secret"}}, "10.9.9.9").status, 200);
  ASSERT_EQ(Post("auth/approle/role/c/role-id", {{"role_id", "renamed"}}).status, 204);
  EXPECT_EQ(Login({{"role_id", "my-role-id"}, {"secret_id", "my-secret"}}, "10.9.9.9").status, 400);
  EXPECT_EQ(Login({{"role_id", "renamed"}, {"secret_id", "my-secret"}}, "10.9.9.9").status, 200);
}

TEST_F(Approle, RenewNeedsTheRoleToStillExist) {
  ASSERT_EQ(Post("auth/approle/role/gone", {{"token_policies", "p"}}).status, 204);
  Reply login = Login({{"role_id", RoleId("gone")}, {"secret_id", SecretId("gone")["secret_id"]}});
  const std::string token = login.body["auth"]["client_token"];
  ASSERT_EQ(Post("auth/token/renew-self", json::object(), token).status, 200);
  ASSERT_EQ(Delete("auth/approle/role/gone").status, 204);
  EXPECT_EQ(Post("auth/token/renew", {{"token", token}}).Error(), "role gone does not exist during renewal");
}

TEST_F(Approle, WithoutSecretIdNeedsACidrBound) {
  EXPECT_EQ(Post("auth/approle/role/open", {{"bind_secret_id", false}}).Error(),
            "at least one constraint should be enabled on the role");
  ASSERT_EQ(Post("auth/approle/role/open", {{"bind_secret_id", false}, {"token_bound_cidrs", "127.0.0.1/32"}})
                .status,
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
  EXPECT_EQ(Post("auth/approle/role/ghost/secret-id", json::object()).Error(),
            "role \"ghost\" does not exist");
}

}  // namespace
}  // namespace polcheck::runtime::testing

// ---- JWT / OIDC and Kubernetes ----

namespace polcheck::runtime::testing {
namespace {

const std::int64_t kNow = 1'700'000'000;

class Jwt : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/auth/jwt", {{"type", "jwt"}}).status, 204);
    ASSERT_EQ(Post("auth/jwt/config", {{"jwt_validation_pubkeys", {rsa_.PublicPem(), ec_.PublicPem()}},
                                       {"bound_issuer", "https://issuer.example"}})
                  .status,
              204);
    PutPolicy("ci", R"(path "secret/data/ci/*" { capabilities = ["read"] })");
    ASSERT_EQ(
        Post("auth/jwt/role/ci", {{"role_type", "jwt"},
                                  {"user_claim", "sub"},
                                  {"bound_audiences", {"vault"}},
                                  {"bound_claims", {{"repo", {"org/app", "org/lib"}}, {"/ctx/env", "prod"}}},
                                  {"claim_mappings", {{"email", "email"}}},
                                  {"groups_claim", "groups"},
                                  {"token_policies", "ci"}})
            .status,
        204);
  }
  nlohmann::json Claims() const {
    return {{"iss", "https://issuer.example"},
            {"sub", "builder"},
            {"aud", "vault"},
            {"repo", "org/app"},
            {"ctx", {{"env", "prod"}}},
            {"email", "b@example.com"},
            {"groups", {"devs"}},
            {"exp", kNow + 300},
            {"iat", kNow}};
  }
  Reply Login(const std::string& jwt, const std::string& role = "ci") {
    return Send("POST", "auth/jwt/login", {{"role", role}, {"jwt", jwt}}, "");
  }
  TestKey rsa_{false};
  TestKey ec_{true};
};

TEST_F(Jwt, Rs256AndEs256LoginsGiveTheRolesToken) {
  for (const TestKey* key : {&rsa_, &ec_}) {
    Reply r = Login(key->Sign(Claims()));
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["auth"]["policies"], nlohmann::json({"ci", "default"}));
    EXPECT_EQ(r.body["auth"]["metadata"], nlohmann::json({{"email", "b@example.com"}, {"role", "ci"}}));
    Reply self = Get("auth/token/lookup-self", r.body["auth"]["client_token"]);
    EXPECT_EQ(self.body["data"]["display_name"], "jwt-builder");
    EXPECT_EQ(self.body["data"]["path"], "auth/jwt/login");
  }
  Reply role = Get("auth/jwt/role/ci");
  ASSERT_EQ(role.status, 200);
  EXPECT_EQ(role.body["data"]["bound_audiences"], nlohmann::json({"vault"}));
  EXPECT_EQ(role.body["data"]["token_policies"], nlohmann::json({"ci"}));
  EXPECT_EQ(Get("auth/jwt/config").body["data"]["bound_issuer"], "https://issuer.example");
}

// Vault's claims.go / createIdentity: bound claims compare as typed values, mapped
// claims and group names must be strings.
TEST_F(Jwt, BoundClaimsAreTypedAndMappedClaimsAndGroupsAreStrings) {
  ASSERT_EQ(Post("auth/jwt/role/typed", {{"role_type", "jwt"}, {"user_claim", "sub"}, {"bound_audiences", {"vault"}},
                                         {"bound_claims", {{"verified", true}, {"level", 2}}}, {"token_policies", "ci"}})
                .status,
            204);
  ASSERT_EQ(Post("auth/jwt/role/text", {{"role_type", "jwt"}, {"user_claim", "sub"}, {"bound_audiences", {"vault"}},
                                        {"bound_claims", {{"verified", "true"}}}, {"token_policies", "ci"}})
                .status,
            204);
  nlohmann::json c = Claims();
  c["verified"] = true;
  c["level"] = 2.0;
  EXPECT_EQ(Login(rsa_.Sign(c), "typed").status, 200) << "2.0 arrives as the json.Number 2";
  EXPECT_EQ(Login(rsa_.Sign(c), "text").Error(),
            "error validating claims: claim \"verified\" does not match any associated bound claim values");
  c["verified"] = "true";
  EXPECT_EQ(Login(rsa_.Sign(c), "text").status, 200);
  EXPECT_EQ(Login(rsa_.Sign(c), "typed").Error(),
            "error validating claims: claim \"verified\" does not match any associated bound claim values");
  nlohmann::json numeric_email = Claims();  // role ci maps email -> email
  numeric_email["email"] = 42;
  EXPECT_EQ(Login(rsa_.Sign(numeric_email)).Error(), "error converting claim 'email' to string");
  nlohmann::json odd_groups = Claims();
  odd_groups["groups"] = {"devs", 5};
  EXPECT_EQ(Login(rsa_.Sign(odd_groups)).Error(), "value 5 in groups claim could not be parsed as string");
}

// user_claim is a JSON pointer only with user_claim_json_pointer; otherwise "/ctx/user"
// names a top-level claim (Vault's createIdentity).
TEST_F(Jwt, UserClaimIsAPointerOnlyWhenTheRoleSaysSo) {
  nlohmann::json claims = Claims();
  claims["ctx"]["user"] = "carol";
  for (const bool pointer : {false, true}) {
    const std::string role = pointer ? "ptr" : "literal";
    ASSERT_EQ(Post("auth/jwt/role/" + role, {{"role_type", "jwt"},
                                             {"user_claim", "/ctx/user"},
                                             {"user_claim_json_pointer", pointer},
                                             {"bound_audiences", {"vault"}},
                                             {"token_policies", "ci"}})
                  .status,
              204);
  }
  EXPECT_EQ(Login(rsa_.Sign(claims), "literal").Error(), "claim \"/ctx/user\" not found in token");
  Reply in = Login(rsa_.Sign(claims), "ptr");
  ASSERT_EQ(in.status, 200) << in.body.dump();
  Reply self = Get("auth/token/lookup-self", in.body["auth"]["client_token"]);
  EXPECT_EQ(self.body["data"]["display_name"], "jwt-carol") << self.body.dump();
}

TEST_F(Jwt, RejectsBadSignaturesAndClaims) {
  TestKey stranger(false);
  EXPECT_EQ(
      Login(stranger.Sign(Claims())).Error(),
      "error validating token: error verifying token signature: no known key successfully validated the "
      "token signature");
  const std::string good = rsa_.Sign(Claims());
  std::string tampered = good;
  tampered[tampered.find('.') + 5] ^= 1;
  EXPECT_EQ(Login(tampered).status, 400);
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json c = Claims();
    c[key] = std::move(value);
    return Login(rsa_.Sign(c)).Error();
  };
  EXPECT_EQ(with("aud", "other"),
            "error validating token: invalid audience (aud) claim: audience claim does not match any "
            "expected audience");
  EXPECT_EQ(with("iss", "https://evil"), "error validating token: invalid issuer (iss) claim");
  EXPECT_EQ(with("repo", "org/other"),
            "error validating claims: claim \"repo\" does not match any associated bound claim values");
  EXPECT_EQ(with("ctx", {{"env", "dev"}}),
            "error validating claims: claim \"/ctx/env\" does not match any associated bound claim values");
  EXPECT_EQ(with("exp", kNow - 211), "error validating token: token is expired (exp)")
      << "60 s skew + 150 s leeway";
  EXPECT_EQ(Login(rsa_.Sign([&] {
              auto c = Claims();
              c["exp"] = kNow - 209;
              return c;
            }()))
                .status,
            200);
  EXPECT_EQ(with("nbf", kNow + 211), "error validating token: token not yet valid (nbf)");
  nlohmann::json no_sub = Claims();
  no_sub.erase("sub");
  EXPECT_EQ(Login(rsa_.Sign(no_sub)).Error(), "claim \"sub\" not found in token");
  // The alias name must be a string claim (Vault's createIdentity); found by the
  // simulate-vs-server login differential (login_consistency_test.cc).
  nlohmann::json numeric_sub = Claims();
  numeric_sub["sub"] = 7;
  EXPECT_EQ(Login(rsa_.Sign(numeric_sub)).Error(), "claim \"sub\" could not be converted to string");
  EXPECT_EQ(Login(good, "nope").Error(), "role \"nope\" could not be found");
  EXPECT_EQ(Send("POST", "auth/jwt/login", {{"role", "ci"}}, "").Error(), "missing token");
  EXPECT_EQ(Send("POST", "auth/jwt/login", {{"jwt", good}}, "").Error(), "missing role");
  EXPECT_EQ(Login("not-a-jwt").status, 400);
}

TEST_F(Jwt, GlobClaimsAudienceRulesAndRoleValidation) {
  ASSERT_EQ(Post("auth/jwt/role/glob", {{"role_type", "jwt"},
                                        {"user_claim", "sub"},
                                        {"bound_audiences", "vault"},
                                        {"bound_claims_type", "glob"},
                                        {"bound_claims", {{"repo", "org/*"}}}})
                .status,
            204);
  nlohmann::json c = Claims();
  c["repo"] = "org/anything";
  EXPECT_EQ(Login(rsa_.Sign(c), "glob").status, 200);
  c["repo"] = "other/x";
  EXPECT_EQ(Login(rsa_.Sign(c), "glob").status, 400);
  ASSERT_EQ(
      Post("auth/jwt/role/noaud", {{"role_type", "jwt"}, {"user_claim", "sub"}, {"bound_subject", "builder"}})
          .status,
      204);
  EXPECT_EQ(Login(rsa_.Sign(Claims()), "noaud").Error(),
            "audience claim found in JWT but no audiences bound to the role");
  EXPECT_EQ(Post("auth/jwt/role/x", {{"role_type", "jwt"}, {"user_claim", "sub"}}).Error(),
            "must have at least one bound constraint when creating/updating a role");
  EXPECT_EQ(Post("auth/jwt/role/x", {{"user_claim", "sub"}, {"bound_subject", "s"}}).Error(),
            "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  EXPECT_EQ(Post("auth/jwt/role/x", {{"role_type", "jwt"}, {"bound_subject", "s"}}).Error(),
            "a user claim must be defined on the role");
  ASSERT_EQ(
      Post("auth/jwt/role/web", {{"user_claim", "sub"}, {"allowed_redirect_uris", "http://localhost/cb"}})
          .status,
      204);
  EXPECT_EQ(Login(rsa_.Sign(Claims()), "web").Error(), "role with oidc role_type is not allowed");
  EXPECT_EQ(Post("auth/jwt/config", {{"jwt_validation_pubkeys", {"garbage"}}}).Error(),
            "error parsing public key");
  EXPECT_EQ(
      Post("auth/jwt/config", {{"jwks_url", "https://x"}, {"jwt_validation_pubkeys", {rsa_.PublicPem()}}})
          .Error(),
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be "
      "set");
}

TEST_F(Jwt, GroupsClaimBindsExternalGroups) {
  PutPolicy("devs", R"(path "secret/data/devs/*" { capabilities = ["read"] })");
  const std::string accessor = Get("sys/auth").body["jwt/"]["accessor"];
  Reply group = Post("identity/group", {{"name", "devs"}, {"type", "external"}, {"policies", {"devs"}}});
  ASSERT_EQ(Post("identity/group-alias",
                 {{"name", "devs"}, {"mount_accessor", accessor}, {"canonical_id", group.body["data"]["id"]}})
                .status,
            200);
  Reply in = Login(rsa_.Sign(Claims()));
  ASSERT_EQ(in.status, 200) << in.body.dump();
  EXPECT_EQ(in.body["auth"]["identity_policies"], nlohmann::json({"devs"}));
  nlohmann::json c = Claims();
  c["groups"] = nlohmann::json::array();
  Reply out = Login(rsa_.Sign(c));
  EXPECT_FALSE(out.body["auth"].contains("identity_policies"))
      << "left the group: membership follows the claim";
}

class Kubernetes : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/auth/kubernetes", {{"type", "kubernetes"}}).status, 204);
    ASSERT_EQ(Post("auth/kubernetes/config", {{"kubernetes_host", api_.Host()},
                                              {"pem_keys", {key_.PublicPem()}},
                                              {"token_reviewer_jwt", "reviewer-token"}})
                  .status,
              204);
    ASSERT_EQ(Post("auth/kubernetes/role/app", {{"bound_service_account_names", "app-*"},
                                                {"bound_service_account_namespaces", {"prod", "stage"}},
                                                {"token_policies", "k8s"}})
                  .status,
              204);
  }
  std::string SaJwt(const std::string& ns, const std::string& name, const TestKey* key = nullptr) const {
    return (key ? key : &key_)
        ->Sign({{"iss", "https://kubernetes.default.svc"},
                {"sub", "system:serviceaccount:" + ns + ":" + name},
                {"kubernetes.io",
                 {{"namespace", ns}, {"serviceaccount", {{"name", name}, {"uid", "uid-" + name}}}}}});
  }
  Reply Login(const std::string& jwt, const std::string& role = "app") {
    return Send("POST", "auth/kubernetes/login", {{"role", role}, {"jwt", jwt}}, "");
  }
  TestKey key_{false};
  FakeApiServer api_{[this](const nlohmann::json& review) {
    std::string error;
    // The stand-in trusts what it is told unless a test says otherwise.
    const std::string token = review["spec"]["token"];
    const nlohmann::json claims = nlohmann::json::parse(*crypto::FromBase64([&] {
      std::string p = token.substr(token.find('.') + 1);
      p = p.substr(0, p.find('.'));
      for (char& c : p) {
        c = c == '-' ? '+' : c == '_' ? '/' : c;
      }
      while (p.size() % 4 != 0) {
        p.push_back('=');
      }
      return p;
    }()));
    const nlohmann::json& k = claims["kubernetes.io"];
    return nlohmann::json{{"kind", "TokenReview"},
                          {"status",
                           {{"authenticated", authenticated_.load()},
                            {"user",
                             {{"username", "system:serviceaccount:" + k["namespace"].get<std::string>() +
                                               ":" + k["serviceaccount"]["name"].get<std::string>()},
                              {"uid", uid_mismatch_ ? std::string("someone-else")
                                                    : k["serviceaccount"]["uid"].get<std::string>()}}}}}};
  }};
  std::atomic<bool> authenticated_{true};  // read on the stand-in's thread
  std::atomic<bool> uid_mismatch_{false};
};

TEST_F(Kubernetes, LoginChecksSignatureBindingsAndTokenReview) {
  Reply r = Login(SaJwt("prod", "app-web"));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["auth"]["policies"], nlohmann::json({"default", "k8s"}));
  EXPECT_EQ(r.body["auth"]["metadata"], nlohmann::json({{"role", "app"},
                                                        {"service_account_name", "app-web"},
                                                        {"service_account_namespace", "prod"},
                                                        {"service_account_uid", "uid-app-web"},
                                                        {"service_account_secret_name", ""}}));
  EXPECT_EQ(api_.Calls(), 1);
  EXPECT_EQ(api_.LastBearer(), "Bearer reviewer-token");
  EXPECT_EQ(Get("auth/token/lookup-self", r.body["auth"]["client_token"]).body["data"]["display_name"],
            "kubernetes-prod-app-web");
  const std::string entity = r.body["auth"]["entity_id"];
  EXPECT_EQ(Get("identity/entity/id/" + entity).body["data"]["aliases"][0]["name"], "uid-app-web")
      << "alias_name_source defaults to the service account UID";

  EXPECT_EQ(Login(SaJwt("prod", "db")).Error(), "service account name not authorized");
  EXPECT_EQ(Login(SaJwt("dev", "app-web")).Error(), "namespace not authorized");
  TestKey stranger(true);
  EXPECT_EQ(Login(SaJwt("prod", "app-web", &stranger)).Error(), "permission denied");
  EXPECT_EQ(Login(SaJwt("prod", "app-web"), "nope").Error(), "invalid role name \"nope\"");
  authenticated_ = false;
  EXPECT_EQ(Login(SaJwt("prod", "app-web")).Error(), "permission denied") << "the API server said no";
  authenticated_ = true;
  uid_mismatch_ = true;
  EXPECT_EQ(Login(SaJwt("prod", "app-web")).Error(), "JWT UIDs did not match");
}

TEST_F(Kubernetes, RoleAndConfigApi) {
  Reply role = Get("auth/kubernetes/role/app");
  ASSERT_EQ(role.status, 200);
  EXPECT_EQ(role.body["data"]["bound_service_account_names"], nlohmann::json({"app-*"}));
  EXPECT_EQ(role.body["data"]["alias_name_source"], "serviceaccount_uid");
  EXPECT_EQ(role.body["data"]["token_policies"], nlohmann::json({"k8s"}));
  Reply config = Get("auth/kubernetes/config");
  EXPECT_FALSE(config.body["data"].contains("token_reviewer_jwt"));
  EXPECT_EQ(config.body["data"]["kubernetes_host"], api_.Host());
  EXPECT_EQ(Post("auth/kubernetes/role/bad",
                 {{"bound_service_account_names", {"*", "x"}}, {"bound_service_account_namespaces", "*"}})
                .Error(),
            "can not mix \"*\" with values");
  EXPECT_EQ(Post("auth/kubernetes/role/bad", {{"bound_service_account_namespaces", "*"}}).Error(),
            "\"bound_service_account_names\" can not be empty");
  ASSERT_EQ(Post("auth/kubernetes/role/any", {{"bound_service_account_names", "*"},
                                              {"bound_service_account_namespaces", "*"},
                                              {"alias_name_source", "serviceaccount_name"}})
                .status,
            204);
  Reply any = Login(SaJwt("kube-system", "whatever"), "any");
  ASSERT_EQ(any.status, 200) << any.body.dump();
  EXPECT_EQ(Get("identity/entity/id/" + any.body["auth"]["entity_id"].get<std::string>())
                .body["data"]["aliases"][0]["name"],
            "kube-system/whatever");
  EXPECT_EQ(List("auth/kubernetes/role").body["data"]["keys"], nlohmann::json({"any", "app"}));
  EXPECT_EQ(Post("auth/kubernetes/config", nlohmann::json::object()).Error(), "no host provided");
}

}  // namespace
}  // namespace polcheck::runtime::testing
