#include "analysis/bindings.h"

#include <gtest/gtest.h>

#include "tests/analysis/test_workspace.h"

namespace polcheck::analysis {
namespace {

using testing::Load;

const Role& OnlyRole(const Workspace& ws) {
  EXPECT_EQ(ws.bindings.mounts.size(), 1u);
  EXPECT_EQ(ws.bindings.mounts.front().roles.size(), 1u);
  return ws.bindings.mounts.front().roles.front();
}

TEST(SanitizePolicies, LowerCasesTrimsDedupesSortsAndAddsDefault) {
  EXPECT_EQ(SanitizePolicies({" Ops", "app", "ops", ""}, true),
            (std::vector<std::string>{"app", "default", "ops"}));
  EXPECT_EQ(SanitizePolicies({"app"}, false), (std::vector<std::string>{"app"}));
  // §10 row 107: no policies and default not disabled -> ["default"].
  EXPECT_EQ(SanitizePolicies({}, true), (std::vector<std::string>{"default"}));
  // `default` already present is not added twice.
  EXPECT_EQ(SanitizePolicies({"Default"}, true), (std::vector<std::string>{"default"}));
  // §10 row 106: root anywhere -> ["root"].
  EXPECT_EQ(SanitizePolicies({"app", "Root"}, true), (std::vector<std::string>{"root"}));
}

TEST(GlobbedStringsMatch, LeadingTrailingAndBothStars) {
  EXPECT_TRUE(GlobbedStringsMatch("app-*", "app-web"));
  EXPECT_FALSE(GlobbedStringsMatch("app-*", "web-app"));
  EXPECT_TRUE(GlobbedStringsMatch("*-web", "app-web"));
  EXPECT_TRUE(GlobbedStringsMatch("*pp-w*", "app-web"));
  EXPECT_FALSE(GlobbedStringsMatch("a*b", "axb"));  // a middle '*' is literal
  EXPECT_TRUE(GlobbedStringsMatch("a*b", "a*b"));
  EXPECT_FALSE(GlobbedStringsMatch("*", "anything"));  // one character: literal
  EXPECT_TRUE(GlobbedStringsMatch("*", "*"));
}

TEST(GlobMatch, StarsAnywhere) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("platform/*", "platform/deployer"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXcYYb"));
  EXPECT_TRUE(GlobMatch("*main", "refs/heads/main"));
  EXPECT_FALSE(GlobMatch("main", "main2"));
  EXPECT_FALSE(GlobMatch("ab*ba", "aba"));  // prefix and suffix may not overlap
}

TEST(Bindings, TokenPoliciesAcceptCommaStringAndList) {
  auto l = Load({{"bindings/a.yaml",
                  "auth:\n  kubernetes:\n    roles:\n      r:\n        bound_service_account_names: a, b\n"
                  "        bound_service_account_namespaces: [ns]\n        token_policies: \"x, y\"\n"}});
  const Role& r = OnlyRole(l.ws);
  EXPECT_EQ(r.fields.List("bound_service_account_names"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(RolePolicies(r.fields), (std::vector<std::string>{"x", "y"}));
}

TEST(Bindings, LegacyPoliciesUsedOnlyWithoutTokenPolicies) {
  Fields f;
  f.values["policies"] = Field{.kind = FieldKind::kStringList, .text = {}, .list = {"old"}, .map = {},
                               .boolean = false, .number = 0, .span = {}, .key_span = {}};
  EXPECT_EQ(RolePolicies(f), (std::vector<std::string>{"old"}));
  f.values["token_policies"] = Field{.kind = FieldKind::kStringList, .text = {}, .list = {"new"}, .map = {},
                                     .boolean = false, .number = 0, .span = {}, .key_span = {}};
  EXPECT_EQ(RolePolicies(f), (std::vector<std::string>{"new"}));
}

TEST(Bindings, VaultReadJsonIsUnwrapped) {
  auto l = Load({{"bindings/a.json",
                  R"({"auth": {"approle": {"roles": {"ci": {"request_id": "x", "lease_id": "", "data": {
                       "bind_secret_id": true, "secret_id_bound_cidrs": null, "token_policies": ["ci"],
                       "token_ttl": 3600, "token_max_ttl": "2h", "policies": ["ci"], "period": 0}}}}}})"}});
  const Role& r = OnlyRole(l.ws);
  EXPECT_EQ(r.fields.Number("token_ttl"), 3600);
  EXPECT_EQ(r.fields.Number("token_max_ttl"), 7200);
  EXPECT_EQ(RolePolicies(r.fields), (std::vector<std::string>{"ci"}));
  EXPECT_FALSE(l.sink.has_errors()) << l.diagnostics;
}

