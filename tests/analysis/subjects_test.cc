// Login matching (SEMANTICS.md §9) and policy assembly (§9.0).
#include <gtest/gtest.h>

#include <fstream>

#include "analysis/analysis.h"
#include "tests/analysis/test_workspace.h"

namespace polcheck::analysis {
namespace {

using testing::Load;

std::vector<std::string> Labels(const std::vector<Subject>& subjects) {
  std::vector<std::string> out;
  for (const Subject& s : subjects) {
    out.push_back(s.label);
  }
  return out;
}

std::vector<std::string> Logins(const Workspace& ws, std::string_view spec) {
  Expected<std::vector<Subject>> found = SubjectsForIdentity(ws, spec);
  EXPECT_TRUE(found.has_value()) << (found ? "" : found.error().message);
  return found ? Labels(*found) : std::vector<std::string>{};
}

constexpr const char* kKubernetes =
    "auth:\n  k8s:\n    type: kubernetes\n    roles:\n"
    "      any: {bound_service_account_names: [\"*\"], bound_service_account_namespaces: [\"*\"]}\n"
    "      apps: {bound_service_account_names: [\"app-*\", \"*-worker\"], bound_service_account_namespaces: [prod]}\n"
    "      literal: {bound_service_account_names: [default], bound_service_account_namespaces: [\"team-*\"]}\n";

TEST(KubernetesLogin, GlobsOnNamesAndNamespacesSoleStarMatchesAll) {
  auto l = Load({{"bindings/k.yaml", kKubernetes}});
  EXPECT_EQ(Logins(l.ws, "kubernetes:prod/app-web"),
            (std::vector<std::string>{"auth/k8s/role/any", "auth/k8s/role/apps"}));
  EXPECT_EQ(Logins(l.ws, "kubernetes:prod/batch-worker"),
            (std::vector<std::string>{"auth/k8s/role/any", "auth/k8s/role/apps"}));
  EXPECT_EQ(Logins(l.ws, "kubernetes:dev/app-web"), (std::vector<std::string>{"auth/k8s/role/any"}));
  EXPECT_EQ(Logins(l.ws, "kubernetes:team-a/default"),
            (std::vector<std::string>{"auth/k8s/role/any", "auth/k8s/role/literal"}));
}

TEST(KubernetesLogin, MalformedSpecIsAnError) {
  auto l = Load({{"bindings/k.yaml", kKubernetes}});
  EXPECT_FALSE(SubjectsForIdentity(l.ws, "kubernetes:noslash").has_value());
  EXPECT_FALSE(SubjectsForIdentity(l.ws, "ldap:x").has_value());
  EXPECT_FALSE(SubjectsForIdentity(l.ws, "kubernetes").has_value());
}

TEST(KubernetesLogin, AliasByNameFindsTheEntity) {
  auto l = Load({{"bindings/k.yaml",
                  "auth:\n  kubernetes:\n    roles:\n      r: {bound_service_account_names: [sa], "
                  "bound_service_account_namespaces: [ns], alias_name_source: serviceaccount_name}\n"
                  "      uid: {bound_service_account_names: [sa], bound_service_account_namespaces: [ns]}\n"
                  "identity:\n  entities:\n    - {name: svc, policies: [Svc], aliases: [{name: ns/sa, mount: kubernetes}]}\n"}});
  Expected<std::vector<Subject>> found = SubjectsForIdentity(l.ws, "kubernetes:ns/sa");
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].identity->entity->name, "svc");
  EXPECT_EQ((*found)[0].policies, (std::vector<std::string>{"default", "svc"}));
  // serviceaccount_uid: the alias is named by a UID polcheck cannot know, so
  // Vault's generated entity is used and no identity policy applies.
  EXPECT_NE((*found)[1].identity->entity->name, "svc");
  EXPECT_EQ((*found)[1].policies, (std::vector<std::string>{"default"}));
}

constexpr const char* kAws =
    "auth:\n  aws:\n    roles:\n"
    "      exact: {bound_iam_principal_arn: [\"arn:aws:iam::123:role/path/deployer\"]}\n"
    "      exact-unresolved: {bound_iam_principal_arn: [\"arn:aws:iam::123:role/path/deployer\"], "
    "resolve_aws_unique_ids: false}\n"
    "      no-path-unresolved: {bound_iam_principal_arn: [\"arn:aws:iam::123:role/deployer\"], "
    "resolve_aws_unique_ids: false}\n"
    "      wildcard: {bound_iam_principal_arn: [\"arn:aws:iam::123:role/path/*\"]}\n"
    "      bare-star: {bound_iam_principal_arn: [\"*\"]}\n"
    "      ec2: {auth_type: ec2, bound_ami_id: [ami-1]}\n";

