// sys/mounts, sys/auth and KV v1 (RUNTIME-API.md §2.3, §2.4, §5.1) through Core::Handle.
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;

class Mounts : public CoreTest {};

TEST_F(Mounts, DevTablesListBuiltinsWithInjectedData) {
  Reply mounts = Get("sys/mounts");
  ASSERT_EQ(mounts.status, 200) << mounts.body.dump();
  for (const char* path : {"secret/", "sys/", "identity/"}) {
    ASSERT_TRUE(mounts.body["data"].contains(path)) << path;
    EXPECT_EQ(mounts.body[path], mounts.body["data"][path]) << "injected at the top level: " << path;
  }
  const json& secret = mounts.body["data"]["secret/"];
  EXPECT_EQ(secret["type"], "kv");
  EXPECT_EQ(secret["options"], json({{"version", "2"}}));
  EXPECT_EQ(secret["description"], "key/value secret storage");
  EXPECT_TRUE(secret["accessor"].get<std::string>().starts_with("kv_"));
  EXPECT_EQ(secret["accessor"].get<std::string>().size(), 11u);
  EXPECT_EQ(secret["config"],
            json({{"default_lease_ttl", 0}, {"max_lease_ttl", 0}, {"force_no_cache", false}}));
  EXPECT_EQ(mounts.body["data"]["sys/"]["type"], "system");

  Reply auths = Get("sys/auth");
  ASSERT_EQ(auths.status, 200);
  ASSERT_EQ(auths.body["data"].size(), 1u);
  EXPECT_EQ(auths.body["token/"]["type"], "token");
  EXPECT_EQ(auths.body["token/"]["config"]["token_type"], "default-service");
  EXPECT_TRUE(auths.body["token/"]["accessor"].get<std::string>().starts_with("auth_token_"));
}

TEST_F(Mounts, EnableReadDisableKvAndAuth) {
  EXPECT_EQ(Post("sys/mounts/kv1", {{"type", "kv"}, {"description", "v1 store"}}).status, 204);
  EXPECT_EQ(Post("sys/mounts/kv2", {{"type", "kv-v2"}}).status, 204);
  EXPECT_EQ(Post("sys/mounts/kvo", {{"type", "kv"}, {"options", {{"version", "2"}}}}).status, 204);
  Reply one = Get("sys/mounts/kv1");
  ASSERT_EQ(one.status, 200) << one.body.dump();
  EXPECT_EQ(one.body["data"]["description"], "v1 store");
  EXPECT_EQ(one.body["data"]["options"], nullptr);
  EXPECT_EQ(Get("sys/mounts/kv2").body["data"]["options"], json({{"version", "2"}}));
  EXPECT_EQ(Get("sys/mounts/kv2").body["data"]["type"], "kv");

  EXPECT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}, {"mount_point", "userpass"}}).status, 204);
  EXPECT_EQ(Post("sys/auth/my-approle", {{"type", "approle"}}).status, 204);
  Reply auths = Get("sys/auth");
  EXPECT_EQ(auths.body["userpass/"]["type"], "userpass");
  EXPECT_TRUE(auths.body["my-approle/"]["accessor"].get<std::string>().starts_with("auth_approle_"));
  EXPECT_EQ(Get("sys/auth/userpass").body["data"]["type"], "userpass");

  EXPECT_EQ(Delete("sys/mounts/kv2").status, 204);
  EXPECT_FALSE(Get("sys/mounts").body["data"].contains("kv2/"));
  EXPECT_EQ(Delete("sys/auth/userpass").status, 204);
  EXPECT_FALSE(Get("sys/auth").body["data"].contains("userpass/"));
  EXPECT_EQ(Delete("sys/mounts/never-mounted").status, 204);
  EXPECT_EQ(Get("kv2/data/x").status, 404);
}

