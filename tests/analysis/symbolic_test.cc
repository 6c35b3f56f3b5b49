// Templated policies for roles without a concrete login: open placeholders,
// conditional grants in simulate / who-can / matrix (analysis/symbolic.cc).
#include "analysis/symbolic.h"

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "tests/analysis/test_workspace.h"

namespace polcheck::analysis {
namespace {

using evaluator::Operation;
using testing::Load;

constexpr const char* kNsSelector = "identity.entity.aliases.auth_k8s.metadata.service_account_namespace";
constexpr const char* kUuid = "0d9f4b1e-7c2a-4e5b-9a61-3f8e2d1c0b7a";

const char* const kBindings = R"(auth:
  kubernetes:
    type: kubernetes
    accessor: auth_k8s
    roles:
      single: {bound_service_account_names: [app], bound_service_account_namespaces: [team-a], token_policies: [ns]}
      multi: {bound_service_account_names: [app], bound_service_account_namespaces: [team-a, "team-b*"], token_policies: [ns, home]}
      by-name: {bound_service_account_names: [app], bound_service_account_namespaces: [team-a], alias_name_source: serviceaccount_name, token_policies: [named]}
  jwt:
    type: jwt
    accessor: auth_jwt
    roles:
      pinned: {role_type: jwt, user_claim: sub, bound_subject: "repo-x", claim_mappings: {repo: repo}, token_policies: [ci]}
      open: {role_type: jwt, user_claim: sub, bound_audiences: [a], bound_claims: {repo: [one, two]}, claim_mappings: {repo: repo}, token_policies: [ci]}
  approle:
    type: approle
    accessor: auth_approle
    roles:
      svc: {token_policies: [app]}
)";

std::map<std::string, std::string> Files() {
  return {
      {"bindings/all.yaml", kBindings},
      {"policies/ns.hcl",
       "path \"secret/data/{{identity.entity.aliases.auth_k8s.metadata.service_account_namespace}}/*\" {\n"
       "  capabilities = [\"read\"]\n}\n"
       "path \"secret/data/{{identity.entity.aliases.auth_k8s.metadata.service_account_namespace}}/admin\" "
       "{\n"
       "  capabilities = [\"deny\"]\n}\n"},
      {"policies/home.hcl",
       "path \"secret/data/users/{{identity.entity.name}}/*\" { capabilities = [\"read\", \"update\"] }\n"},
      {"policies/named.hcl",
       "path \"secret/data/by/{{identity.entity.aliases.auth_k8s.name}}\" { capabilities = [\"read\"] }\n"},
      {"policies/ci.hcl",
       "path \"secret/data/ci/{{identity.entity.aliases.auth_jwt.name}}/*\" { capabilities = [\"read\"] }\n"
       "path \"secret/data/meta/{{identity.entity.aliases.auth_jwt.metadata.repo}}\" { capabilities = "
       "[\"read\"] }\n"},
      {"policies/app.hcl",
       "path \"secret/data/apps/{{identity.entity.aliases.auth_approle.metadata.team}}/*\" { capabilities = "
       "[\"read\"] }\n"
       "path \"secret/data/roles/{{identity.entity.aliases.auth_approle.metadata.role_name}}\" { "
       "capabilities = [\"read\"] }\n"
       "path \"secret/data/+/{{identity.entity.name}}/*\" { capabilities = [\"list\"] }\n"},
  };
}

struct Asked {
  bool allowed = false;
  std::vector<Condition> conditions;
};

Asked Ask(const Workspace& ws, std::string_view role, const std::string& path) {
  const std::vector<Subject> who = SubjectsForRole(ws, role, "");
  EXPECT_EQ(who.size(), 1u) << role;
  Expected<std::vector<Answer>> a = Simulate(
      ws, who, {.path = path, .operation = Operation::kRead, .params = {}, .steps = {}, .explain = false});
  EXPECT_TRUE(a.has_value()) << (a ? "" : a.error().message);
  if (!a || a->empty()) {
    return {};
  }
  return {(*a)[0].allowed, (*a)[0].conditions};
}

std::string Text(const std::vector<Condition>& c) {
  return ConditionsText(c);
}

TEST(OpenPlaceholders, KubernetesRoleWithOneNamespacePinsIt) {
  auto l = Load(Files());
  const Asked a = Ask(l.ws, "single", "secret/data/team-a/x");
  EXPECT_TRUE(a.allowed);
  EXPECT_TRUE(a.conditions.empty());
  // Pinned to team-a: no login of the role reads team-b's tree.
  EXPECT_FALSE(Ask(l.ws, "single", "secret/data/team-b/x").allowed);
  EXPECT_FALSE(Ask(l.ws, "single", "secret/data/team-a/admin").allowed);
}

TEST(OpenPlaceholders, KubernetesRoleWithSeveralNamespacesGrantsConditionally) {
  auto l = Load(Files());
  Asked a = Ask(l.ws, "multi", "secret/data/team-b2/x");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), std::string(kNsSelector) + " = team-b2");
  a = Ask(l.ws, "multi", "secret/data/team-a/x");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), std::string(kNsSelector) + " = team-a");
  // The bound namespaces (team-a, team-b*) admit no login in team-c.
  EXPECT_FALSE(Ask(l.ws, "multi", "secret/data/team-c/x").allowed);
  // The same login renders the deny rule too.
  EXPECT_FALSE(Ask(l.ws, "multi", "secret/data/team-b2/admin").allowed);
}