TEST(Bindings, AwsRoleNamesAndUserpassUsersAreLowerCased) {
  auto l = Load({{"bindings/a.yaml",
                  "auth:\n  aws:\n    roles:\n      MyRole: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"]}\n"
                  "  userpass:\n    users:\n      Alice: {token_policies: [a]}\n  kubernetes:\n    roles:\n"
                  "      MixedCase: {bound_service_account_names: [a], bound_service_account_namespaces: [b]}\n"}});
  EXPECT_EQ(l.ws.bindings.mounts[0].roles[0].name, "myrole");
  EXPECT_EQ(l.ws.bindings.mounts[1].roles[0].name, "alice");
  EXPECT_EQ(l.ws.bindings.mounts[2].roles[0].name, "MixedCase");
}

TEST(Bindings, UnknownFieldAndWrongTypeAreReportedWithPosition) {
  auto l = Load({{"bindings/a.yaml",
                  "auth:\n  kubernetes:\n    roles:\n      r:\n        bound_service_account_names: [a]\n"
                  "        bound_service_account_namespaces: [b]\n        bound_service_acount_uid: x\n"
                  "        token_num_uses: lots\n        token_policies: {a: b}\n"}});
  EXPECT_EQ(l.diagnostics,
            "bindings/a.yaml:7:9: error: unknown field \"bound_service_acount_uid\" in role \"r\" of auth/kubernetes "
            "[bindings]\n"
            "  7 |         bound_service_acount_uid: x\n"
            "    |         ^~~~~~~~~~~~~~~~~~~~~~~~\n"
            "bindings/a.yaml:8:25: error: \"token_num_uses\" must be an integer, not \"lots\" [bindings]\n"
            "  8 |         token_num_uses: lots\n"
            "    |                         ^~~~\n"
            "bindings/a.yaml:9:25: error: \"token_policies\" must be a list of strings or a comma-separated string "
            "[bindings]\n"
            "  9 |         token_policies: {a: b}\n"
            "    |                         ^\n");
}

TEST(Bindings, ServerSideRulesUseVaultsMessages) {
  auto l = Load({{"bindings/a.yaml",
                  "auth:\n"
                  "  kubernetes:\n    roles:\n      star: {bound_service_account_names: [\"*\", a], "
                  "bound_service_account_namespaces: [\"*\"]}\n"
                  "  oidc:\n    roles:\n      browser: {user_claim: sub}\n"
                  "      ci: {role_type: jwt, user_claim: sub}\n"
                  "      ok: {role_type: jwt, user_claim: sub, bound_subject: x}\n"
                  "  approle:\n    roles:\n      open: {bind_secret_id: false}\n"
                  "      cidr: {bind_secret_id: false, secret_id_bound_cidrs: 10.0.0.0/8}\n"
                  "  aws:\n    roles:\n      none: {auth_type: iam}\n"
                  "      ttl: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], token_ttl: 2h, token_max_ttl: 1h}\n"}});
  std::vector<std::string> vault;
  for (const Diagnostic& d : l.sink.SortedByLocation()) {
    vault.push_back(d.vault_message);
  }
  EXPECT_EQ(vault, (std::vector<std::string>{
                       "can not mix \"*\" with values",
                       "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
                       "must have at least one bound constraint when creating/updating a role",
                       "at least one constraint should be enabled on the role",
                       "at least one bound parameter should be specified on the role",
                       "'token_ttl' cannot be greater than 'token_max_ttl'",
                   }))
      << l.diagnostics;
}

