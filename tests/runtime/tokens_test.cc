// The token store (RUNTIME-API.md §3) through Core::Handle.
#include <set>
#include <thread>

#include "runtime/tokens.h"
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;

class Tokens : public CoreTest {
 protected:
  json Create(const json& body, const std::string& token = "root",
              const std::string& path = "auth/token/create") {
    Reply r = Post(path, body, token);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["auth"];
  }
  bool Alive(const std::string& token) { return Post("auth/token/lookup", {{"token", token}}).status == 200; }
};

TEST_F(Tokens, CreateAuthBlockShape) {
  PutPolicy("web", R"(path "secret/*" { capabilities = ["read"] })");
  Reply r = Post("auth/token/create", {{"policies", "web,Web"},
                                       {"meta", {{"app", "x"}}},
                                       {"ttl", "1h"},
                                       {"display_name", "ci"},
                                       {"num_uses", 3}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const json& auth = r.body["auth"];
  EXPECT_EQ(r.body["data"], nullptr);
  EXPECT_TRUE(auth["client_token"].get<std::string>().starts_with("hvs."));
  EXPECT_EQ(auth["accessor"].get<std::string>().size(), 24u);
  EXPECT_EQ(auth["policies"], json({"default", "web"}));
  EXPECT_EQ(auth["token_policies"], json({"default", "web"}));
  EXPECT_FALSE(auth.contains("identity_policies"));
  EXPECT_EQ(auth["metadata"], json({{"app", "x"}}));
  EXPECT_EQ(auth["lease_duration"], 3600);
  EXPECT_EQ(auth["renewable"], true);
  EXPECT_EQ(auth["orphan"], false);
  EXPECT_EQ(auth["num_uses"], 3);
  EXPECT_EQ(auth["entity_id"], "");
  EXPECT_EQ(auth["mfa_requirement"], nullptr);
  Reply lookup = Post("auth/token/lookup", {{"token", auth["client_token"]}});
  ASSERT_EQ(lookup.status, 200);
  EXPECT_EQ(lookup.body["data"]["display_name"], "token-ci");
  EXPECT_EQ(lookup.body["data"]["path"], "auth/token/create");
  EXPECT_EQ(lookup.body["data"]["ttl"], 3600);
  EXPECT_EQ(lookup.body["data"]["expire_time"], "2023-11-14T23:13:20Z");
  EXPECT_EQ(lookup.body["data"]["issue_time"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(AllStoredBytes().find(auth["client_token"].get<std::string>()), std::string::npos);
}

TEST_F(Tokens, PolicySubsetRuleForNonRootParents) {
  PutPolicy("a", R"(path "auth/token/create" { capabilities = ["update"] })");
  PutPolicy("b", R"(path "x/*" { capabilities = ["read"] })");
  const std::string parent = TokenWith({"a", "default"});
  EXPECT_EQ(Send("POST", "auth/token/create", {{"policies", {"b"}}}, parent).Error(),
            "child policies must be subset of parent");
  EXPECT_EQ(Create({{"policies", {"a"}}}, parent)["policies"], json({"a", "default"}));
  EXPECT_EQ(Create({{"policies", {"a"}}, {"no_default_policy", true}}, parent)["policies"], json({"a"}));
  EXPECT_EQ(Create(json::object(), parent)["policies"], json({"a", "default"})) << "inherits the parent's";
  EXPECT_EQ(Send("POST", "auth/token/create", {{"policies", {"root"}}}, parent).Error(),
            "root tokens may not be created without parent token being root");
  EXPECT_EQ(Send("POST", "auth/token/create", {{"no_parent", true}}, parent).Error(),
            "root or sudo privileges required to create orphan token");
  EXPECT_EQ(Send("POST", "auth/token/create", {{"period", "1h"}}, parent).Error(),
            "root or sudo privileges required to create periodic token");
  EXPECT_EQ(Send("POST", "auth/token/create", {{"id", "custom"}}, parent).Error(),
            "root or sudo privileges required to specify token id");
  EXPECT_EQ(Create({{"policies", {"b", "ROOT"}}})["policies"], json({"root"})) << "root collapses the set";
  EXPECT_EQ(Post("auth/token/create", {{"policies", {"response-wrapping"}}}).Error(),
            "cannot assign policy \"response-wrapping\"");
  Reply warned = Post("auth/token/create", {{"policies", {"ghost"}}});
  EXPECT_EQ(warned.body["warnings"], json({"Policy \"ghost\" does not exist"}));
}

TEST_F(Tokens, OrphansAndCustomIds) {
  PutPolicy("creator", R"(path "auth/token/create-orphan" { capabilities = ["update"] })");
  const std::string parent = TokenWith({"creator"});
  json orphan = Create({{"policies", {"creator"}}}, parent, "auth/token/create-orphan");
  EXPECT_EQ(orphan["orphan"], true);
  EXPECT_EQ(Post("auth/token/lookup", {{"token", orphan["client_token"]}}).body["data"]["path"],
            "auth/token/create-orphan");
  json custom = Create({{"id", "my-token"}, {"no_parent", true}});
  EXPECT_EQ(custom["client_token"], "my-token");
  EXPECT_EQ(custom["orphan"], true);
  EXPECT_EQ(Post("auth/token/create", {{"id", "my-token"}}).Error(),
            "cannot create a token with a duplicate ID");
  EXPECT_EQ(Post("auth/token/create", {{"id", "a.b"}}).Error(), "token IDs can not contain a '.'");
  Post("auth/token/revoke", {{"token", parent}});
  EXPECT_TRUE(Alive(orphan["client_token"])) << "an orphan survives its creator";
}

TEST_F(Tokens, NumUsesDecrementAndRevokeAtZero) {
  json limited = Create({{"policies", {"default"}}, {"num_uses", 2}});
  const std::string token = limited["client_token"];
  Reply first = Get("auth/token/lookup-self", token);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["data"]["num_uses"], 1) << "the lookup itself used one";
  EXPECT_EQ(Get("auth/token/lookup-self", token).status, 200);
  EXPECT_EQ(Get("auth/token/lookup-self", token).status, 403) << "revoked after its last use";
  json parent = Create({{"num_uses", 5}, {"policies", {"root"}}});
  EXPECT_EQ(Send("POST", "auth/token/create", json::object(), parent["client_token"]).Error(),
            "restricted use token cannot generate child tokens");
}

TEST_F(Tokens, TtlAndExplicitMaxCapping) {
  EXPECT_EQ(Create({{"policies", {"default"}}})["lease_duration"], 2764800) << "system default 768h";
  Reply capped = Post("auth/token/create", {{"ttl", "2h"}, {"explicit_max_ttl", "1h"}});
  EXPECT_EQ(capped.body["auth"]["lease_duration"], 3600);
  EXPECT_EQ(
      capped.body["warnings"],
      json(
          {"TTL of \"7200s\" exceeded the effective max_ttl of \"3600s\"; TTL value is capped accordingly"}));
  EXPECT_EQ(Create({{"explicit_max_ttl", 600}})["lease_duration"], 600);
  json root = Create({{"policies", {"root"}}});
  EXPECT_EQ(root["lease_duration"], 0);
  EXPECT_EQ(root["renewable"], false);
}

TEST_F(Tokens, RenewRules) {
  json t = Create({{"ttl", "1h"}, {"explicit_max_ttl", "2h"}, {"policies", {"default"}}});
  const std::string token = t["client_token"];
  Advance(1800);
  Reply renewed = Post("auth/token/renew-self", {{"increment", "1h"}}, token);
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_EQ(renewed.body["auth"]["lease_duration"], 3600);
  EXPECT_EQ(renewed.body["auth"]["client_token"], token);
  Advance(3000);  // 4800s after issue; 2400s left before the explicit max
  Reply capped = Post("auth/token/renew", {{"token", token}, {"increment", 7200}});
  EXPECT_EQ(capped.body["auth"]["lease_duration"], 2400);
  EXPECT_EQ(capped.body["warnings"].size(), 1u);
  Reply lookup = Post("auth/token/lookup", {{"token", token}});
  EXPECT_EQ(lookup.body["data"]["ttl"], 2400);
  EXPECT_EQ(lookup.body["data"]["last_renewal_time"], 1'700'004'800);
  Reply by_accessor =
      Post("auth/token/renew-accessor", {{"accessor", t["accessor"]}, {"increment", nullptr}});
  ASSERT_EQ(by_accessor.status, 200) << by_accessor.body.dump();
  EXPECT_EQ(by_accessor.body["auth"]["client_token"], "");
  Advance(2400);
  EXPECT_EQ(Post("auth/token/renew", {{"token", token}}).Error(), "token not found") << "expired at the max";

  json fixed = Create({{"renewable", false}, {"policies", {"default"}}});
  EXPECT_EQ(Post("auth/token/renew", {{"token", fixed["client_token"]}}).Error(), "lease is not renewable");
  EXPECT_EQ(Post("auth/token/renew-self", json::object()).Error(), "invalid lease ID") << "root has no lease";
  EXPECT_EQ(Post("auth/token/renew", {{"token", "nope"}}).Error(), "token not found");
}

TEST_F(Tokens, PeriodicTokensRenewToTheirPeriod) {
  json t = Create({{"period", "1h"}, {"ttl", "5m"}, {"policies", {"default"}}});
  EXPECT_EQ(t["lease_duration"], 3600);
  const std::string token = t["client_token"];
  for (int i = 0; i < 1000; ++i) {  // 3,000,000 s: past the 768h system max
    Advance(3000);
    Reply r = Post("auth/token/renew-self", {{"increment", 60}}, token);
    ASSERT_EQ(r.status, 200) << "renewal " << i << ": " << r.body.dump();
    ASSERT_EQ(r.body["auth"]["lease_duration"], 3600) << "the period, not the increment";
  }
  Advance(3601);
  EXPECT_FALSE(Post("auth/token/lookup", {{"token", token}}).status == 200) << "expires once not renewed";
}

TEST_F(Tokens, PeriodIsReportedByLookup) {
  json t = Create({{"period", "1h"}, {"policies", {"default"}}});
  EXPECT_EQ(Post("auth/token/lookup", {{"token", t["client_token"]}}).body["data"]["period"], 3600);
}

TEST_F(Tokens, RevokeTreesOrphansAndAccessors) {
  json a = Create({{"policies", {"root"}}});
  json b = Create({{"policies", {"root"}}}, a["client_token"]);
  json c = Create({{"policies", {"root"}}}, b["client_token"]);
  json d = Create({{"policies", {"root"}}}, b["client_token"]);
  ASSERT_EQ(Post("auth/token/revoke", {{"token", b["client_token"]}}).status, 204);
  EXPECT_TRUE(Alive(a["client_token"]));
  EXPECT_FALSE(Alive(b["client_token"]));
  EXPECT_FALSE(Alive(c["client_token"])) << "children go with their parent";
  EXPECT_FALSE(Alive(d["client_token"]));

  json e = Create({{"policies", {"root"}}}, a["client_token"]);
  json f = Create({{"policies", {"root"}}}, e["client_token"]);
  ASSERT_EQ(Post("auth/token/revoke-orphan", {{"token", e["client_token"]}}).status, 204);
  EXPECT_FALSE(Alive(e["client_token"]));
  ASSERT_TRUE(Alive(f["client_token"])) << "revoke-orphan keeps the children";
  ASSERT_EQ(Post("auth/token/revoke", {{"token", a["client_token"]}}).status, 204);
  EXPECT_TRUE(Alive(f["client_token"])) << "the child was re-parented to none";

  ASSERT_EQ(Post("auth/token/revoke-accessor", {{"accessor", f["accessor"]}}).status, 204);
  EXPECT_FALSE(Alive(f["client_token"]));
  EXPECT_EQ(Post("auth/token/revoke", {{"token", "unknown"}}).status, 204);
  json self = Create({{"policies", {"default"}}});
  EXPECT_EQ(Post("auth/token/revoke-self", json::object(), self["client_token"]).status, 204);
  EXPECT_FALSE(Alive(self["client_token"]));
}

TEST_F(Tokens, RevokeOrphanNeedsSudo) {
  PutPolicy("revoker", R"(path "auth/token/revoke-orphan" { capabilities = ["update"] })");
  const std::string token = TokenWith({"revoker"});
  json victim = Create({{"policies", {"default"}}});
  EXPECT_EQ(Send("POST", "auth/token/revoke-orphan", {{"token", victim["client_token"]}}, token).Error(),
            kDenied);
  EXPECT_TRUE(Alive(victim["client_token"]));
}

TEST_F(Tokens, LookupVariants) {
  json t = Create({{"policies", {"default"}}, {"ttl", 100}});
  Reply by_accessor = Post("auth/token/lookup-accessor", {{"accessor", t["accessor"]}});
  ASSERT_EQ(by_accessor.status, 200);
  EXPECT_EQ(by_accessor.body["data"]["id"], "");
  EXPECT_EQ(by_accessor.body["data"]["ttl"], 100);
  EXPECT_EQ(Post("auth/token/lookup-accessor", {{"accessor", "nope"}}).Error(), "invalid accessor");
  EXPECT_EQ(Post("auth/token/lookup", json::object()).Error(), "missing token ID");
  EXPECT_EQ(Post("auth/token/lookup", {{"token", "nope"}}).Error(), "bad token");
  EXPECT_EQ(
      Send("GET", "auth/token/lookup?token=" + t["client_token"].get<std::string>()).body["data"]["ttl"],
      100);
  Reply root = Get("auth/token/lookup-self");
  EXPECT_EQ(root.body["data"]["policies"], json({"root"}));
  EXPECT_EQ(root.body["data"]["expire_time"], nullptr);
  EXPECT_EQ(root.body["data"]["ttl"], 0);
  Reply accessors = List("auth/token/accessors");
  ASSERT_EQ(accessors.status, 200);
  EXPECT_EQ(accessors.body["data"]["keys"].size(), 2u);
}

TEST_F(Tokens, RolesCrudAndCreateThroughRole) {
  ASSERT_EQ(List("auth/token/roles").status, 404);
  ASSERT_EQ(Post("auth/token/roles/Ops", {{"allowed_policies", "web,db"},
                                          {"disallowed_policies", {"admin"}},
                                          {"orphan", true},
                                          {"token_period", "2h"},
                                          {"path_suffix", "v1"}})
                .status,
            204);
  Reply read = Get("auth/token/roles/ops");
  ASSERT_EQ(read.status, 200) << read.body.dump();
  EXPECT_EQ(read.body["data"]["name"], "ops");
  EXPECT_EQ(read.body["data"]["allowed_policies"], json({"db", "web"}));
  EXPECT_EQ(read.body["data"]["token_period"], 7200);
  EXPECT_EQ(read.body["data"]["token_type"], "default-service");
  EXPECT_EQ(read.body["data"]["renewable"], true);
  EXPECT_EQ(Send("GET", "auth/token/roles?list=true").body["data"]["keys"], json({"ops"}));

  PutPolicy("creator", R"(path "auth/token/create/ops" { capabilities = ["update"] })");
  const std::string creator = TokenWith({"creator"});  // not sudo, has none of the role's policies
  json t = Create({{"policies", {"web"}}}, creator, "auth/token/create/ops");
  EXPECT_EQ(t["policies"], json({"default", "web"}));
  EXPECT_EQ(t["orphan"], true);
  EXPECT_EQ(t["lease_duration"], 7200) << "the role's period";
  Reply lookup = Post("auth/token/lookup", {{"token", t["client_token"]}});
  EXPECT_EQ(lookup.body["data"]["path"], "auth/token/create/ops/v1");
  EXPECT_EQ(lookup.body["data"]["role"], "ops");
  EXPECT_EQ(Create(json::object(), creator, "auth/token/create/ops")["policies"],
            json({"db", "default", "web"}));
  EXPECT_EQ(Send("POST", "auth/token/create/ops", {{"policies", {"admin"}}}, creator).Error(),
            "token policy \"admin\" is disallowed by this role");
  EXPECT_EQ(Send("POST", "auth/token/create/ops", {{"policies", {"other"}}}, creator).Error(),
            "token policies ([other]) must be subset of the role's allowed policies ([db web])");
  EXPECT_EQ(Post("auth/token/create/nope", json::object()).Error(), "unknown role nope");

  ASSERT_EQ(Post("auth/token/roles/globbed", {{"allowed_policies_glob", {"team-*"}}}).status, 204);
  EXPECT_EQ(Create({{"policies", {"team-a"}}}, "root", "auth/token/create/globbed")["policies"],
            json({"default", "team-a"}));
  EXPECT_EQ(Post("auth/token/create/globbed", {{"policies", {"ops"}}}).status, 400);
  ASSERT_EQ(Delete("auth/token/roles/ops").status, 204);
  EXPECT_EQ(Get("auth/token/roles/ops").status, 404);
}

TEST_F(Tokens, RoleBoundCidrsAndNumUsesApplyToItsTokens) {
  ASSERT_EQ(Post("auth/token/roles/net", {{"token_bound_cidrs", "10.0.0.0/8"}, {"token_num_uses", 3}}).status,
            204);
  json t = Create({{"policies", {"default"}}}, "root", "auth/token/create/net");
  EXPECT_EQ(t["num_uses"], 3);
  const std::string token = t["client_token"];
  EXPECT_EQ(Send("GET", "auth/token/lookup-self", nullptr, token, "127.0.0.1").Error(), kDenied);
  Reply inside = Send("GET", "auth/token/lookup-self", nullptr, token, "10.0.0.7");
  ASSERT_EQ(inside.status, 200) << inside.body.dump();
  EXPECT_EQ(inside.body["data"]["bound_cidrs"], json({"10.0.0.0/8"}));
}

TEST_F(Tokens, ExpiryManagerRevokesExpiredTokensAndChildren) {
  json parent = Create({{"policies", {"root"}}, {"ttl", 60}});
  json child = Create({{"policies", {"root"}}, {"ttl", 3600}}, parent["client_token"]);
  json other = Create({{"ttl", 3600}});
  const std::string parent_accessor = parent["accessor"];
  Advance(61);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(Post("auth/token/lookup-accessor", {{"accessor", parent_accessor}}).Error(), "invalid accessor");
  EXPECT_EQ(Post("auth/token/lookup-accessor", {{"accessor", child["accessor"]}}).Error(), "invalid accessor")
      << "the child goes with its expired parent";
  EXPECT_EQ(Post("auth/token/lookup-accessor", {{"accessor", other["accessor"]}}).status, 200);
}

TEST_F(Tokens, ExpiryManagerFollowsRenewals) {
  json t = Create({{"ttl", 60}, {"policies", {"default"}}});
  Advance(30);
  ASSERT_EQ(Post("auth/token/renew", {{"token", t["client_token"]}, {"increment", 3600}}).status, 200);
  Advance(100);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(Post("auth/token/lookup-accessor", {{"accessor", t["accessor"]}}).status, 200) << "renewed, not expired";
  Advance(3600);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(Post("auth/token/lookup-accessor", {{"accessor", t["accessor"]}}).Error(), "invalid accessor");
}

TEST_F(Tokens, ExpiryManagerRunsInTheBackground) {
  json t = Create({{"ttl", 10}});
  core_->StartExpiryManager(std::chrono::milliseconds(5));
  Advance(11);
  bool gone = false;
  for (int i = 0; i < 400 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    gone = Post("auth/token/lookup-accessor", {{"accessor", t["accessor"]}}).status == 400;
  }
  EXPECT_TRUE(gone) << "the background sweep revoked the expired token";
}

// Issue #7: a wrapping token's stored response must not outlive the token.
TEST_F(Tokens, WrappedResponsesGoWithTheirTokenWhenRevokedOrExpired) {
  auto wrap = [&](const std::string& ttl) {
    HttpResponse out = core_->Handle({.method = "POST",
                                      .target = "/v1/sys/wrapping/wrap",
                                      .token = "root",
                                      .body = R"({"secret":"s3cr3t"})",
                                      .wrap_ttl = ttl});
    EXPECT_EQ(out.status, 200) << out.body;
    return json::parse(out.body)["wrap_info"]["token"].get<std::string>();
  };
  auto stored = [&] {
    Expected<std::vector<std::string>> keys = storage_->List("logical/wrapping/");
    EXPECT_TRUE(keys);
    return keys ? keys->size() : 0;
  };
  const std::string expiring = wrap("60");
  const std::string revoked = wrap("600");
  const std::string unwrapped = wrap("600");
  EXPECT_EQ(stored(), 3u);
  ASSERT_EQ(Post("auth/token/revoke", {{"token", revoked}}).status, 204);
  EXPECT_EQ(stored(), 2u);
  ASSERT_EQ(Post("sys/wrapping/unwrap", {{"token", unwrapped}}).status, 200);
  EXPECT_EQ(stored(), 1u);
  Advance(61);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(stored(), 0u) << "the sweep revoked the expired wrapping token and its response";
  EXPECT_EQ(Post("sys/wrapping/unwrap", {{"token", expiring}}).Error(), "wrapping token is not valid or does not exist");
  EXPECT_EQ(AllStoredBytes().find("wrapping/"), std::string::npos);
}

// Issue #7: batch tokens (RUNTIME-API.md §3.2; Vault's token_store.go messages).
TEST_F(Tokens, BatchTokensAreSealedNotStoredAndLimited) {
  PutPolicy("creator", R"(path "auth/token/create" { capabilities = ["create", "update"] })");
  const std::size_t stored_before = storage_->List("logical/token/id/")->size();
  json b = Create({{"type", "batch"}, {"policies", {"creator"}}, {"ttl", "1h"}, {"meta", {{"app", "x"}}}});
  const std::string batch = b["client_token"];
  EXPECT_TRUE(batch.starts_with("hvb.")) << batch;
  EXPECT_EQ(b["accessor"], "");
  EXPECT_EQ(b["renewable"], false);
  EXPECT_EQ(b["token_type"], "batch");
  EXPECT_EQ(b["orphan"], false);
  EXPECT_EQ(b["lease_duration"], 3600);
  EXPECT_EQ(storage_->List("logical/token/id/")->size(), stored_before) << "batch tokens are not stored";
  EXPECT_EQ(AllStoredBytes().find("app"), std::string::npos);

  Reply self = Get("auth/token/lookup-self", batch);
  ASSERT_EQ(self.status, 200) << self.body.dump();
  EXPECT_EQ(self.body["data"]["type"], "batch");
  EXPECT_EQ(self.body["data"]["id"], batch);
  EXPECT_EQ(self.body["data"]["accessor"], "");
  EXPECT_EQ(self.body["data"]["renewable"], false);
  EXPECT_EQ(self.body["data"]["policies"], json({"creator", "default"}));
  EXPECT_EQ(self.body["data"]["meta"], json({{"app", "x"}}));
  EXPECT_EQ(self.body["data"]["path"], "auth/token/create");
  EXPECT_EQ(self.body["data"]["ttl"], 3600);
  EXPECT_EQ(Post("auth/token/lookup", {{"token", batch}}).status, 200);

  EXPECT_EQ(Post("auth/token/renew-self", json::object(), batch).Error(), "batch tokens cannot be renewed");
  EXPECT_EQ(Post("auth/token/renew", {{"token", batch}}).Error(), "batch tokens cannot be renewed");
  EXPECT_EQ(Post("auth/token/revoke", {{"token", batch}}).Error(), "batch tokens cannot be revoked");
  EXPECT_EQ(Post("auth/token/revoke-self", json::object(), batch).Error(), "batch tokens cannot be revoked");
  EXPECT_EQ(Post("auth/token/create", {{"policies", {"default"}}}, batch).Error(),
            "batch tokens cannot create more tokens");
  EXPECT_EQ(Post("auth/token/lookup-accessor", {{"accessor", ""}}).Error(), "invalid accessor");

  std::string tampered = batch;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Post("auth/token/lookup", {{"token", tampered}}).Error(), "bad token");
  EXPECT_EQ(Get("auth/token/lookup-self", tampered).status, 403);
  EXPECT_EQ(Post("auth/token/lookup", {{"token", "hvb.not base64!"}}).Error(), "bad token");

  Restart();
  EXPECT_EQ(Get("auth/token/lookup-self", batch).status, 200) << "the sealing key lives in the barrier";
  Advance(3600);
  EXPECT_EQ(Get("auth/token/lookup-self", batch).status, 403) << "expired";
}

TEST_F(Tokens, BatchTokenCreateRules) {
  EXPECT_EQ(Post("auth/token/create", {{"type", "batch"}}).Error(), "batch tokens cannot be root tokens");
  EXPECT_EQ(Post("auth/token/create", {{"type", "batch"}, {"policies", {"p"}}, {"explicit_max_ttl", "1h"}}).Error(),
            "batch tokens cannot have \"explicit_max_ttl\" set");
  EXPECT_EQ(Post("auth/token/create", {{"type", "batch"}, {"policies", {"p"}}, {"num_uses", 2}}).Error(),
            "batch tokens cannot have \"num_uses\" set");
  EXPECT_EQ(Post("auth/token/create", {{"type", "batch"}, {"policies", {"p"}}, {"period", "1h"}}).Error(),
            "batch tokens cannot have \"period\" set");
  EXPECT_EQ(Post("auth/token/create", {{"type", "batch"}, {"policies", {"p"}}, {"id", "custom"}}).Error(),
            "batch tokens cannot have a custom ID");
  EXPECT_EQ(Post("auth/token/create", {{"type", "bulk"}, {"policies", {"p"}}}).Error(), "invalid 'token_type' value");
  json explicit_zero = Create({{"type", "batch"}, {"policies", {"p"}}, {"period", 0}, {"renewable", true}});
  EXPECT_EQ(explicit_zero["token_type"], "batch");
  EXPECT_EQ(explicit_zero["renewable"], false) << "batch tokens are never renewable";
  json orphan = Create({{"type", "batch"}, {"policies", {"p"}}}, "root", "auth/token/create-orphan");
  EXPECT_EQ(orphan["orphan"], true);
}

TEST_F(Tokens, BatchTokensDieWithTheirParent) {
  PutPolicy("creator", R"(path "auth/token/create" { capabilities = ["create", "update"] })");
  const std::string parent = TokenWith({"p", "creator"});
  Reply created = Post("auth/token/create", {{"type", "batch"}, {"policies", {"p"}}}, parent);
  ASSERT_EQ(created.status, 200) << created.body.dump();
  const std::string batch = created.body["auth"]["client_token"];
  EXPECT_TRUE(Alive(batch));
  ASSERT_EQ(Post("auth/token/revoke", {{"token", parent}}).status, 204);
  EXPECT_FALSE(Alive(batch)) << "its parent is gone";
}

TEST_F(Tokens, RoleTokenTypeChoosesBatchOrService) {
  ASSERT_EQ(Post("auth/token/roles/b", {{"token_type", "batch"}}).status, 204);
  ASSERT_EQ(Post("auth/token/roles/db", {{"token_type", "default-batch"}}).status, 204);
  ASSERT_EQ(Post("auth/token/roles/s", {{"token_type", "service"}}).status, 204);
  EXPECT_EQ(Get("auth/token/roles/db").body["data"]["token_type"], "default-batch");
  const json body = {{"policies", {"p"}}};
  EXPECT_EQ(Create(body, "root", "auth/token/create/b")["token_type"], "batch");
  EXPECT_EQ(Create({{"policies", {"p"}}, {"type", "service"}}, "root", "auth/token/create/b")["token_type"], "batch")
      << "a role's fixed type overrides the request";
  EXPECT_EQ(Create(body, "root", "auth/token/create/db")["token_type"], "batch");
  EXPECT_EQ(Create({{"policies", {"p"}}, {"type", "service"}}, "root", "auth/token/create/db")["token_type"],
            "service");
  EXPECT_EQ(Create({{"policies", {"p"}}, {"type", "batch"}}, "root", "auth/token/create/s")["token_type"], "service");
  json role_batch = Create(body, "root", "auth/token/create/b");
  EXPECT_EQ(Get("auth/token/lookup-self", role_batch["client_token"]).body["data"]["path"], "auth/token/create/b");
}

// Issue #7: a renewal re-reads the token role's token_period and token_explicit_max_ttl
// (Vault's token store authRenew); the token's stored values are left as they were.
TEST_F(Tokens, RenewRereadsTheTokenRolesPeriodAndExplicitMax) {
  ASSERT_EQ(Post("auth/token/roles/r", {{"token_period", "1h"}}).status, 204);
  json t = Create({{"policies", {"p"}}}, "root", "auth/token/create/r");
  const std::string token = t["client_token"];
  EXPECT_EQ(t["lease_duration"], 3600);
  ASSERT_EQ(Post("auth/token/roles/r", {{"token_period", "10m"}}).status, 204);
  Reply renewed = Post("auth/token/renew-self", json::object(), token);
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_EQ(renewed.body["auth"]["lease_duration"], 600) << "the role's current period";
  EXPECT_EQ(Get("auth/token/lookup-self", token).body["data"]["period"], 3600) << "not rewritten";

  ASSERT_EQ(Post("auth/token/roles/r", {{"token_period", 0}, {"token_explicit_max_ttl", "2h"}}).status, 204);
  Advance(100);
  renewed = Post("auth/token/renew-self", json::object(), token);
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_EQ(renewed.body["auth"]["lease_duration"], 7100) << "no period now; capped by the role's explicit max";

  ASSERT_EQ(Delete("auth/token/roles/r").status, 204);
  EXPECT_EQ(Post("auth/token/renew-self", json::object(), token).Error(),
            "original token role \"r\" could not be found, not renewing");
}

// Issue #7: entity_alias on auth/token/create/:role (Vault's handleCreateCommon).
TEST_F(Tokens, EntityAliasThroughARoleAttachesTheTokenToThatEntity) {
  ASSERT_EQ(Post("auth/token/roles/ea", {{"allowed_entity_aliases", {"web-*", "Exact"}}}).status, 204);
  Reply entity = Post("identity/entity", {{"name", "svc"}, {"policies", {"ep"}}});
  ASSERT_EQ(entity.status, 200) << entity.body.dump();
  const std::string id = entity.body["data"]["id"];
  const std::string accessor = Get("sys/auth").body["token/"]["accessor"];
  ASSERT_EQ(Post("identity/entity-alias", {{"name", "web-1"}, {"mount_accessor", accessor}, {"canonical_id", id}})
                .status,
            200);

  json known = Create({{"policies", {"p"}}, {"entity_alias", "web-1"}}, "root", "auth/token/create/ea");
  EXPECT_EQ(known["entity_id"], id);
  EXPECT_EQ(known["identity_policies"], json({"ep"}));
  EXPECT_EQ(Get("auth/token/lookup-self", known["client_token"]).body["data"]["entity_id"], id);

  json fresh = Create({{"policies", {"p"}}, {"entity_alias", "web-2"}}, "root", "auth/token/create/ea");
  const std::string fresh_id = fresh["entity_id"];
  EXPECT_FALSE(fresh_id.empty());
  EXPECT_NE(fresh_id, id);
  EXPECT_EQ(Create({{"policies", {"p"}}, {"entity_alias", "web-2"}}, "root", "auth/token/create/ea")["entity_id"],
            fresh_id)
      << "the alias created by the first token is reused";
  EXPECT_FALSE(Create({{"policies", {"p"}}, {"entity_alias", "EXACT"}}, "root", "auth/token/create/ea")["entity_id"]
                   .get<std::string>()
                   .empty())
      << "allowed_entity_aliases match case-insensitively";

  EXPECT_EQ(Post("auth/token/create/ea", {{"policies", {"p"}}, {"entity_alias", "db-1"}}).Error(),
            "invalid 'entity_alias' value");
  EXPECT_EQ(Post("auth/token/create", {{"policies", {"p"}}, {"entity_alias", "web-1"}}).Error(),
            "'entity_alias' is only allowed in combination with token role");
  ASSERT_EQ(Post("identity/entity/id/" + id, {{"disabled", true}}).status / 100, 2);
  Reply disabled = Post("auth/token/create/ea", {{"policies", {"p"}}, {"entity_alias", "web-1"}});
  EXPECT_EQ(disabled.status, 403);
  EXPECT_EQ(disabled.Error(), "entity from given entity alias is disabled");
}

// The expiry sweep takes due tokens from an in-memory index loaded by its first run:
// it must follow renewals, revocations, tokens created after the load, and be
// rebuilt from storage after a restart.
TEST_F(Tokens, ExpirySweepFollowsRenewalsRevocationsAndRestarts) {
  auto create = [&](const std::string& name, int ttl) -> std::string {
    Reply r = Post("auth/token/create", {{"policies", {"default"}}, {"ttl", ttl}, {"meta", {{"n", name}}}});
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["auth"]["client_token"];
  };
  auto stored = [&] {  // names of the tokens still in storage (no lazy revocation on this path)
    std::set<std::string> names;
    Expected<std::vector<TokenEntry>> all = core_->tokens().All();
    EXPECT_TRUE(all);
    for (const TokenEntry& e : all ? *all : std::vector<TokenEntry>{}) {
      if (auto it = e.meta.find("n"); it != e.meta.end()) {
        names.insert(it->second);
      }
    }
    return names;
  };
  const std::string renewed = create("renewed", 60);
  const std::string revoked = create("revoked", 60);
  create("long", 3600);
  ASSERT_TRUE(core_->SweepExpired());  // loads the index
  EXPECT_EQ(stored(), std::set<std::string>({"renewed", "revoked", "long"}));
  ASSERT_EQ(Post("auth/token/renew", {{"token", renewed}, {"increment", 600}}).status, 200);
  ASSERT_EQ(Post("auth/token/revoke", {{"token", revoked}}).status, 204);
  create("late", 30);
  Advance(61);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(stored(), std::set<std::string>({"renewed", "long"}));

  create("before-restart", 10);
  Restart();
  Advance(11);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(stored(), std::set<std::string>({"renewed", "long"}));
  Advance(600);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(stored(), std::set<std::string>({"long"}));
  Expected<std::vector<std::string>> seconds = core_->barrier().List("token/expire/");
  ASSERT_TRUE(seconds);
  EXPECT_EQ(seconds->size(), 1u) << "swept seconds leave no index entries behind; only the long token's is left";
}

}  // namespace
}  // namespace polcheck::runtime::testing
