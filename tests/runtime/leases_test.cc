// Leases (RUNTIME-API.md §2.7, §3.5): bookkeeping through LeaseStore (as a
// secrets engine would register them) and the sys/leases endpoints over Core::Handle.
#include "runtime/leases.h"

#include <set>

#include "runtime/tokens.h"
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;

class Leases : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/mounts/db", {{"type", "kv"}, {"config", {{"max_lease_ttl", "2h"}}}}).status, 204);
    core_->leases().SetRevoker("db/", [this](const Lease& lease) -> Expected<void> {
      if (fail_revocation_) {
        return Unexpected(Error::Code::kIo, "database unreachable");
      }
      revoked_.insert(lease.internal);
      return {};
    });
  }
  std::string HashOf(const std::string& token) { return (*core_->tokens().Lookup(token))->hash; }
  Lease Register(const std::string& token, const std::string& user, std::int64_t ttl = 600,
                 bool renewable = true) {
    Expected<Lease> lease = core_->leases().Register({.path = "db/creds/ro",
                                                      .token_hash = HashOf(token),
                                                      .ttl = ttl,
                                                      .renewable = renewable,
                                                      .internal = user});
    EXPECT_TRUE(lease) << lease.error().message;
    return *lease;
  }
  std::set<std::string> revoked_;
  bool fail_revocation_ = false;
};

