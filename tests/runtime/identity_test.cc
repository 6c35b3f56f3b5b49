// Identity store (RUNTIME-API.md §4.7, SEMANTICS.md §7, §9.0, §9.8) through Core::Handle.
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;

class Identity : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
    ASSERT_EQ(Post("auth/userpass/users/bob", {{"password", "pw"}}).status, 204);
    accessor_ = Get("sys/auth").body["userpass/"]["accessor"];
  }
  json Login(const std::string& user = "bob") {
    Reply r = Send("POST", "auth/userpass/login/" + user, {{"password", "pw"}}, "");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["auth"];
  }
  std::string accessor_;
};

TEST_F(Identity, LoginCreatesOneEntityPerAlias) {
  json first = Login();
  json second = Login();
  EXPECT_EQ(first["entity_id"], second["entity_id"]) << "same mount accessor + alias name, same entity";
  Reply entity = Get("identity/entity/id/" + first["entity_id"].get<std::string>());
  ASSERT_EQ(entity.status, 200) << entity.body.dump();
  EXPECT_TRUE(entity.body["data"]["name"].get<std::string>().starts_with("entity_"));
  ASSERT_EQ(entity.body["data"]["aliases"].size(), 1u);
  const json& alias = entity.body["data"]["aliases"][0];
  EXPECT_EQ(alias["name"], "bob");
  EXPECT_EQ(alias["mount_accessor"], accessor_);
  EXPECT_EQ(alias["mount_type"], "userpass");
  EXPECT_EQ(alias["canonical_id"], first["entity_id"]);
  EXPECT_EQ(List("identity/entity/id").body["data"]["keys"], json({first["entity_id"]}));
  ASSERT_EQ(Post("sys/auth/other", {{"type", "userpass"}}).status, 204);
  ASSERT_EQ(Post("auth/other/users/bob", {{"password", "pw"}}).status, 204);
  Reply other = Send("POST", "auth/other/login/bob", {{"password", "pw"}}, "");
  EXPECT_NE(other.body["auth"]["entity_id"], first["entity_id"]) << "another mount is another alias";
}