TEST(AwsLogin, ExactWildcardAndUnresolvedArns) {
  auto l = Load({{"bindings/a.yaml", kAws}});
  // A role with a path: resolved ids match; unresolved lists must hold the ARN without the path;
  // wildcards compare against the full ARN with its path; a bare "*" matches nothing (§9.3).
  EXPECT_EQ(Logins(l.ws, "aws:arn:aws:iam::123:role/path/deployer"),
            (std::vector<std::string>{"auth/aws/role/exact", "auth/aws/role/no-path-unresolved",
                                      "auth/aws/role/wildcard"}));
  // An assumed role becomes its role ARN (the path is unknown here, so the wildcard misses).
  EXPECT_EQ(Logins(l.ws, "aws:arn:aws:sts::123:assumed-role/deployer/session-1"),
            (std::vector<std::string>{"auth/aws/role/exact", "auth/aws/role/no-path-unresolved"}));
  EXPECT_EQ(Logins(l.ws, "aws:arn:aws:iam::999:role/path/deployer"), (std::vector<std::string>{}));
  EXPECT_FALSE(SubjectsForIdentity(l.ws, "aws:not-an-arn").has_value());
}

std::string WriteClaims(const std::string& name, const std::string& json) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() / ("polcheck-claims-" + name + ".json");
  std::ofstream(p) << json;
  return p.string();
}

constexpr const char* kJwt =
    "auth:\n  jwt:\n    roles:\n"
    "      aud: {role_type: jwt, user_claim: sub, bound_audiences: [vault, other]}\n"
    "      no-aud: {role_type: jwt, user_claim: sub, bound_subject: alice}\n"
    "      claims: {role_type: jwt, user_claim: sub, bound_audiences: [vault], "
    "bound_claims: {team: [a, b], /nested/env: prod}}\n"
    "      glob: {role_type: jwt, user_claim: sub, bound_audiences: [vault], bound_claims_type: glob, "
    "bound_claims: {ref: \"refs/heads/*\"}}\n"
    "      groups: {role_type: jwt, user_claim: email, bound_audiences: [vault], groups_claim: groups, "
    "token_policies: [base]}\n"
    "identity:\n  groups:\n    - {name: devs, type: external, policies: [dev], aliases: [{mount: jwt, name: developers}]}\n"
    "    - {name: eng, policies: [eng], member_group_names: [devs]}\n"
    "    - {name: all, policies: [all], member_group_names: [eng]}\n";

TEST(JwtLogin, AudienceSubjectAndBoundClaims) {
  auto l = Load({{"bindings/j.yaml", kJwt}});
  const std::string with_aud = WriteClaims(
      "aud", R"({"sub": "alice", "aud": ["x", "vault"], "team": ["c", "b"], "nested": {"env": "prod"},
                 "ref": "refs/heads/main"})");
  // no-aud refuses: "audience claim found in JWT but no audiences bound to the role" (§10 row 105).
  // groups refuses: the groups claim is missing.
  EXPECT_EQ(Logins(l.ws, "jwt:" + with_aud),
            (std::vector<std::string>{"auth/jwt/role/aud", "auth/jwt/role/claims", "auth/jwt/role/glob"}));
  const std::string no_aud = WriteClaims("noaud", R"({"sub": "alice"})");
  EXPECT_EQ(Logins(l.ws, "jwt:" + no_aud), (std::vector<std::string>{"auth/jwt/role/no-aud"}));
  const std::string wrong = WriteClaims("wrong", R"({"sub": "bob", "aud": "vault", "team": "c",
                                                    "nested": {"env": "prod"}, "ref": "refs/tags/v1"})");
  EXPECT_EQ(Logins(l.ws, "jwt:" + wrong), (std::vector<std::string>{"auth/jwt/role/aud"}));
}