TEST_F(Leases, LookupAndList) {
  const Lease lease = Register("root", "u1");
  EXPECT_TRUE(lease.id.starts_with("db/creds/ro/"));
  EXPECT_EQ(lease.id.size(), std::string("db/creds/ro/").size() + 24);
  Reply r = Post("sys/leases/lookup", {{"lease_id", lease.id}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["data"], json({{"id", lease.id},
                                  {"issue_time", "2023-11-14T22:13:20Z"},
                                  {"expire_time", "2023-11-14T22:23:20Z"},
                                  {"last_renewal", nullptr},
                                  {"renewable", true},
                                  {"ttl", 600}}));
  EXPECT_FALSE(r.body.contains("id")) << "sys/leases/* is not data-injected";
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", "db/creds/ro/nope"}}).Error(), "invalid lease");
  EXPECT_EQ(Post("sys/leases/lookup", json::object()).Error(), "lease_id must be specified");
  EXPECT_EQ(List("sys/leases/lookup/db/creds/").body["data"]["keys"], json({"ro/"}));
  EXPECT_EQ(List("sys/leases/lookup/db/creds/ro/").body["data"]["keys"], json({lease.id.substr(12)}));
  EXPECT_EQ(List("sys/leases/lookup/nothing/").status, 404);
  const std::string plain = TokenWith({"default"});
  EXPECT_EQ(List("sys/leases/lookup/db/", plain).Error(), kDenied) << "listing is root-protected";
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", lease.id}}, plain).status, 200) << "lookup is in default";
}

TEST_F(Leases, RenewRules) {
  const Lease lease = Register("root", "u1");
  Advance(300);
  Reply r = Post("sys/leases/renew", {{"lease_id", lease.id}, {"increment", "30m"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["lease_id"], lease.id);
  EXPECT_EQ(r.body["lease_duration"], 1800);
  EXPECT_EQ(r.body["renewable"], true);
  EXPECT_EQ(r.body["data"], nullptr);
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", lease.id}}).body["data"]["last_renewal"],
            "2023-11-14T22:18:20Z");
  Reply legacy = Send("PUT", "sys/renew/" + lease.id, {{"increment", 3 * 3600}});
  EXPECT_EQ(legacy.body["lease_duration"], 7200 - 300) << "capped by the mount's 2h max";
  EXPECT_EQ(legacy.body["warnings"], json({"TTL of \"10800s\" exceeded the effective max_ttl of \"6900s\"; "
                                           "TTL value is capped accordingly"}));
  Reply without = Post("sys/leases/renew", {{"lease_id", lease.id}, {"increment", nullptr}});
  EXPECT_EQ(without.body["lease_duration"], 600) << "falls back to the lease's TTL";
  EXPECT_EQ(Post("sys/leases/renew", {{"lease_id", "db/creds/ro/nope"}}).Error(), "lease not found");
  const Lease fixed = Register("root", "u2", 600, false);
  EXPECT_EQ(Post("sys/leases/renew", {{"lease_id", fixed.id}}).Error(), "lease is not renewable");
  Advance(7200);
  EXPECT_EQ(Post("sys/leases/renew", {{"lease_id", lease.id}}).Error(), "lease expired");
}

TEST_F(Leases, RegisterCapsTheTtlByTheMountMax) {
  const Lease lease = Register("root", "u1", 5 * 3600);
  EXPECT_EQ(lease.ttl, 7200);
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", lease.id}}).body["data"]["ttl"], 7200);
}

TEST_F(Leases, RevokeOnePrefixAndLegacyPaths) {
  const Lease a = Register("root", "a");
  const Lease b = Register("root", "b");
  const Lease c = Register("root", "c");
  EXPECT_EQ(Post("sys/leases/revoke", {{"lease_id", a.id}}).status, 204);
  EXPECT_EQ(revoked_, std::set<std::string>({"a"}));
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", a.id}}).Error(), "invalid lease");
  EXPECT_EQ(Post("sys/leases/revoke", {{"lease_id", "db/creds/ro/unknown"}}).status, 204);
  EXPECT_EQ(Send("PUT", "sys/revoke-prefix/db/creds").status, 204) << "node-vault's revokePrefix";
  EXPECT_EQ(revoked_, std::set<std::string>({"a", "b", "c"}));
  EXPECT_EQ(List("sys/leases/lookup/db/creds/ro/").status, 404);
  (void)b;
  (void)c;
}

TEST_F(Leases, RevokeFailureKeepsTheLeaseUnlessForced) {
  const Lease lease = Register("root", "x");
  fail_revocation_ = true;
  EXPECT_EQ(Post("sys/leases/revoke", {{"lease_id", lease.id}}).status, 500);
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", lease.id}}).status, 200);
  EXPECT_EQ(Post("sys/leases/revoke-force/db/", json::object()).status, 204);
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", lease.id}}).Error(), "invalid lease");
}

TEST_F(Leases, RevokingTheTokenRevokesItsLeasesAndChildrensLeases) {
  const std::string parent = TokenWith({"root"});
  Reply child = Post("auth/token/create", {{"policies", {"root"}}}, parent);
  const std::string child_token = child.body["auth"]["client_token"];
  Register(parent, "p");
  Register(child_token, "c");
  Register("root", "r");
  ASSERT_EQ(Post("auth/token/revoke", {{"token", parent}}).status, 204);
  EXPECT_EQ(revoked_, std::set<std::string>({"p", "c"}));
}

TEST_F(Leases, ExpiryManagerRevokesExpiredLeases) {
  Register("root", "short", 60);
  Register("root", "long", 3600);
  Advance(61);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(revoked_, std::set<std::string>({"short"}));
}

// Issue #7: the sweep reads an expiry index; it must follow renewals, revocations,
// leases registered after it was built, and be rebuilt from storage after a restart.
TEST_F(Leases, ExpiryIndexFollowsRenewalsRevocationsAndRestarts) {
  const Lease renewed = Register("root", "renewed", 60);
  const Lease revoked = Register("root", "revoked", 60);
  Register("root", "long", 3600);
  ASSERT_TRUE(core_->SweepExpired());  // builds the index
  EXPECT_TRUE(revoked_.empty());
  ASSERT_EQ(Post("sys/leases/renew", {{"lease_id", renewed.id}, {"increment", 600}}).status, 200);
  ASSERT_EQ(Post("sys/leases/revoke", {{"lease_id", revoked.id}}).status, 204);
  Register("root", "late", 30);
  Advance(61);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(revoked_, std::set<std::string>({"revoked", "late"}));
  EXPECT_TRUE(*core_->leases().Get(renewed.id)) << "renewed past the sweep";

  Register("root", "before-restart", 10);
  Restart();
  std::set<std::string> after_restart;
  core_->leases().SetRevoker("db/", [&](const Lease& lease) -> Expected<void> {
    after_restart.insert(lease.internal);
    return {};
  });
  Advance(11);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(after_restart, std::set<std::string>({"before-restart"}));
  Advance(600);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(after_restart, std::set<std::string>({"before-restart", "renewed"}));
  Expected<std::vector<std::string>> left = core_->leases().List("db/creds/ro/");
  ASSERT_TRUE(left);
  EXPECT_EQ(left->size(), 1u) << "only the long lease is left";
}

// Issue #7: a batch token's lease is tracked by its parent (none for an orphan) and
// never outlives the batch token (Vault's documented batch-token lease behaviour).
TEST_F(Leases, BatchTokenLeasesBelongToTheParentAndEndWithTheBatchToken) {
  Reply batch = Post("auth/token/create", {{"type", "batch"}, {"policies", {"p"}}, {"ttl", 300}}, "root");
  ASSERT_EQ(batch.status, 200);
  Reply orphan = Post("auth/token/create-orphan", {{"type", "batch"}, {"policies", {"p"}}, {"ttl", 300}});
  ASSERT_EQ(orphan.status, 200);
  // Register as a secrets engine would for a request made with the batch token (req.token->hash).
  Expected<std::optional<TokenEntry>> child = core_->tokens().Lookup(batch.body["auth"]["client_token"]);
  Expected<std::optional<TokenEntry>> lone = core_->tokens().Lookup(orphan.body["auth"]["client_token"]);
  ASSERT_TRUE(child && *child && lone && *lone);
  EXPECT_TRUE((*child)->batch);
  Expected<Lease> capped = core_->leases().Register(
      {.path = "db/creds/ro", .token_hash = (*child)->hash, .ttl = 3600, .internal = "capped"});
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->ttl, 300) << "capped to the batch token's remaining TTL";
  EXPECT_EQ(capped->token_hash, HashOf("root")) << "owned by the batch token's parent";
  Expected<Lease> unowned =
      core_->leases().Register({.path = "db/creds/ro", .token_hash = (*lone)->hash, .ttl = 60, .internal = "orphan"});
  ASSERT_TRUE(unowned);
  EXPECT_EQ(unowned->token_hash, "");
  Advance(61);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(revoked_, std::set<std::string>({"orphan"})) << "an orphan batch token's lease ends at its TTL";
  Advance(240);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(revoked_, std::set<std::string>({"orphan", "capped"}));
}

TEST_F(Leases, RevokingTheParentRevokesItsBatchChildsLeases) {
  ASSERT_EQ(Post("sys/policies/acl/creator", {{"policy", R"(path "auth/token/create" { capabilities = ["update"] })"}})
                .status,
            204);
  Reply parent = Post("auth/token/create", {{"policies", {"creator"}}});
  ASSERT_EQ(parent.status, 200);
  const std::string parent_token = parent.body["auth"]["client_token"];
  Reply batch = Post("auth/token/create", {{"type", "batch"}, {"policies", {"creator"}}}, parent_token);
  ASSERT_EQ(batch.status, 200) << batch.body.dump();
  Expected<std::optional<TokenEntry>> child = core_->tokens().Lookup(batch.body["auth"]["client_token"]);
  ASSERT_TRUE(child && *child);
  ASSERT_TRUE(core_->leases().Register({.path = "db/creds/ro", .token_hash = (*child)->hash, .internal = "b"}));
  ASSERT_EQ(Post("auth/token/revoke", {{"token", parent_token}}).status, 204);
  EXPECT_EQ(revoked_, std::set<std::string>({"b"}));
}

TEST_F(Leases, DisablingTheMountRevokesItsLeases) {
  Register("root", "m");
  ASSERT_EQ(Delete("sys/mounts/db").status, 204);
  EXPECT_EQ(revoked_, std::set<std::string>({"m"}));
}

TEST_F(Leases, TokenLeasesLookUpAndRevokeButDoNotRenewHere) {
  ASSERT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
  ASSERT_EQ(Post("auth/userpass/users/bob", {{"password", "pw"}}).status, 204);
  const std::string token =
      Send("POST", "auth/userpass/login/bob", {{"password", "pw"}}, "").body["auth"]["client_token"];
  const std::string lease_id = "auth/userpass/login/bob/" + HashOf(token);
  Reply lookup = Post("sys/leases/lookup", {{"lease_id", lease_id}});
  ASSERT_EQ(lookup.status, 200) << lookup.body.dump();
  EXPECT_EQ(lookup.body["data"]["ttl"], 2764800);
  EXPECT_EQ(Post("sys/leases/renew", {{"lease_id", lease_id}}).Error(),
            "tokens cannot be renewed through this endpoint");
  EXPECT_EQ(Post("sys/leases/revoke-prefix/auth/userpass/", json::object()).status, 204);
  EXPECT_EQ(Get("auth/token/lookup-self", token).status, 403)
      << "revoke-prefix revokes tokens issued under it";
}

}  // namespace
}  // namespace polcheck::runtime::testing
