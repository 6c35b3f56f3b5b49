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

// ---- issue #5 follow-ups: CIDRs, selectors, AWS EC2 rules, duplicates, config ----

TEST(Cidr, ParsesV4V6BlocksAndSingleAddresses) {
  std::optional<Cidr> block = ParseCidr("10.20.0.0/16");
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->prefix, 16u);
  EXPECT_TRUE(CidrContains(*block, *ParseIp("10.20.255.1")));
  EXPECT_FALSE(CidrContains(*block, *ParseIp("10.21.0.1")));
  // Host bits set are masked like Vault's sockaddr does.
  EXPECT_TRUE(CidrContains(*ParseCidr("10.1.2.3/8"), *ParseIp("10.200.0.1")));
  // A bare address is a /32 (or /128).
  EXPECT_TRUE(CidrContains(*ParseCidr("192.0.2.7"), *ParseIp("192.0.2.7")));
  EXPECT_FALSE(CidrContains(*ParseCidr("192.0.2.7"), *ParseIp("192.0.2.8")));
  EXPECT_TRUE(CidrContains(*ParseCidr("2001:db8::/32"), *ParseIp("2001:db8:1::5")));
  EXPECT_FALSE(CidrContains(*ParseCidr("2001:db8::/32"), *ParseIp("2001:db9::5")));
  // Families never mix; /0 contains every address of its family.
  EXPECT_FALSE(CidrContains(*ParseCidr("::/0"), *ParseIp("10.0.0.1")));
  EXPECT_TRUE(CidrContains(*ParseCidr("0.0.0.0/0"), *ParseIp("10.0.0.1")));
  // A prefix that is not a multiple of 8.
  EXPECT_TRUE(CidrContains(*ParseCidr("10.0.0.0/12"), *ParseIp("10.15.255.255")));
  EXPECT_FALSE(CidrContains(*ParseCidr("10.0.0.0/12"), *ParseIp("10.16.0.0")));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.256/8", "10.0.0.0/", "10.0.0.0/x", "::/129", "host", ""}) {
    EXPECT_FALSE(ParseCidr(bad).has_value()) << bad;
  }
}

TEST(LabelSelector, MatchLabelsAndEveryOperator) {
  ParsedSelector p = ParseLabelSelector(
      R"({"matchLabels": {"team": "a"}, "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]},
          {"key": "tier", "operator": "NotIn", "values": ["batch"]}, {"key": "owner", "operator": "Exists"},
          {"key": "legacy", "operator": "DoesNotExist"}]})");
  ASSERT_TRUE(p.selector.has_value()) << p.error;
  std::map<std::string, std::string> labels = {{"team", "a"}, {"env", "prod"}, {"owner", "x"}};
  EXPECT_TRUE(p.selector->Matches(labels));
  labels["tier"] = "web";  // NotIn: present but not listed
  EXPECT_TRUE(p.selector->Matches(labels));
  labels["tier"] = "batch";
  EXPECT_FALSE(p.selector->Matches(labels));
  labels.erase("tier");
  labels["legacy"] = "";
  EXPECT_FALSE(p.selector->Matches(labels));
  labels.erase("legacy");
  labels.erase("owner");
  EXPECT_FALSE(p.selector->Matches(labels));
  // YAML works as well as JSON; the empty selector matches everything.
  ParsedSelector yaml = ParseLabelSelector("matchLabels:\n  team: b\n");
  ASSERT_TRUE(yaml.selector.has_value());
  EXPECT_FALSE(yaml.selector->Matches({{"team", "a"}}));
  EXPECT_TRUE(ParseLabelSelector("{}").selector->Matches({}));
}