// Vault compares bound claims as Go values (claims.go matchFound): the claim true
// matches the bound value true (a YAML plain scalar, as `vault read -format=json`
// prints it) but not "true" (quoted); numbers alike. Mapped claims and groups must
// be strings. Pins our reading of SEMANTICS.md §9.6 "must equal".
TEST(JwtLogin, BoundClaimsCompareTypedValuesAndMappedClaimsMustBeStrings) {
  auto l = Load({{"bindings/j.yaml",
                  "auth:\n  jwt:\n    roles:\n"
                  "      typed: {role_type: jwt, user_claim: sub, bound_claims: {verified: true, level: 2}}\n"
                  "      text: {role_type: jwt, user_claim: sub, bound_claims: {verified: \"true\", level: \"2\"}}\n"
                  "      glob: {role_type: jwt, user_claim: sub, bound_claims_type: glob, bound_claims: {level: \"*\"}}\n"
                  "      mapped: {role_type: jwt, user_claim: sub, bound_subject: a, claim_mappings: {level: lvl}}\n"
                  "      grouped: {role_type: jwt, user_claim: sub, bound_subject: a, groups_claim: groups}\n"}});
  const std::string typed = WriteClaims("typed", R"({"sub": "a", "verified": true, "level": 2.0, "groups": ["x"]})");
  EXPECT_EQ(Logins(l.ws, "jwt:" + typed), (std::vector<std::string>{"auth/jwt/role/typed", "auth/jwt/role/grouped"}));
  const std::string text =
      WriteClaims("text", R"({"sub": "a", "verified": "true", "level": "2", "groups": ["x", 5]})");
  EXPECT_EQ(Logins(l.ws, "jwt:" + text),
            (std::vector<std::string>{"auth/jwt/role/text", "auth/jwt/role/glob", "auth/jwt/role/mapped"}));
  Expected<std::vector<std::string>> why = LoginRefusals(l.ws, "jwt:" + text);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(std::find(why->begin(), why->end(),
                      "auth/jwt/role/grouped: value 5 in groups claim could not be parsed as string"),
            why->end())
      << ::testing::PrintToString(*why);
  Expected<std::vector<std::string>> typed_why = LoginRefusals(l.ws, "jwt:" + typed);
  ASSERT_TRUE(typed_why.has_value());
  EXPECT_NE(std::find(typed_why->begin(), typed_why->end(),
                      "auth/jwt/role/mapped: error converting claim 'level' to string"),
            typed_why->end())
      << ::testing::PrintToString(*typed_why);
}

TEST(JwtLogin, GroupsClaimBecomesExternalGroupsFollowedTransitively) {
  auto l = Load({{"bindings/j.yaml", kJwt}});
  const std::string claims = WriteClaims(
      "groups", R"({"sub": "x", "email": "alice@example.com", "aud": "vault", "groups": ["developers", ""]})");
  Expected<std::vector<Subject>> found = SubjectsForIdentity(l.ws, "jwt:" + claims);
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(Labels(*found), (std::vector<std::string>{"auth/jwt/role/aud", "auth/jwt/role/groups"}));
  const Subject& s = (*found)[1];
  EXPECT_EQ(s.token_policies, (std::vector<std::string>{"base", "default"}));
  EXPECT_EQ(s.identity_policies, (std::vector<std::string>{"all", "dev", "eng"}));
  EXPECT_EQ(s.policies, (std::vector<std::string>{"all", "base", "default", "dev", "eng"}));
  ASSERT_TRUE(s.identity.has_value());
  ASSERT_EQ(s.identity->groups.size(), 3u);
  EXPECT_EQ(s.identity->entity->aliases.at(0).name, "alice@example.com");
  EXPECT_EQ(s.identity->entity->aliases.at(0).metadata.at("role"), "groups");
}

TEST(JwtLogin, MissingClaimsFileIsAnError) {
  auto l = Load({{"bindings/j.yaml", kJwt}});
  Expected<std::vector<Subject>> found = SubjectsForIdentity(l.ws, "jwt:/nonexistent/claims.json");
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, Error::Code::kNotFound);
}

TEST(GroupMembership, CyclesTerminate) {
  auto l = Load({{"bindings/g.yaml",
                  "auth:\n  userpass:\n    users:\n      u: {token_policies: [p]}\n"
                  "identity:\n  entities:\n    - {name: e, aliases: [{name: u, mount: userpass}]}\n"
                  "  groups:\n    - {name: a, policies: [pa], member_entity_ids: [e], member_group_ids: [b]}\n"
                  "    - {name: b, policies: [pb], member_group_ids: [a]}\n"}});
  Expected<std::vector<Subject>> found = SubjectsForIdentity(l.ws, "userpass:U");
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].identity_policies, (std::vector<std::string>{"pa", "pb"}));
}

TEST(GithubLogin, TeamsMatchByNameOrSlugCaseInsensitively) {
  auto l = Load({{"bindings/g.yaml",
                  "auth:\n  github:\n    config: {organization: Acme, token_policies: base}\n"
                  "    map:\n      teams: {dev-team: \"p1,p2\", Ops: p3}\n      users: {Octo: p4}\n"}});
  Expected<std::vector<Subject>> found = SubjectsForIdentity(l.ws, "github:acme/Dev Team,ops@octo");
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].token_policies, (std::vector<std::string>{"base", "default", "p1", "p2", "p3", "p4"}));
  // Another organisation: "user is not part of required org".
  EXPECT_EQ(Logins(l.ws, "github:other/dev-team"), (std::vector<std::string>{}));
}