TEST_F(Identity, EntityAndGroupPoliciesApplyLiveToExistingTokens) {
  PutPolicy("reader", R"(path "secret/data/shared/*" { capabilities = ["read"] })");
  PutPolicy("writer", R"(path "secret/data/shared/*" { capabilities = ["create", "update"] })");
  ASSERT_EQ(Post("secret/data/shared/x", {{"data", {{"v", "1"}}}}).status, 200);
  json auth = Login();
  const std::string token = auth["client_token"];
  const std::string entity_id = auth["entity_id"];
  EXPECT_EQ(Get("secret/data/shared/x", token).Error(), kDenied);

  ASSERT_EQ(Post("identity/entity/id/" + entity_id, {{"policies", {"reader"}}}).status, 204);
  EXPECT_EQ(Get("secret/data/shared/x", token).status, 200) << "entity policy applies at once";
  Reply caps = Post("sys/capabilities", {{"token", token}, {"paths", {"secret/data/shared/x"}}});
  EXPECT_EQ(caps.body["capabilities"], json({"read"})) << "sys/capabilities counts identity policies";
  Reply self = Get("auth/token/lookup-self", token);
  EXPECT_EQ(self.body["data"]["identity_policies"], json({"reader"}));
  EXPECT_EQ(self.body["data"]["policies"], json({"default"})) << "token policies stay as issued";

  // Group -> parent group inheritance.
  Reply child = Post("identity/group", {{"name", "devs"}, {"member_entity_ids", {entity_id}}});
  ASSERT_EQ(child.status, 200) << child.body.dump();
  const std::string child_id = child.body["data"]["id"];
  Reply parent =
      Post("identity/group", {{"name", "eng"}, {"policies", {"writer"}}, {"member_group_ids", {child_id}}});
  ASSERT_EQ(parent.status, 200);
  EXPECT_EQ(Send("POST", "secret/data/shared/y", {{"data", {{"v", "2"}}}}, token).status, 200);
  json again = Login();
  EXPECT_EQ(again["identity_policies"], json({"reader", "writer"}));
  EXPECT_EQ(again["policies"], json({"default", "reader", "writer"}));
  Reply entity = Get("identity/entity/id/" + entity_id);
  EXPECT_EQ(entity.body["data"]["direct_group_ids"], json({child_id}));
  EXPECT_EQ(entity.body["data"]["inherited_group_ids"], json({parent.body["data"]["id"]}));
  EXPECT_EQ(Get("identity/group/name/eng").body["data"]["member_group_ids"], json({child_id}));
  EXPECT_EQ(Get("identity/group/id/" + child_id).body["data"]["parent_group_ids"],
            json({parent.body["data"]["id"]}));

  ASSERT_EQ(Delete("identity/group/name/eng").status, 204);
  EXPECT_EQ(Send("POST", "secret/data/shared/z", {{"data", {{"v", "3"}}}}, token).Error(), kDenied);
}

TEST_F(Identity, DisabledEntityIsDenied) {
  json auth = Login();
  ASSERT_EQ(Post("identity/entity/id/" + auth["entity_id"].get<std::string>(), {{"disabled", true}}).status,
            204);
  EXPECT_EQ(Get("auth/token/lookup-self", auth["client_token"]).Error(), kDenied);
  EXPECT_EQ(Send("POST", "auth/userpass/login/bob", {{"password", "pw"}}, "").status, 403);
}

TEST_F(Identity, TemplatedPoliciesRenderWithTheEntity) {
  PutPolicy("own", R"(path "secret/data/users/{{identity.entity.aliases.)" + accessor_ +
                       R"(.name}}/*" { capabilities = ["create", "update", "read"] }
path "secret/data/teams/{{identity.groups.names.ops.metadata.team}}/*" { capabilities = ["read"] })");
  ASSERT_EQ(Post("auth/userpass/users/bob", {{"token_policies", "own"}}).status, 204);
  json auth = Login();
  const std::string token = auth["client_token"];
  EXPECT_EQ(Send("POST", "secret/data/users/bob/x", {{"data", {{"a", 1}}}}, token).status, 200);
  EXPECT_EQ(Send("POST", "secret/data/users/alice/x", {{"data", {{"a", 1}}}}, token).Error(), kDenied);
  ASSERT_EQ(Post("secret/data/teams/blue/doc", {{"data", {{"a", 1}}}}).status, 200);
  EXPECT_EQ(Get("secret/data/teams/blue/doc", token).Error(), kDenied) << "not in group ops yet";
  ASSERT_EQ(
      Post("identity/group",
           {{"name", "ops"}, {"metadata", {{"team", "blue"}}}, {"member_entity_ids", {auth["entity_id"]}}})
          .status,
      200);
  EXPECT_EQ(Get("secret/data/teams/blue/doc", token).status, 200);
  Reply caps = Send("POST", "sys/capabilities-self",
                    {{"paths", {"secret/data/users/bob/x", "secret/data/users/eve/x"}}}, token);
  ASSERT_EQ(caps.status, 200) << caps.body.dump();
  EXPECT_EQ(caps.body["secret/data/users/bob/x"], json({"create", "read", "update"}))
      << "rendered with the entity";
  EXPECT_EQ(caps.body["secret/data/users/eve/x"], json({"deny"}));
}

TEST_F(Identity, EntityAndAliasApi) {
  Reply created = Post("identity/entity", {{"name", "svc"}, {"policies", "A,b"}, {"metadata", {{"k", "v"}}}});
  ASSERT_EQ(created.status, 200) << created.body.dump();
  EXPECT_EQ(created.body["data"]["name"], "svc");
  EXPECT_EQ(created.body["data"]["aliases"], nullptr);
  const std::string id = created.body["data"]["id"];
  EXPECT_EQ(Get("identity/entity/name/svc").body["data"]["policies"], json({"a", "b"}));
  EXPECT_EQ(Post("identity/entity", {{"name", "svc"}, {"policies", {"c"}}}).status, 204)
      << "existing name updates";
  EXPECT_EQ(Get("identity/entity/id/" + id).body["data"]["policies"], json({"c"}));
  Reply alias =
      Post("identity/entity-alias", {{"name", "bob"}, {"mount_accessor", accessor_}, {"canonical_id", id}});
  ASSERT_EQ(alias.status, 200) << alias.body.dump();
  EXPECT_EQ(alias.body["data"]["canonical_id"], id);
  EXPECT_EQ(Login()["entity_id"], id) << "a pre-created alias binds the login to that entity";
  EXPECT_EQ(
      Post("identity/entity-alias", {{"name", "bob"}, {"mount_accessor", accessor_}, {"canonical_id", id}})
          .Error(),
      "alias with combination of mount accessor and name already exists");
  EXPECT_EQ(Post("identity/entity-alias", {{"name", "x"}, {"mount_accessor", "nope"}, {"canonical_id", id}})
                .Error(),
            "invalid mount accessor \"nope\"");
  EXPECT_EQ(List("identity/entity/name").body["data"]["keys"], json({"svc"}));
  ASSERT_EQ(Delete("identity/entity/name/svc").status, 204);
  EXPECT_EQ(Get("identity/entity/id/" + id).status, 404);
  EXPECT_EQ(Get("identity/entity-alias/id/" + alias.body["data"]["id"].get<std::string>()).status, 404);
  EXPECT_EQ(Post("identity/entity", {{"name", "r"}, {"policies", {"root"}}}).status, 400);
}

TEST_F(Identity, ExternalGroupsFollowGroupAliases) {
  Reply group = Post("identity/group", {{"name", "ext"}, {"type", "external"}, {"policies", {"p"}}});
  ASSERT_EQ(group.status, 200);
  const std::string gid = group.body["data"]["id"];
  EXPECT_EQ(Post("identity/group/id/" + gid, {{"member_entity_ids", {"x"}}}).status, 400);
  Reply internal = Post("identity/group", {{"name", "int"}});
  EXPECT_EQ(
      Post("identity/group-alias",
           {{"name", "g"}, {"mount_accessor", accessor_}, {"canonical_id", internal.body["data"]["id"]}})
          .Error(),
      "alias can't be set on an internal group");
  ASSERT_EQ(
      Post("identity/group-alias", {{"name", "g"}, {"mount_accessor", accessor_}, {"canonical_id", gid}})
          .status,
      200);
  EXPECT_EQ(Get("identity/group/id/" + gid).body["data"]["alias"]["name"], "g");
}

TEST_F(Identity, DisablingTheMountForgetsItsAliases) {
  json auth = Login();
  ASSERT_EQ(Delete("sys/auth/userpass").status, 204);
  Reply entity = Get("identity/entity/id/" + auth["entity_id"].get<std::string>());
  ASSERT_EQ(entity.status, 200);
  EXPECT_EQ(entity.body["data"]["aliases"], json::array());
}

}  // namespace
}  // namespace polcheck::runtime::testing