TEST(OpenPlaceholders, EntityNameIsGeneratedNeverPinned) {
  auto l = Load(Files());
  // Vault names a role's entity entity_<uuid>: "alice" is no login's entity name.
  EXPECT_FALSE(Ask(l.ws, "multi", "secret/data/users/alice/x").allowed);
  const std::string name = std::string("entity_") + kUuid;
  const Asked a = Ask(l.ws, "multi", "secret/data/users/" + name + "/x");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), "identity.entity.name = " + name);
}

TEST(OpenPlaceholders, EntityNameMayBeAnEntityOfTheBindingsWithAnAliasOnTheMount) {
  std::map<std::string, std::string> files = Files();
  files["bindings/identity.yaml"] =
      "identity:\n  entities:\n    - name: carol\n      aliases: [{name: some-uid, mount: kubernetes}]\n"
      "    - name: dave\n      aliases: [{name: dave, mount: approle}]\n";
  auto l = Load(files);
  const Asked a = Ask(l.ws, "multi", "secret/data/users/carol/x");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), "identity.entity.name = carol");
  // dave's alias is on another mount: no login of this role resolves to him.
  EXPECT_FALSE(Ask(l.ws, "multi", "secret/data/users/dave/x").allowed);
}

TEST(OpenPlaceholders, AliasNameFromServiceAccountNameIsPinnedByOneNamespaceAndName) {
  auto l = Load(Files());
  const Asked a = Ask(l.ws, "by-name", "secret/data/by/team-a/app");
  EXPECT_TRUE(a.allowed);
  EXPECT_TRUE(a.conditions.empty());
  EXPECT_FALSE(Ask(l.ws, "by-name", "secret/data/by/team-b/app").allowed);
}

TEST(OpenPlaceholders, JwtBoundSubjectPinsTheUserClaimAndBoundClaimsLimitMappedValues) {
  auto l = Load(Files());
  Asked a = Ask(l.ws, "pinned", "secret/data/ci/repo-x/k");
  EXPECT_TRUE(a.allowed);
  EXPECT_TRUE(a.conditions.empty());
  EXPECT_FALSE(Ask(l.ws, "pinned", "secret/data/ci/repo-y/k").allowed);
  // `repo` is not bound on `pinned`: any value.
  a = Ask(l.ws, "pinned", "secret/data/meta/anything");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), "identity.entity.aliases.auth_jwt.metadata.repo = anything");
  // On `open`, bound_claims admits only one or two.
  a = Ask(l.ws, "open", "secret/data/meta/two");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), "identity.entity.aliases.auth_jwt.metadata.repo = two");
  EXPECT_FALSE(Ask(l.ws, "open", "secret/data/meta/three").allowed);
  a = Ask(l.ws, "open", "secret/data/ci/whoever/k");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), "identity.entity.aliases.auth_jwt.name = whoever");
}

TEST(OpenPlaceholders, ApproleSecretIdMetadataIsOpenButRoleNameIsPinned) {
  auto l = Load(Files());
  Asked a = Ask(l.ws, "svc", "secret/data/roles/svc");
  EXPECT_TRUE(a.allowed);
  EXPECT_TRUE(a.conditions.empty());
  EXPECT_FALSE(Ask(l.ws, "svc", "secret/data/roles/other").allowed);
  a = Ask(l.ws, "svc", "secret/data/apps/payments/db");
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(Text(a.conditions), "identity.entity.aliases.auth_approle.metadata.team = payments");
}