TEST(Bindings, MissingPoliciesWarnAndBuiltinDefaultIsAdded) {
  auto l = Load({{"policies/app.hcl", "path \"a\" { capabilities = [\"read\"] }\n"},
                 {"bindings/a.yaml",
                  "auth:\n  userpass:\n    users:\n      u: {token_policies: [app, Ghost, default, response-wrapping]}\n"}});
  EXPECT_TRUE(l.ws.builtin_default);
  ASSERT_NE(l.ws.FindPolicy("default"), nullptr);
  EXPECT_EQ(l.sink.error_count(), 0u);
  ASSERT_EQ(l.sink.diagnostics().size(), 1u) << l.diagnostics;
  EXPECT_EQ(l.sink.diagnostics()[0].message,
            "auth/userpass role \"u\" names policy \"ghost\", which no file in policies/ defines (Vault ignores it)");
}

TEST(Bindings, WorkspaceDefaultOverridesBuiltin) {
  auto l = Load({{"policies/default.hcl", "path \"mine\" { capabilities = [\"read\"] }\n"}});
  EXPECT_FALSE(l.ws.builtin_default);
  ASSERT_NE(l.ws.FindPolicy("default"), nullptr);
  EXPECT_EQ(l.ws.FindPolicy("default")->rules.size(), 1u);
}

TEST(Bindings, GroupsAndEntitiesAsListOrMap) {
  auto l = Load({{"bindings/a.yaml",
                  "auth: {oidc: {roles: {}}}\n"
                  "identity:\n  entities:\n    alice: {policies: [a], aliases: [{name: a@x, mount: oidc}]}\n"
                  "  groups:\n    - {name: ext, type: external, aliases: [{mount: oidc, name: devs}]}\n"
                  "    - {name: int, member_group_names: [ext], member_entity_ids: [alice]}\n"}});
  EXPECT_FALSE(l.sink.has_errors()) << l.diagnostics;
  ASSERT_EQ(l.ws.bindings.entities.size(), 1u);
  EXPECT_EQ(l.ws.bindings.entities[0].name, "alice");
  ASSERT_EQ(l.ws.bindings.groups.size(), 2u);
  EXPECT_TRUE(l.ws.bindings.groups[0].external);
  EXPECT_EQ(l.ws.bindings.groups[1].member_group_ids, (std::vector<std::string>{"ext"}));
}

TEST(Bindings, InternalGroupWithAliasAndUnknownMemberGroupAreErrors) {
  auto l = Load({{"bindings/a.yaml",
                  "auth: {oidc: {roles: {}}}\n"
                  "identity:\n  groups:\n    - {name: g, aliases: [{mount: oidc, name: devs}], member_group_ids: [nope]}\n"}});
  std::vector<std::string> messages;
  for (const Diagnostic& d : l.sink.SortedByLocation()) {
    messages.push_back(d.message);
  }
  EXPECT_EQ(messages, (std::vector<std::string>{"group \"g\": member group \"nope\" is not defined",
                                                "group \"g\" has an alias but is not `type: external`"}));
}

TEST(Bindings, YamlSyntaxErrorIsADiagnostic) {
  auto l = Load({{"bindings/a.yaml", "auth:\n  kubernetes: [\n"}});
  ASSERT_EQ(l.sink.error_count(), 1u);
  EXPECT_EQ(l.sink.diagnostics()[0].code, "bindings-syntax");
  EXPECT_TRUE(l.ws.has_parse_errors);
}

}  // namespace
}  // namespace polcheck::analysis