TEST(LabelSelector, RefusesWhatKubernetesRefuses) {
  EXPECT_EQ(ParseLabelSelector(R"({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]})").error,
            "unknown operator \"Equals\" (expected In, NotIn, Exists or DoesNotExist)");
  EXPECT_EQ(ParseLabelSelector(R"({"matchExpressions": [{"key": "a", "operator": "In"}]})").error,
            "operator In on \"a\" needs values");
  EXPECT_EQ(ParseLabelSelector(R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})").error,
            "operator Exists on \"a\" takes no values");
  // The plugin's decoder drops unknown keys: a misspelt matchLabels selects everything.
  ParsedSelector typo = ParseLabelSelector(R"({"matchLabel": {"a": "b"}})");
  ASSERT_TRUE(typo.selector.has_value());
  EXPECT_EQ(typo.ignored, (std::vector<std::string>{"matchLabel"}));
  EXPECT_TRUE(typo.selector->Matches({}));
  EXPECT_FALSE(typo.match_expressions);
  EXPECT_TRUE(ParseLabelSelector(R"({"matchExpressions": []})").match_expressions);
  EXPECT_FALSE(ParseLabelSelector(R"({"matchExpressions": null})").match_expressions);
  EXPECT_FALSE(ParseLabelSelector("{").selector.has_value());
}