TEST(OpenPlaceholders, SegmentWildcardRulesBindTheirPlaceholders) {
  auto l = Load(Files());
  const std::vector<Subject> who = SubjectsForRole(l.ws, "svc", "");
  ASSERT_EQ(who.size(), 1u);
  const std::string name = std::string("entity_") + kUuid;
  const std::vector<std::vector<Condition>> c =
      CandidateConditions(l.ws, who[0], {"secret/data/x/" + name + "/"});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(Text(c[0]), "identity.entity.name = " + name);
  Expected<std::vector<Answer>> a = Simulate(l.ws, who,
                                             {.path = "secret/data/x/" + name + "/",
                                              .operation = Operation::kList,
                                              .params = {},
                                              .steps = {},
                                              .explain = false});
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE((*a)[0].allowed);
  // A value never holds '+', '*' or the empty string.
  EXPECT_TRUE(CandidateConditions(l.ws, who[0], {"secret/data/x//"}).empty());
  EXPECT_TRUE(CandidateConditions(l.ws, who[0], {"secret/data/apps/a+b/x"}).empty());
}

TEST(OpenPlaceholders, CapabilitiesAreConditionalToo) {
  auto l = Load(Files());
  Expected<std::vector<Answer>> a = Simulate(l.ws, SubjectsForRole(l.ws, "multi", ""),
                                             {.path = "secret/data/team-b7/x",
                                              .operation = std::nullopt,
                                              .params = {},
                                              .steps = {},
                                              .explain = false});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE((*a)[0].capabilities.has_value());
  EXPECT_EQ(*(*a)[0].capabilities, std::vector<std::string>{"read"});
  EXPECT_EQ(Text((*a)[0].conditions), std::string(kNsSelector) + " = team-b7");
  const std::string text = FormatAnswersText(l.ws, *a, false);
  EXPECT_NE(text.find("capabilities: read for logins where " + std::string(kNsSelector) + " = team-b7"),
            std::string::npos)
      << text;
  EXPECT_NE(FormatAnswersJson(*a).find("\"conditions\""), std::string::npos);
}

TEST(OpenPlaceholders, KvStepsNeedOneLoginForEveryStep) {
  auto l = Load(Files());
  std::vector<Step> steps = {{.description = "preflight",
                              .path = "secret/",
                              .operation = Operation::kRead,
                              .mount_visibility = true,
                              .body_data = false},
                             {.description = "get",
                              .path = "secret/data/team-b1/app",
                              .operation = Operation::kRead,
                              .mount_visibility = false,
                              .body_data = false}};
  Expected<std::vector<Answer>> a =
      Simulate(l.ws, SubjectsForRole(l.ws, "multi", ""),
               {.path = "", .operation = std::nullopt, .params = {}, .steps = steps, .explain = true});
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE((*a)[0].allowed);
  EXPECT_EQ(Text((*a)[0].conditions), std::string(kNsSelector) + " = team-b1");
  // The symbolic rendering already makes the mount visible.
  EXPECT_TRUE((*a)[0].steps[0].allowed);
  const std::string text = FormatAnswersText(l.ws, *a, true);
  EXPECT_NE(text.find("templated rules: {{" + std::string(kNsSelector) + "}} differs per login"),
            std::string::npos)
      << text;
}

TEST(OpenPlaceholders, WhoCanListsConditionalRolesWithTheirCondition) {
  auto l = Load(Files());
  AclCache cache(l.ws);
  Expected<WhoCanResult> r = WhoCan(
      l.ws, AllSubjects(l.ws),
      {.path = "secret/data/team-b2/x", .operation = Operation::kRead, .capability = std::nullopt}, cache);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->allowed.size(), 1u);
  EXPECT_EQ(r->allowed[0].subject.label, "auth/kubernetes/role/multi");
  EXPECT_EQ(Text(r->allowed[0].conditions), std::string(kNsSelector) + " = team-b2");
  ASSERT_TRUE(r->allowed[0].deciding.has_value());
  EXPECT_EQ(r->allowed[0].deciding->policy, "ns");
  const std::string text = FormatWhoCanText(*r);
  EXPECT_NE(text.find("read for logins where " + std::string(kNsSelector) + " = team-b2 [ns: path"),
            std::string::npos)
      << text;
  EXPECT_NE(FormatWhoCanJson(*r).find("\"conditions\""), std::string::npos);
}