TEST(RoleSubjects, OneAnswerPerMountAndTokenRoles) {
  auto l = Load({{"bindings/r.yaml",
                  "auth:\n  kubernetes:\n    roles:\n      app: {bound_service_account_names: [a], "
                  "bound_service_account_namespaces: [b], token_policies: [k], token_no_default_policy: true}\n"
                  "  aws:\n    roles:\n      APP: {bound_iam_principal_arn: [\"arn:aws:iam::1:role/x\"], policies: [a]}\n"
                  "token_roles:\n  app: {allowed_policies: [t], disallowed_policies: [default]}\n"
                  "  plain: {allowed_policies: [t]}\n"}});
  std::vector<Subject> all = SubjectsForRole(l.ws, "app", "");
  ASSERT_EQ(Labels(all), (std::vector<std::string>{"auth/kubernetes/role/app", "auth/aws/role/app",
                                                   "auth/token/roles/app"}));
  EXPECT_EQ(all[0].policies, (std::vector<std::string>{"k"}));
  EXPECT_EQ(all[1].policies, (std::vector<std::string>{"a", "default"}));
  EXPECT_EQ(all[2].policies, (std::vector<std::string>{"t"}));  // default disallowed
  EXPECT_EQ(SubjectsForRole(l.ws, "plain", "token")[0].policies, (std::vector<std::string>{"default", "t"}));
  EXPECT_EQ(Labels(SubjectsForRole(l.ws, "app", "aws")), (std::vector<std::string>{"auth/aws/role/app"}));
  EXPECT_TRUE(SubjectsForRole(l.ws, "app", "nope").empty());
}

TEST(RoleSubjects, RootPolicyRefusesTheLogin) {
  auto l = Load({{"bindings/r.yaml", "auth:\n  userpass:\n    users:\n      eve: {token_policies: [app, ROOT]}\n"}});
  std::vector<Subject> s = SubjectsForRole(l.ws, "eve", "");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].login_error, "auth methods cannot create root tokens");
  EXPECT_EQ(SubjectForPolicies({"Root"}).root, true);
}

// ---- issue #5 follow-ups: EC2, inference, alias config, namespace selectors, CIDRs, OIDC ----

constexpr const char* kAwsEc2 =
    "auth:\n  aws:\n    accessor: auth_aws_1\n    config: {iam_alias: IAM_ALIAS, ec2_alias: EC2_ALIAS}\n    roles:\n"
    "      ec2: {auth_type: ec2, bound_ami_id: [ami-1], bound_vpc_id: [vpc-1, vpc-2], bound_region: [eu-west-1],\n"
    "            bound_iam_role_arn: [\"arn:aws:iam::111122223333:role/web/*\"], role_id: ec2-role-id}\n"
    "      inferred: {bound_iam_principal_arn: [\"arn:aws:iam::111122223333:role/web/*\"],\n"
    "                 inferred_entity_type: ec2_instance, inferred_aws_region: eu-west-1, bound_subnet_id: [subnet-1]}\n"
    "      iam: {bound_iam_principal_arn: [\"arn:aws:iam::111122223333:role/web/app\"], role_id: iam-role-id}\n";

std::string AwsBindings(std::string iam_alias, std::string ec2_alias) {
  std::string text = kAwsEc2;
  text.replace(text.find("IAM_ALIAS"), 9, iam_alias);
  text.replace(text.find("EC2_ALIAS"), 9, ec2_alias);
  return text;
}

constexpr const char* kInstance =
    "aws-ec2:instance_id=i-9,region=eu-west-1,ami_id=ami-1,vpc_id=vpc-2,subnet_id=subnet-1,"
    "iam_role_arn=arn:aws:iam::111122223333:role/web/app";

TEST(AwsEc2Login, AnInstanceLogsInThroughEc2InferredAndIamRoles) {
  auto l = Load({{"bindings/a.yaml", AwsBindings("role_id", "role_id")}});
  EXPECT_EQ(l.sink.error_count(), 0u) << l.diagnostics;
  EXPECT_EQ(Logins(l.ws, kInstance), (std::vector<std::string>{"auth/aws/role/ec2", "auth/aws/role/inferred",
                                                               "auth/aws/role/iam"}));
  // Every configured EC2 binding must hold; a missing attribute is not met.
  EXPECT_EQ(Logins(l.ws, "aws-ec2:instance_id=i-9,region=eu-west-1,ami_id=ami-1,vpc_id=vpc-3"),
            (std::vector<std::string>{}));
  EXPECT_EQ(Logins(l.ws, "aws-ec2:instance_id=i-9,region=eu-west-1,ami_id=ami-1,vpc_id=vpc-1"),
            (std::vector<std::string>{}));  // bound_iam_role_arn set, no iam_role_arn given
  // Inference looks the instance up in inferred_aws_region only.
  EXPECT_EQ(Logins(l.ws, "aws-ec2:instance_id=i-9,region=us-east-1,subnet_id=subnet-1,"
                         "iam_role_arn=arn:aws:iam::111122223333:role/web/app"),
            (std::vector<std::string>{"auth/aws/role/iam"}));
  // A plain IAM caller never satisfies an inferred role (no instance attributes).
  EXPECT_EQ(Logins(l.ws, "aws:arn:aws:sts::111122223333:assumed-role/app/i-9"),
            (std::vector<std::string>{"auth/aws/role/iam"}));
}