TEST_F(Mounts, EnableErrorsAreVaults) {
  EXPECT_EQ(Post("sys/mounts/x", json::object()).Error(), "backend type must be specified as a string");
  EXPECT_EQ(Post("sys/mounts/secret", {{"type", "kv"}}).Error(), "path is already in use at secret/");
  EXPECT_EQ(Post("sys/mounts/secret/nested", {{"type", "kv"}}).Error(), "existing mount at secret/");
  ASSERT_EQ(Post("sys/mounts/a/b", {{"type", "kv"}}).status, 204);
  EXPECT_EQ(Post("sys/mounts/a", {{"type", "kv"}}).Error(), "path is already in use at a/b/");
  EXPECT_EQ(Post("sys/mounts/ttl",
                 {{"type", "kv"}, {"config", {{"default_lease_ttl", "2h"}, {"max_lease_ttl", "1h"}}}})
                .Error(),
            "given default lease TTL greater than given max lease TTL");
  EXPECT_EQ(Post("sys/mounts/sys2", {{"type", "nosuch"}}).Error(), "plugin not found in the catalog: nosuch");
  EXPECT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
  EXPECT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).Error(),
            "path is already in use at auth/userpass/");
  EXPECT_EQ(Delete("sys/auth/token").Error(), "token credential backend cannot be disabled");
  EXPECT_EQ(Delete("sys/mounts/sys").status, 400);
  EXPECT_EQ(Post("sys/mounts/sys/x", {{"type", "kv"}}).status, 400);
}