TEST(OpenPlaceholders, WhoCanOnALoginEndpointIsEveryone) {
  auto l = Load(Files());
  AclCache cache(l.ws);
  const std::vector<Subject> all = AllSubjects(l.ws);
  Expected<WhoCanResult> r = WhoCan(
      l.ws, all,
      {.path = "auth/kubernetes/login", .operation = Operation::kUpdate, .capability = std::nullopt}, cache);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->allowed.size(), all.size());
  EXPECT_NE(r->unauthenticated.find("login endpoint"), std::string::npos);
  EXPECT_NE(FormatWhoCanText(*r).find("everyone"), std::string::npos);
  // A capability question is about the ACL (sys/capabilities), not the endpoint.
  r = WhoCan(
      l.ws, all,
      {.path = "auth/kubernetes/login", .operation = std::nullopt, .capability = parser::Capability::kUpdate},
      cache);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->unauthenticated.empty());
  EXPECT_TRUE(r->allowed.empty());
}

TEST(OpenPlaceholders, MatrixCellsCarryTheirConditions) {
  auto l = Load(Files());
  Expected<Matrix> m =
      BuildMatrix(l.ws, SubjectsForRole(l.ws, "multi", ""), {"secret/data/team-b3/x", "sys/auth"});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cells[0][0], std::vector<std::string>{"read"});
  EXPECT_EQ(Text(m->conditions[0][0]), std::string(kNsSelector) + " = team-b3");
  EXPECT_EQ(m->cells[0][1], std::vector<std::string>{"deny"});
  EXPECT_TRUE(m->conditions[0][1].empty());
  const std::string text = FormatMatrixText(*m);
  EXPECT_NE(text.find("read [1]"), std::string::npos) << text;
  EXPECT_NE(text.find("[1] auth/kubernetes/role/multi on secret/data/team-b3/x: for logins where"),
            std::string::npos)
      << text;
}

TEST(OpenPlaceholders, SymbolicRenderingKeepsUnboundPlaceholdersOutOfRequestPaths) {
  auto l = Load(Files());
  const std::vector<Subject> who = SubjectsForRole(l.ws, "multi", "");
  ASSERT_EQ(who.size(), 1u);
  const RenderedPolicies set = RenderPolicies(l.ws, who[0], {});
  EXPECT_TRUE(set.changed);
  AclCache cache(l.ws);
  Expected<const evaluator::Acl*> acl = cache.For(who[0]);
  ASSERT_TRUE(acl.has_value());
  const std::string symbolic = "secret/data/" + SymbolicSegment(kNsSelector) + "/";
  EXPECT_TRUE((*acl)->FindRule(symbolic, parser::PatternKind::kPrefix).has_value());
  EXPECT_FALSE((*acl)->Check({.path = "secret/data/team-a/x", .operation = Operation::kRead}).allowed);
}

TEST(OpenPlaceholders, RolesWhosePoliciesRenderAlikeShareOneAcl) {
  auto l = Load(Files());
  AclCache cache(l.ws);
  const std::vector<Subject> single = SubjectsForRole(l.ws, "single", "");
  const std::vector<Subject> multi = SubjectsForRole(l.ws, "multi", "");
  Expected<const evaluator::Acl*> a = cache.For(single[0]);
  Expected<const evaluator::Acl*> b = cache.For(single[0]);
  Expected<const evaluator::Acl*> c = cache.For(multi[0]);
  Expected<const evaluator::Acl*> d = cache.For(multi[0], {{kNsSelector, "team-b1"}});
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);  // team-a pinned vs open
  EXPECT_NE(*c, *d);  // symbolic vs bound
  // Another role pinned to team-a, holding the same policies, renders alike.
  auto l2 = Load({{"bindings/k.yaml",
                   "auth:\n  kubernetes:\n    accessor: auth_k8s\n    roles:\n"
                   "      x: {bound_service_account_names: [a], bound_service_account_namespaces: [team-a], "
                   "token_policies: [ns]}\n"
                   "      y: {bound_service_account_names: [b], bound_service_account_namespaces: [team-a], "
                   "token_policies: [ns]}\n"
                   "      z: {bound_service_account_names: [b], bound_service_account_namespaces: [team-z], "
                   "token_policies: [ns]}\n"},
                  {"policies/ns.hcl", Files().at("policies/ns.hcl")}});
  AclCache cache2(l2.ws);
  const std::vector<Subject> all = AllSubjects(l2.ws);
  ASSERT_EQ(all.size(), 3u);
  Expected<const evaluator::Acl*> x = cache2.For(all[0]);
  Expected<const evaluator::Acl*> y = cache2.For(all[1]);
  Expected<const evaluator::Acl*> z = cache2.For(all[2]);
  ASSERT_TRUE(x && y && z);
  EXPECT_EQ(*x, *y);
  EXPECT_NE(*x, *z);
}

}  // namespace
}  // namespace polcheck::analysis