TEST(AwsEc2Login, AliasNameFollowsIamAliasAndEc2Alias) {
  auto alias_of = [](const Workspace& ws, std::string_view spec, std::string_view label) {
    Expected<std::vector<Subject>> found = SubjectsForIdentity(ws, spec);
    EXPECT_TRUE(found.has_value());
    for (const Subject& s : *found) {
      if (s.label == label && s.identity && s.identity->entity) {
        for (const evaluator::Alias& a : s.identity->entity->aliases) {
          if (a.mount_accessor == "auth_aws_1") {
            return a.name;
          }
        }
      }
    }
    return std::string("(none)");
  };
  auto by_role = Load({{"bindings/a.yaml", AwsBindings("role_id", "role_id")}});
  EXPECT_EQ(alias_of(by_role.ws, kInstance, "auth/aws/role/ec2"), "ec2-role-id");
  EXPECT_EQ(alias_of(by_role.ws, kInstance, "auth/aws/role/iam"), "iam-role-id");
  auto by_id = Load({{"bindings/a.yaml", AwsBindings("full_arn", "instance_id")}});
  EXPECT_EQ(alias_of(by_id.ws, kInstance, "auth/aws/role/ec2"), "i-9");
  EXPECT_EQ(alias_of(by_id.ws, kInstance, "auth/aws/role/iam"),
            "arn:aws:sts::111122223333:assumed-role/app/i-9");
  auto canonical = Load({{"bindings/a.yaml", AwsBindings("canonical_arn", "image_id")}});
  EXPECT_EQ(alias_of(canonical.ws, kInstance, "auth/aws/role/ec2"), "ami-1");
  EXPECT_EQ(alias_of(canonical.ws, kInstance, "auth/aws/role/iam"), "arn:aws:iam::111122223333:role/app");
  // Alias metadata: account_id and auth_type unless iam_metadata / ec2_metadata say otherwise.
  auto metadata_of = [](const Workspace& ws, std::string_view label) {
    Expected<std::vector<Subject>> found = SubjectsForIdentity(ws, kInstance);
    for (const Subject& s : *found) {
      if (s.label == label) {
        for (const evaluator::Alias& a : s.identity->entity->aliases) {
          if (a.mount_accessor == "auth_aws_1") {
            return a.metadata;
          }
        }
      }
    }
    return evaluator::StringMap{};
  };
  EXPECT_EQ(metadata_of(by_id.ws, "auth/aws/role/iam"),
            (evaluator::StringMap{{"account_id", "111122223333"}, {"auth_type", "iam"}}));
  EXPECT_EQ(metadata_of(by_id.ws, "auth/aws/role/ec2"),
            (evaluator::StringMap{{"account_id", "111122223333"}, {"auth_type", "ec2"}}));
  std::string with_metadata = AwsBindings("role_id", "role_id");
  with_metadata.replace(with_metadata.find("ec2_alias: role_id}"), 19,
                        "ec2_alias: role_id, ec2_metadata: [default, ami_id], iam_metadata: [client_arn]}");
  auto configured = Load({{"bindings/a.yaml", with_metadata}});
  EXPECT_EQ(metadata_of(configured.ws, "auth/aws/role/iam"),
            (evaluator::StringMap{{"client_arn", "arn:aws:sts::111122223333:assumed-role/app/i-9"}}));
  EXPECT_EQ(metadata_of(configured.ws, "auth/aws/role/ec2"),
            (evaluator::StringMap{{"account_id", "111122223333"}, {"ami_id", "ami-1"}, {"auth_type", "ec2"}}));
  // unique_id is AWS's, which polcheck cannot know: no alias, and the chain says why.
  auto unique = Load({{"bindings/a.yaml", AwsBindings("unique_id", "role_id")}});
  EXPECT_EQ(alias_of(unique.ws, kInstance, "auth/aws/role/iam"), "(none)");
}

TEST(AwsEc2Login, MalformedSpecsAreErrors) {
  auto l = Load({{"bindings/a.yaml", AwsBindings("role_id", "role_id")}});
  for (const char* spec : {"aws-ec2:region=eu-west-1", "aws-ec2:instance_id=i-1,colour=red", "aws-ec2:i-1",
                           "aws-ec2:instance_id=i-1,iam_role_arn=arn:aws:iam::1:user/bob"}) {
    EXPECT_FALSE(SubjectsForIdentity(l.ws, spec).has_value()) << spec;
  }
}