TEST_F(Mounts, EnablingAuthNeedsSudoOnSysAuth) {
  PutPolicy("mounter", R"(path "sys/auth/*" { capabilities = ["create", "update", "read"] }
path "sys/mounts/*" { capabilities = ["create", "update", "delete"] })");
  PutPolicy("sudo-mounter", R"(path "sys/auth/*" { capabilities = ["create", "update", "sudo"] })");
  const std::string plain = TokenWith({"mounter"});
  const std::string sudo = TokenWith({"sudo-mounter"});
  EXPECT_EQ(Send("POST", "sys/auth/up", {{"type", "userpass"}}, plain).Error(), kDenied);
  EXPECT_EQ(Send("POST", "sys/auth/up", {{"type", "userpass"}}, sudo).status, 204);
  EXPECT_EQ(Send("POST", "sys/mounts/kv", {{"type", "kv"}}, plain).status,
            204);  // sys/mounts is not root-protected
}

TEST_F(Mounts, TuneReadsAndWritesTtls) {
  ASSERT_EQ(Post("sys/mounts/kv", {{"type", "kv"}}).status, 204);
  Reply tune = Get("sys/mounts/kv/tune");
  ASSERT_EQ(tune.status, 200) << tune.body.dump();
  EXPECT_EQ(tune.body["data"]["default_lease_ttl"], 2764800);
  EXPECT_EQ(tune.body["max_lease_ttl"], 2764800);
  EXPECT_EQ(Post("sys/mounts/kv/tune", {{"default_lease_ttl", "1h"}, {"max_lease_ttl", 7200}}).status, 204);
  EXPECT_EQ(Get("sys/mounts/kv/tune").body["data"]["default_lease_ttl"], 3600);
  EXPECT_EQ(Get("sys/mounts").body["kv/"]["config"]["max_lease_ttl"], 7200);
  EXPECT_EQ(Post("sys/mounts/kv/tune", {{"default_lease_ttl", "3h"}}).Error(),
            "given default lease TTL greater than given max lease TTL");
}

TEST_F(Mounts, TablesSurviveARestartOverTheSameStorage) {
  ASSERT_EQ(Post("sys/mounts/kv", {{"type", "kv"}}).status, 204);
  ASSERT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
  ASSERT_EQ(Post("kv/app", {{"k", "v"}}).status, 204);
  const json mounts = Get("sys/mounts").body["data"];
  const json auths = Get("sys/auth").body["data"];
  Restart();
  EXPECT_EQ(Get("sys/mounts").body["data"], mounts) << "same accessors and UUIDs after a restart";
  EXPECT_EQ(Get("sys/auth").body["data"], auths);
  EXPECT_EQ(Get("kv/app").body["data"], json({{"k", "v"}}));
  EXPECT_EQ(AllStoredBytes().find("userpass"), std::string::npos) << "mount tables are encrypted at rest";
}

// ---- KV v1 ----

class KvV1 : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/mounts/kv", {{"type", "kv"}}).status, 204);
  }
};

TEST_F(KvV1, WriteReadListDelete) {
  EXPECT_EQ(Post("kv/app/db", {{"user", "u"}, {"password", "p"}}).status, 204);
  EXPECT_EQ(Post("kv/app/api", {{"key", "k"}, {"ttl", "1h"}}).status, 204);
  EXPECT_EQ(Post("kv/top", {{"a", 1}}).status, 204);
  Reply read = Get("kv/app/db");
  ASSERT_EQ(read.status, 200) << read.body.dump();
  EXPECT_EQ(read.body["data"], json({{"user", "u"}, {"password", "p"}}));
  EXPECT_EQ(read.body["lease_duration"], 2764800);
  EXPECT_EQ(read.body["lease_id"], "");
  EXPECT_EQ(read.body["renewable"], false);
  EXPECT_EQ(read.body["mount_type"], "kv");
  EXPECT_EQ(Get("kv/app/api").body["lease_duration"], 3600);
  EXPECT_EQ(List("kv/").body["data"]["keys"], json({"app/", "top"}));
  EXPECT_EQ(Send("GET", "kv/app?list=true").body["data"]["keys"], json({"api", "db"}));
  EXPECT_EQ(Post("kv/app/db", {{"only", "this"}}).status, 204);  // whole map replaced
  EXPECT_EQ(Get("kv/app/db").body["data"], json({{"only", "this"}}));
  EXPECT_EQ(Delete("kv/app/db").status, 204);
  Reply gone = Get("kv/app/db");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, json({{"errors", json::array()}}));
  EXPECT_EQ(List("kv/nothing/").status, 404);
  EXPECT_EQ(Post("kv/empty", json::object()).Error(), "missing data fields");
}

TEST_F(KvV1, CreateVersusUpdateFollowsExistence) {
  PutPolicy("create-only", R"(path "kv/*" { capabilities = ["create", "read"] })");
  const std::string token = TokenWith({"create-only"});
  EXPECT_EQ(Send("POST", "kv/new", {{"a", "1"}}, token).status, 204);
  EXPECT_EQ(Send("POST", "kv/new", {{"a", "2"}}, token).Error(), kDenied);  // exists now: update
  EXPECT_EQ(Get("kv/new", token).body["data"]["a"], "1");
}

TEST_F(KvV1, MountDefaultTtlAndDataRemovedOnDisable) {
  ASSERT_EQ(Post("sys/mounts/short", {{"type", "kv-v1"}, {"config", {{"default_lease_ttl", "10m"}}}}).status,
            204);
  ASSERT_EQ(Post("short/s", {{"secret", "hunter2"}}).status, 204);
  EXPECT_EQ(Get("short/s").body["lease_duration"], 600);
  ASSERT_EQ(Delete("sys/mounts/short").status, 204);
  ASSERT_EQ(Post("sys/mounts/short", {{"type", "kv-v1"}}).status, 204);
  EXPECT_EQ(Get("short/s").status, 404) << "a re-enabled mount starts empty";
}

TEST_F(KvV1, KvV2MountDataIsRemovedOnDisable) {
  ASSERT_EQ(Post("secret/data/app", {{"data", {{"k", "v"}}}}).status, 200);
  ASSERT_EQ(Delete("sys/mounts/secret").status, 204);
  ASSERT_EQ(Post("sys/mounts/secret", {{"type", "kv-v2"}}).status, 204);
  EXPECT_EQ(Get("secret/data/app").status, 404);
}

}  // namespace
}  // namespace polcheck::runtime::testing