TEST(KubernetesRole, SelectorIsValidatedAndMayBeWrittenInline) {
  auto l = Load({{"bindings/k.yaml",
                  "auth:\n  kubernetes:\n    roles:\n"
                  "      ok:\n        bound_service_account_names: [a]\n"
                  "        bound_service_account_namespace_selector:\n          matchLabels: {team: a}\n"
                  "      bad:\n        bound_service_account_names: [a]\n"
                  "        bound_service_account_namespace_selector: '{\"matchLabels\": [1]}'\n"
                  "      expressions:\n        bound_service_account_names: [a]\n"
                  "        bound_service_account_namespace_selector: '{\"matchExpressions\": [{\"key\": \"t\", "
                  "\"operator\": \"Exists\"}]}'\n"
                  "      typo:\n        bound_service_account_names: [a]\n"
                  "        bound_service_account_namespace_selector: '{\"matchLabel\": {\"team\": \"a\"}}'\n"}});
  EXPECT_NE(l.diagnostics.find("bindings/k.yaml:10:51: error: role \"bad\": bound_service_account_namespace_selector: "
                               "matchLabels must map label names to values [bindings]"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("= vault: invalid \"bound_service_account_namespace_selector\" configured"),
            std::string::npos);
  const Role& ok = l.ws.bindings.mounts.front().roles.front();
  ASSERT_TRUE(ParseLabelSelector(ok.fields.String("bound_service_account_namespace_selector")).selector.has_value());
  EXPECT_TRUE(ParseLabelSelector(ok.fields.String("bound_service_account_namespace_selector"))
                  .selector->Matches({{"team", "a"}}));
  EXPECT_NE(l.diagnostics.find("error: role \"expressions\": bound_service_account_namespace_selector: label selector "
                               "match expressions are not supported (use matchLabels) [bindings]"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("warning: role \"typo\": bound_service_account_namespace_selector: Vault ignores "
                               "\"matchLabel\""),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("warning: role \"typo\": bound_service_account_namespace_selector selects nothing in "
                               "particular: every namespace matches"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_EQ(l.sink.error_count(), 2u) << l.diagnostics;
}

TEST(CidrBindings, MalformedEntriesAreErrorsOnEveryMethodAndTokenRoles) {
  auto l = Load({{"bindings/c.yaml",
                  "auth:\n  approle:\n    roles:\n      r:\n        secret_id_bound_cidrs: [10.0.0.0/40]\n"
                  "        token_bound_cidrs: [10.0.0.0/8]\n"
                  "  userpass:\n    users:\n      u: {token_bound_cidrs: [\"not-an-ip\"]}\n"
                  "token_roles:\n  t: {token_bound_cidrs: [\"::1/200\"]}\n"}});
  EXPECT_NE(l.diagnostics.find("bindings/c.yaml:5:32: error: secret_id_bound_cidrs: \"10.0.0.0/40\" is not an IP "
                               "address or CIDR block (e.g. 10.0.0.0/8, 192.0.2.7) [bindings]"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("token_bound_cidrs: \"not-an-ip\" is not an IP address"), std::string::npos);
  EXPECT_NE(l.diagnostics.find("token_bound_cidrs: \"::1/200\" is not an IP address"), std::string::npos);
  EXPECT_EQ(l.sink.error_count(), 3u) << l.diagnostics;
}

TEST(AwsRole, Ec2BindingsNeedEc2AuthOrInference) {
  auto l = Load({{"bindings/a.yaml",
                  "auth:\n  aws:\n    roles:\n"
                  "      iam-with-vpc: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], bound_vpc_id: [vpc-1]}\n"
                  "      ec2-with-principal: {auth_type: ec2, bound_ami_id: [ami-1], "
                  "bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"]}\n"
                  "      inferred-no-region: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], "
                  "inferred_entity_type: ec2_instance, bound_vpc_id: [vpc-1]}\n"
                  "      region-only: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], inferred_aws_region: eu-west-1}\n"
                  "      bad-inference: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], "
                  "inferred_entity_type: lambda, inferred_aws_region: eu-west-1}\n"
                  "      ec2-on-iam: {auth_type: iam, bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], "
                  "disallow_reauthentication: true}\n"
                  "      ok-ec2: {auth_type: ec2, bound_ami_id: [ami-1], allow_instance_migration: true}\n"
                  "      ok-inferred: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], "
                  "inferred_entity_type: ec2_instance, inferred_aws_region: eu-west-1, bound_vpc_id: [vpc-1]}\n"
                  "      nothing: {auth_type: ec2}\n"
                  "      region-inferred: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], "
                  "inferred_entity_type: ec2_instance, inferred_aws_region: eu-west-1, bound_region: [eu-west-1]}\n"
                  "      both: {auth_type: ec2, bound_ami_id: [ami-1], allow_instance_migration: true, "
                  "disallow_reauthentication: true}\n"}});
  for (const char* vault :
       {"specified bound_vpc_id but not specifying ec2 auth_type or inferring ec2_instance",
        "specified bound_iam_principal_arn but not specifying iam auth_type",
        "specified inferred_entity_type but not inferred_aws_region",
        "specified inferred_aws_region but not inferred_entity_type",
        "specified invalid inferred_entity_type: lambda", "specified disallow_reauthentication when not using ec2 auth type",
        "at least one bound parameter should be specified on the role",
        "specified bound_region but not specifying ec2 auth_type",
        "cannot specify both disallow_reauthentication=true and allow_instance_migration=true"}) {
    EXPECT_NE(l.diagnostics.find(std::string("= vault: ") + vault), std::string::npos) << vault << "\n"
                                                                                        << l.diagnostics;
  }
  EXPECT_EQ(l.diagnostics.find("\"ok-ec2\""), std::string::npos) << l.diagnostics;
  EXPECT_EQ(l.diagnostics.find("\"ok-inferred\""), std::string::npos) << l.diagnostics;
  EXPECT_EQ(l.sink.error_count(), 9u) << l.diagnostics;
}

TEST(AwsConfig, IamAliasAndEc2AliasTakeVaultsValues) {
  auto l = Load({{"bindings/a.yaml",
                  "auth:\n  aws:\n    config: {iam_alias: arn, ec2_alias: instance_id}\n    roles:\n"
                  "      r: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"]}\n"}});
  EXPECT_NE(l.diagnostics.find("bindings/a.yaml:3:25: error: iam_alias \"arn\" is not one of: role_id unique_id "
                               "full_arn canonical_arn [bindings]"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_EQ(l.sink.error_count(), 1u);
}

TEST(Duplicates, SameRoleInTwoFilesIsAnErrorNamingBothAndTheFirstIsKept) {
  auto l = Load({{"bindings/a.yaml",
                  "auth:\n  kubernetes:\n    roles:\n      r: {bound_service_account_names: [a], "
                  "bound_service_account_namespaces: [a], token_policies: [first]}\n"
                  "token_roles:\n  t: {allowed_policies: [first]}\n"
                  "identity:\n  entities:\n    - {name: e, policies: [first]}\n  groups:\n    - {name: g, policies: [first]}\n"},
                 {"bindings/b.yaml",
                  "auth:\n  kubernetes:\n    roles:\n      r: {bound_service_account_names: [b], "
                  "bound_service_account_namespaces: [b], token_policies: [second]}\n"
                  "token_roles:\n  t: {allowed_policies: [second]}\n"
                  "identity:\n  entities:\n    - {name: e, policies: [second]}\n  groups:\n    - {name: g, policies: [second]}\n"}});
  EXPECT_NE(l.diagnostics.find("bindings/b.yaml:4:7: error: role \"r\" of auth/kubernetes is defined twice; Vault "
                               "stores one object per path, polcheck keeps the first definition [duplicate-binding]\n"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("bindings/a.yaml:4:7: note: first defined here"), std::string::npos) << l.diagnostics;
  for (const char* what : {"token role \"t\" is defined twice", "entity \"e\" is defined twice",
                           "group \"g\" is defined twice"}) {
    EXPECT_NE(l.diagnostics.find(what), std::string::npos) << what;
  }
  EXPECT_EQ(l.sink.error_count(), 4u) << l.diagnostics;
  ASSERT_EQ(l.ws.bindings.mounts.size(), 1u);
  ASSERT_EQ(l.ws.bindings.mounts.front().roles.size(), 1u);
  EXPECT_EQ(l.ws.bindings.mounts.front().roles.front().fields.List("token_policies"),
            (std::vector<std::string>{"first"}));
  ASSERT_EQ(l.ws.bindings.token_roles.size(), 1u);
  EXPECT_EQ(l.ws.bindings.token_roles.front().fields.List("allowed_policies"), (std::vector<std::string>{"first"}));
  ASSERT_EQ(l.ws.bindings.entities.size(), 1u);
  EXPECT_EQ(l.ws.bindings.entities.front().policies, (std::vector<std::string>{"first"}));
  ASSERT_EQ(l.ws.bindings.groups.size(), 1u);
  EXPECT_EQ(l.ws.bindings.groups.front().policies, (std::vector<std::string>{"first"}));
  EXPECT_TRUE(l.ws.has_parse_errors);
}

TEST(Duplicates, GithubTeamMappedTwiceCaseInsensitively) {
  auto l = Load({{"bindings/g.yaml", "auth:\n  github:\n    config: {organization: acme}\n"
                                     "    map:\n      teams:\n        Ops: first\n        ops: second\n"}});
  EXPECT_NE(l.diagnostics.find("bindings/g.yaml:7:9: error: auth/github/map/teams/ops is defined twice"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_EQ(l.ws.bindings.mounts.front().github.teams.at("ops"), (std::vector<std::string>{"first"}));
}

TEST(WorkspaceErrors, PolcheckYamlIsConfigurationBindingsAreInput) {
  auto config = Load({{"polcheck.yaml", "dialect: vault\nmounts: {secret/: {type: kv, version: 2}\n"},
                      {"bindings/b.yaml", "auth:\n  approle:\n    roles:\n      r: {token_policies: [a]}\n"}});
  EXPECT_TRUE(config.ws.has_config_errors);
  EXPECT_FALSE(config.ws.has_parse_errors) << config.diagnostics;
  auto unknown = Load({{"polcheck.yaml", "dialekt: vault\n"},
                       {"bindings/b.yaml", "auth:\n  approle:\n    roles:\n      r: {token_policies: [a]}\n"}});
  EXPECT_TRUE(unknown.ws.has_config_errors);
  EXPECT_FALSE(unknown.ws.has_parse_errors);
  auto syntax = Load({{"bindings/b.yaml", "auth: [\n"}});
  EXPECT_FALSE(syntax.ws.has_config_errors);
  EXPECT_TRUE(syntax.ws.has_parse_errors);
  auto structure = Load({{"bindings/b.yaml", "auth:\n  approle:\n    roles:\n      r: {token_policy: [a]}\n"}});
  EXPECT_FALSE(structure.ws.has_config_errors);
  EXPECT_TRUE(structure.ws.has_parse_errors);
}

}  // namespace
}  // namespace polcheck::analysis