TEST(KubernetesLogin, NamespaceSelectorIsOredWithTheListAndSeesNamespaceLabels) {
  auto l = Load({{"bindings/k.yaml",
                  "auth:\n  kubernetes:\n    roles:\n"
                  "      sel: {bound_service_account_names: [app], bound_service_account_namespaces: [legacy],\n"
                  "            bound_service_account_namespace_selector: '{\"matchLabels\": {\"team\": \"a\"}}'}\n"
                  "      by-name: {bound_service_account_names: [app], bound_service_account_namespace_selector: "
                  "'{\"matchLabels\": {\"kubernetes.io/metadata.name\": \"shop\"}}'}\n"}});
  EXPECT_EQ(l.sink.error_count(), 0u) << l.diagnostics;
  EXPECT_EQ(Logins(l.ws, "kubernetes:legacy/app"), (std::vector<std::string>{"auth/kubernetes/role/sel"}));
  EXPECT_EQ(Logins(l.ws, "kubernetes:x/app,team=a"), (std::vector<std::string>{"auth/kubernetes/role/sel"}));
  EXPECT_EQ(Logins(l.ws, "kubernetes:x/app,team=b"), (std::vector<std::string>{}));
  // Kubernetes labels every namespace with its name.
  EXPECT_EQ(Logins(l.ws, "kubernetes:shop/app"), (std::vector<std::string>{"auth/kubernetes/role/by-name"}));
  EXPECT_FALSE(SubjectsForIdentity(l.ws, "kubernetes:shop/app,team").has_value());
  EXPECT_FALSE(SubjectsForIdentity(l.ws, "kubernetes:shop/app@").has_value());
}

TEST(KubernetesLogin, UidInTheSpecNamesTheAliasUnderServiceaccountUid) {
  auto l = Load({{"bindings/k.yaml",
                  "auth:\n  kubernetes:\n    roles:\n"
                  "      uid: {bound_service_account_names: [sa], bound_service_account_namespaces: [ns]}\n"
                  "identity:\n  entities:\n    - {name: svc, policies: [Svc], aliases: [{name: 1234-abcd, mount: kubernetes}]}\n"}});
  Expected<std::vector<Subject>> with_uid = SubjectsForIdentity(l.ws, "kubernetes:ns/sa@1234-abcd");
  ASSERT_TRUE(with_uid.has_value());
  ASSERT_EQ(with_uid->size(), 1u);
  EXPECT_EQ(with_uid->front().identity->entity->name, "svc");
  EXPECT_EQ(with_uid->front().identity_policies, (std::vector<std::string>{"svc"}));
  Expected<std::vector<Subject>> without = SubjectsForIdentity(l.ws, "kubernetes:ns/sa");
  ASSERT_TRUE(without.has_value());
  EXPECT_TRUE(without->front().identity_policies.empty());
}

TEST(SourceIp, CidrBindingsRefuseLoginsFromOutsideWithTheReason) {
  auto l = Load({{"bindings/c.yaml",
                  "auth:\n  approle:\n    roles:\n"
                  "      ci: {secret_id_bound_cidrs: [10.0.0.0/8], token_bound_cidrs: [10.1.0.0/16], token_policies: [p]}\n"
                  "      legacy: {bound_cidr_list: [\"192.0.2.0/24\"], bind_secret_id: false}\n"
                  "  jwt:\n    roles:\n"
                  "      j: {role_type: jwt, user_claim: sub, bound_cidrs: [\"2001:db8::/32\"]}\n"
                  "token_roles:\n  t: {allowed_policies: [p], token_bound_cidrs: [10.9.0.0/16]}\n"}});
  auto refusal = [&](std::string_view role, const char* ip) {
    LoginContext context{.source_ip = ParseIp(ip)};
    std::vector<Subject> found = SubjectsForRole(l.ws, role, "", context);
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? std::string("(none)") : found.front().login_error;
  };
  EXPECT_EQ(refusal("ci", "10.1.2.3"), "");
  EXPECT_EQ(refusal("ci", "10.2.0.1"),
            "source address 10.2.0.1 is outside token_bound_cidrs [\"10.1.0.0/16\"]: permission denied");
  EXPECT_EQ(refusal("ci", "172.16.0.1"),
            "source address \"172.16.0.1\" unauthorized through CIDR restrictions on the role "
            "(secret_id_bound_cidrs [\"10.0.0.0/8\"])");
  EXPECT_EQ(refusal("legacy", "192.0.2.9"), "");
  EXPECT_NE(refusal("legacy", "192.0.3.9").find("bound_cidr_list"), std::string::npos);
  EXPECT_EQ(refusal("j", "2001:db8::1"), "");
  EXPECT_NE(refusal("j", "10.0.0.1").find("outside bound_cidrs"), std::string::npos);
  EXPECT_EQ(refusal("t", "10.9.0.1"), "");
  EXPECT_NE(refusal("t", "10.8.0.1").find("token_bound_cidrs"), std::string::npos);
  // Without a source address nothing is refused.
  EXPECT_EQ(SubjectsForRole(l.ws, "ci", "", LoginContext{}).front().login_error, "");
  // who-can's subjects carry the same refusals.
  std::size_t refused = 0;
  for (const Subject& s : AllSubjects(l.ws, LoginContext{.source_ip = ParseIp("203.0.113.1")})) {
    refused += s.login_error.empty() ? 0 : 1;
  }
  EXPECT_EQ(refused, 4u);
}

TEST(OidcLogin, TheIdTokenMustBeForTheMountsClientId) {
  const std::string bindings =
      "auth:\n  oidc:\n    type: oidc\n    config: {oidc_discovery_url: \"https://idp\", oidc_client_id: vault}\n"
      "    roles:\n      people: {user_claim: sub, allowed_redirect_uris: [\"https://v/cb\"]}\n"
      "      aud: {user_claim: sub, allowed_redirect_uris: [\"https://v/cb\"], bound_audiences: [other]}\n";
  auto l = Load({{"bindings/o.yaml", bindings},
                 {"for-vault.json", R"({"sub": "a", "aud": "vault"})"},
                 {"for-other.json", R"({"sub": "a", "aud": "other"})"},
                 {"azp.json", R"({"sub": "a", "aud": ["other", "vault"], "azp": "vault"})"},
                 {"bad-azp.json", R"({"sub": "a", "aud": "vault", "azp": "x"})"}});
  const std::string dir = l.ws.directory.string() + "/";
  // aud == client id: roles without bound_audiences accept it; "aud" needs "other".
  EXPECT_EQ(Logins(l.ws, "jwt:" + dir + "for-vault.json"), (std::vector<std::string>{"auth/oidc/role/people"}));
  // One audience that is not the client id, no azp: refused by both.
  EXPECT_EQ(Logins(l.ws, "jwt:" + dir + "for-other.json"), (std::vector<std::string>{}));
  // Several audiences with azp = client id: bound_audiences "other" matches.
  EXPECT_EQ(Logins(l.ws, "jwt:" + dir + "azp.json"),
            (std::vector<std::string>{"auth/oidc/role/people", "auth/oidc/role/aud"}));
  EXPECT_EQ(Logins(l.ws, "jwt:" + dir + "bad-azp.json"), (std::vector<std::string>{}));
  // A config without oidc_client_id: OIDC login is not configured.
  auto unconfigured = Load({{"bindings/o.yaml", "auth:\n  oidc:\n    type: oidc\n    config: {bound_issuer: x}\n"
                                                "    roles:\n      people: {user_claim: sub, allowed_redirect_uris: "
                                                "[\"https://v/cb\"]}\n"},
                            {"for-vault.json", R"({"sub": "a", "aud": "vault"})"}});
  EXPECT_EQ(Logins(unconfigured.ws, "jwt:" + unconfigured.ws.directory.string() + "/for-vault.json"),
            (std::vector<std::string>{}));
  EXPECT_NE(unconfigured.diagnostics.find("warning: role \"people\" is an oidc role but auth/oidc/config has no "
                                          "oidc_client_id: its logins fail [bindings]"),
            std::string::npos)
      << unconfigured.diagnostics;
}

TEST(GroupPolicyApplication, WithinNamespaceHierarchyDropsPoliciesOfGroupsOutsideTheEntitysNamespace) {
  const std::string groups =
      "  groups:\n"
      "    - {name: root-ops, policies: [root-ops], member_entity_names: [bob]}\n"
      "    - {name: team-a-devs, namespace: team-a/, policies: [team-a-dev], member_entity_names: [bob]}\n"
      "    - {name: team-a-dev-env, namespace: team-a/dev, policies: [dev-env], member_entity_names: [bob]}\n";
  const std::string entities =
      "identity:\n  entities:\n    - {name: bob, namespace: team-a, aliases: [{name: bob, mount: userpass}]}\n";
  const std::string mount = "auth:\n  userpass:\n    namespace: team-a\n    users:\n      bob: {token_policies: [app]}\n";
  auto policies_of = [](const Workspace& ws) {
    Expected<std::vector<Subject>> found = SubjectsForIdentity(ws, "userpass:bob");
    EXPECT_TRUE(found.has_value());
    return found && found->size() == 1 ? found->front().identity_policies : std::vector<std::string>{"(none)"};
  };
  // Default mode: bob (namespace team-a) gets the root and team-a groups' policies, not team-a/dev's.
  auto hierarchy = Load({{"bindings/b.yaml", mount + entities + groups}});
  EXPECT_EQ(hierarchy.sink.error_count(), 0u) << hierarchy.diagnostics;
  EXPECT_EQ(policies_of(hierarchy.ws), (std::vector<std::string>{"root-ops", "team-a-dev"}));
  // `any`: every group's policies apply.
  auto any = Load({{"bindings/b.yaml", mount + entities + groups +
                                           "group_policy_application:\n  group_policy_application_mode: any\n"}});
  EXPECT_EQ(any.sink.error_count(), 0u) << any.diagnostics;
  EXPECT_EQ(policies_of(any.ws), (std::vector<std::string>{"dev-env", "root-ops", "team-a-dev"}));
  // A mode Vault does not know is an error.
  auto bad = Load({{"bindings/b.yaml", mount + "group_policy_application: {group_policy_application_mode: all}\n"}});
  EXPECT_NE(bad.diagnostics.find("group_policy_application_mode \"all\" is not within_namespace_hierarchy or any"),
            std::string::npos)
      << bad.diagnostics;
}

TEST(GroupPolicyApplication, AFirstLoginsEntityLivesInTheMountsNamespace) {
  auto l = Load({{"bindings/b.yaml",
                  "auth:\n  jwt:\n    namespace: team-b\n    roles:\n"
                  "      r: {role_type: jwt, user_claim: sub, bound_subject: s, groups_claim: groups}\n"
                  "identity:\n  groups:\n"
                  "    - {name: ext-root, type: external, policies: [p-root], aliases: [{name: g, mount: jwt}]}\n"
                  "    - {name: ext-b, type: external, namespace: team-b, policies: [p-b], aliases: [{name: g, mount: jwt}]}\n"},
                 {"claims.json", R"({"sub": "s", "groups": ["g"]})"}});
  Expected<std::vector<Subject>> found =
      SubjectsForIdentity(l.ws, "jwt:" + l.ws.directory.string() + "/claims.json");
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().identity_policies, (std::vector<std::string>{"p-b", "p-root"}));
  // identity.groups.names.* resolves only groups of the policy's (root) namespace.
  ASSERT_EQ(found->front().identity->groups.size(), 2u);
  EXPECT_EQ(found->front().identity->groups[1].namespace_path, "team-b/");
}

TEST(LoginRefusals, EachRoleSaysWhyInVaultsWords) {
  auto l = Load({{"bindings/a.yaml", AwsBindings("role_id", "role_id")},
                 {"bindings/k.yaml", kKubernetes},
                 {"bindings/u.yaml", "auth:\n  userpass:\n    users:\n      alice: {token_policies: [a]}\n"}});
  Expected<std::vector<std::string>> aws =
      LoginRefusals(l.ws, "aws-ec2:instance_id=i-9,region=eu-west-1,ami_id=ami-7,vpc_id=vpc-1");
  ASSERT_TRUE(aws.has_value());
  EXPECT_EQ(*aws, (std::vector<std::string>{
                      "auth/aws/role/ec2: Error validating instance: AMI ID \"ami-7\" does not belong to role \"ec2\"",
                      "auth/aws/role/inferred: auth_type iam needs IAM credentials; give the instance's iam_role_arn",
                      "auth/aws/role/iam: auth_type iam needs IAM credentials; give the instance's iam_role_arn"}));
  Expected<std::vector<std::string>> iam = LoginRefusals(l.ws, "aws:arn:aws:iam::111122223333:user/bob");
  ASSERT_TRUE(iam.has_value());
  EXPECT_NE(std::find(iam->begin(), iam->end(),
                      "auth/aws/role/iam: IAM Principal \"arn:aws:iam::111122223333:user/bob\" does not belong to the "
                      "role \"iam\""),
            iam->end());
  Expected<std::vector<std::string>> k8s = LoginRefusals(l.ws, "kubernetes:dev/app-web");
  ASSERT_TRUE(k8s.has_value());
  EXPECT_EQ(*k8s, (std::vector<std::string>{
                      "auth/k8s/role/apps: namespace not authorized (bound_service_account_namespaces [\"prod\"])",
                      "auth/k8s/role/literal: service account name not authorized (bound_service_account_names "
                      "[\"default\"])"}));
  Expected<std::vector<std::string>> user = LoginRefusals(l.ws, "userpass:bob");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(*user, (std::vector<std::string>{"auth/userpass: no user \"bob\" (invalid username or password)"}));
  EXPECT_FALSE(LoginRefusals(l.ws, "kubernetes:noslash").has_value());
}

}  // namespace
}  // namespace polcheck::analysis
