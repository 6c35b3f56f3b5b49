// polcheck verify: invariants proven over every path or refuted with a
// concrete request; selector and file errors with file:line:col.
#include "analysis/verify.h"

#include <gtest/gtest.h>

#include <random>

#include "analysis/diff.h"
#include "analysis/regions.h"
#include "tests/analysis/test_workspace.h"

namespace polcheck::analysis {
namespace {

using testing::Load;

const char* const kBindings = R"(auth:
  kubernetes:
    roles:
      aaa-role: {bound_service_account_names: [a], bound_service_account_namespaces: [a], token_policies: [aaa, guard]}
      bbb-role: {bound_service_account_names: [b], bound_service_account_namespaces: [b], token_policies: [bbb]}
identity:
  entities:
    - name: alice
      policies: []
  groups:
    - name: platform
      policies: [platform]
      member_entity_ids: [alice]
)";

std::map<std::string, std::string> Files() {
  return {{"bindings/all.yaml", kBindings},
          {"policies/aaa.hcl", "path \"secret/data/aaa/*\" { capabilities = [\"read\", \"list\"] }\n"},
          {"policies/guard.hcl", "path \"secret/data/aaa/admin/*\" { capabilities = [\"deny\"] }\n"},
          {"policies/bbb.hcl", "path \"secret/data/bbb/*\" { capabilities = [\"read\"] }\n"},
          {"policies/platform.hcl", "path \"sys/auth/*\" { capabilities = [\"create\", \"update\", \"sudo\"] }\n"}};
}

struct Run {
  testing::LoadedWorkspace loaded;
  DiagnosticSink sink;
  VerifyResult result;
  std::string diagnostics;
};

std::unique_ptr<Run> VerifyText(const std::map<std::string, std::string>& files, const std::string& yaml) {
  auto run = std::make_unique<Run>();
  run->loaded = Load(files);
  EXPECT_FALSE(run->loaded.ws.has_parse_errors) << run->loaded.diagnostics;
  const FileId id = run->loaded.ws.sources->Add("invariants.yaml", yaml);
  const std::vector<Invariant> inv =
      LoadInvariants(run->loaded.ws.sources->file(id), run->loaded.ws.dialect, run->sink);
  if (!run->sink.has_errors()) {
    Expected<VerifyResult> r = Verify(run->loaded.ws, inv, run->sink);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    if (r) {
      run->result = *std::move(r);
    }
  }
  run->diagnostics = RenderDiagnostics(run->loaded.ws, run->sink);
  return run;
}

TEST(Verify, DenyProvenWhenOnlyTheExcludedGroupHoldsIt) {
  auto run = VerifyText(Files(), R"(- name: only platform may touch sys/auth
  deny: { principals: ["*", "!group:platform"], path: "sys/auth/*", caps: [create, update, delete, sudo] }
)");
  ASSERT_EQ(run->result.results.size(), 1u) << run->diagnostics;
  EXPECT_TRUE(run->result.results[0].proven) << FormatVerifyText(run->result);
  // The group and its member alice are excluded; the two roles remain.
  EXPECT_EQ(run->result.results[0].principals, 2u);
}

TEST(Verify, DenyRefutedByAGroupMemberWhenNotExcluded) {
  auto run = VerifyText(Files(), R"(- name: nobody touches sys/auth
  deny: { principals: ["*"], path: "sys/auth/*", caps: [sudo] }
)");
  ASSERT_EQ(run->result.results.size(), 1u) << run->diagnostics;
  const InvariantResult& r = run->result.results[0];
  EXPECT_FALSE(r.proven);
  ASSERT_EQ(r.counterexamples.size(), 2u);
  EXPECT_EQ(r.counterexamples[0].principal, "identity/entity/name/alice");
  EXPECT_EQ(r.counterexamples[0].path, "sys/auth/x");
  EXPECT_EQ(r.counterexamples[0].offending, std::vector<std::string>{"sudo"});
  ASSERT_TRUE(r.counterexamples[0].rule.has_value());
  EXPECT_EQ(r.counterexamples[0].rule->policy, "platform");
  EXPECT_EQ(r.counterexamples[1].principal, "identity/group/name/platform");
}

// Issue #5/#6 follow-up: some login of a role gets what a templated rule
// renders to, so a deny invariant is refuted with the login's condition.
TEST(Verify, DenyRefutedByAConditionalGrantOfARole) {
  std::map<std::string, std::string> files = {
      {"bindings/k8s.yaml", R"(auth:
  kubernetes:
    accessor: auth_k8s
    roles:
      many: {bound_service_account_names: [a], bound_service_account_namespaces: ["team-*"], token_policies: [ns]}
      one: {bound_service_account_names: [a], bound_service_account_namespaces: [team-a], token_policies: [ns]}
)"},
      {"policies/ns.hcl",
       "path \"secret/data/{{identity.entity.aliases.auth_k8s.metadata.service_account_namespace}}/*\" {\n"
       "  capabilities = [\"read\"]\n}\n"}};
  auto run = VerifyText(files, R"(- name: nobody reads team-b
  deny: { principals: ["*"], path: "secret/data/team-b/*", caps: [read] }
- name: nobody reads ops
  deny: { principals: ["*"], path: "secret/data/ops/*", caps: [read] }
- name: nobody reads anything under secret/data
  deny: { principals: ["kubernetes/role:many"], path: "secret/data/*", caps: [read] }
- name: nobody reads a team-q tree
  deny: { principals: ["*"], path: "secret/data/team-q*", caps: [read] }
)");
  ASSERT_EQ(run->result.results.size(), 4u) << run->diagnostics;
  const InvariantResult& r = run->result.results[0];
  EXPECT_FALSE(r.proven);
  ASSERT_EQ(r.counterexamples.size(), 1u) << FormatVerifyText(run->result);
  const Counterexample& c = r.counterexamples[0];
  EXPECT_EQ(c.principal, "auth/kubernetes/role/many");
  EXPECT_EQ(c.path, "secret/data/team-b/x");
  EXPECT_EQ(ConditionsText(c.conditions),
            "identity.entity.aliases.auth_k8s.metadata.service_account_namespace = team-b");
  const std::string text = FormatVerifyText(run->result);
  EXPECT_NE(text.find("holds read on secret/data/team-b/x for logins where "
                      "identity.entity.aliases.auth_k8s.metadata.service_account_namespace = team-b"),
            std::string::npos)
      << text;
  EXPECT_NE(FormatVerifyJson(run->result).find("\"conditions\""), std::string::npos);
  // team-* admits no "ops" namespace; `one` is pinned to team-a.
  EXPECT_TRUE(run->result.results[1].proven) << text;
  // A subtree holding the placeholder itself: the symbolic segment is the counterexample.
  ASSERT_FALSE(run->result.results[2].proven);
  EXPECT_EQ(run->result.results[2].counterexamples[0].path,
            "secret/data/<identity.entity.aliases.auth_k8s.metadata.service_account_namespace>/x")
      << text;
  // The invariant's path ends inside the namespace: team-q... is a value team-* admits.
  const InvariantResult& cut = run->result.results[3];
  ASSERT_EQ(cut.counterexamples.size(), 1u) << text;
  EXPECT_EQ(cut.counterexamples[0].principal, "auth/kubernetes/role/many");
  EXPECT_TRUE(cut.counterexamples[0].path.starts_with("secret/data/team-q")) << text;
  EXPECT_TRUE(ConditionsText(cut.counterexamples[0].conditions)
                  .starts_with("identity.entity.aliases.auth_k8s.metadata.service_account_namespace = team-q"))
      << text;
}

TEST(Verify, AllowRefutedWithTheDecidingDeny) {
  auto run = VerifyText(Files(), R"(- name: aaa reads its tree
  allow: { principals: ["kubernetes/role:aaa-role"], path: "secret/data/aaa/*", caps: [read, list] }
)");
  ASSERT_EQ(run->result.results.size(), 1u) << run->diagnostics;
  const InvariantResult& r = run->result.results[0];
  EXPECT_FALSE(r.proven);
  ASSERT_EQ(r.counterexamples.size(), 1u);
  const Counterexample& c = r.counterexamples[0];
  EXPECT_EQ(c.principal, "auth/kubernetes/role/aaa-role");
  EXPECT_EQ(c.path, "secret/data/aaa/admin/x");
  EXPECT_EQ(c.offending, std::vector<std::string>{"read"});
  EXPECT_TRUE(c.capabilities.empty());
  ASSERT_TRUE(c.rule.has_value());
  EXPECT_EQ(c.rule->policy, "guard");
  EXPECT_EQ(c.rule->line, 1u);
  EXPECT_EQ(FormatVerifyText(run->result),
            "REFUTED  aaa reads its tree  (allow list, read on secret/data/aaa/*; 1 principal, 6 regions)\n"
            "  auth/kubernetes/role/aaa-role: lacks read on secret/data/aaa/admin/x (capabilities there: none; "
            "region secret/data/aaa/admin/*) [" +
                c.rule->file + ":1 \"secret/data/aaa/admin/*\"]\n"
                               "0 of 1 invariants proven\n");
}

TEST(Verify, AllowProvenOnATreeWithoutExceptions) {
  auto run = VerifyText(Files(), R"(- name: bbb reads its tree
  allow: { principals: ["kubernetes/role:bbb-*"], path: "secret/data/bbb/*", caps: [read] }
)");
  ASSERT_EQ(run->result.results.size(), 1u) << run->diagnostics;
  EXPECT_TRUE(run->result.results[0].proven) << FormatVerifyText(run->result);
}

TEST(Verify, UnknownSelectorIsADiagnosticWithItsPosition) {
  auto run = VerifyText(Files(), R"(- name: bad
  deny: { principals: ["role:aaa-role"], path: "sys/*", caps: [sudo] }
)");
  EXPECT_NE(run->diagnostics.find("invariants.yaml:2:24: error: unknown principal selector \"role:aaa-role\""),
            std::string::npos)
      << run->diagnostics;
}

TEST(Verify, SelectorMatchingNobodyIsAnError) {
  auto run = VerifyText(Files(), R"(- name: typo
  deny: { principals: ["*", "!group:platfrom"], path: "sys/*", caps: [sudo] }
)");
  EXPECT_NE(run->diagnostics.find(
                "invariants.yaml:2:29: error: principal selector \"!group:platfrom\" matches no principal"),
            std::string::npos)
      << run->diagnostics;
}

TEST(Verify, BadCapabilityAndMissingKeys) {
  auto run = VerifyText(Files(), R"(- name: caps
  deny: { principals: ["*"], path: "sys/*", caps: [reed] }
- name: nothing
  allow: { principals: ["*"] }
- name: both
  allow: { principals: ["*"], path: "a", caps: [read] }
  deny: { principals: ["*"], path: "a", caps: [read] }
)");
  EXPECT_NE(run->diagnostics.find("invariants.yaml:2:52: error: unknown capability \"reed\""), std::string::npos)
      << run->diagnostics;
  EXPECT_NE(run->diagnostics.find("invariants.yaml:4:10: error: `principals`, `path` and one of `caps` or `op` are "
                                  "required"),
            std::string::npos)
      << run->diagnostics;
  EXPECT_NE(run->diagnostics.find("needs exactly one of `deny:` or `allow:`"), std::string::npos) << run->diagnostics;
}

TEST(Verify, OpInvariantsCheckParameterConstraints) {
  const std::map<std::string, std::string> files = {
      {"bindings/t.yaml", "token_roles:\n  issuer: {allowed_policies: [tokens], token_no_default_policy: true}\n"},
      {"policies/tokens.hcl",
       "path \"auth/token/create\" {\n  capabilities = [\"update\"]\n"
       "  allowed_parameters = { \"policies\" = [\"app\", \"default\"] }\n}\n"}};
  auto run = VerifyText(files, R"(- name: no root tokens
  deny: { principals: ["*"], path: "auth/token/create", op: update, params: {policies: root} }
- name: app tokens
  allow: { principals: ["token-role:issuer"], path: "auth/token/create", op: update, params: {policies: [app, default]} }
- name: no token creation at all
  deny: { principals: ["*"], path: "auth/token/create", op: update }
- name: params need op
  deny: { principals: ["*"], path: "auth/token/create", caps: [update], params: {a: b} }
)");
  EXPECT_NE(run->diagnostics.find("invariants.yaml:8:9: error: `params` needs `op`"), std::string::npos)
      << run->diagnostics;
  auto ok = VerifyText(files, R"(- name: no root tokens
  deny: { principals: ["*"], path: "auth/token/create", op: update, params: {policies: root} }
- name: app tokens
  allow: { principals: ["token-role:issuer"], path: "auth/token/create", op: update, params: {policies: [app, default]} }
- name: no token creation at all
  deny: { principals: ["*"], path: "auth/token/create", op: update }
)");
  ASSERT_EQ(ok->result.results.size(), 3u) << ok->diagnostics;
  EXPECT_TRUE(ok->result.results[0].proven) << FormatVerifyText(ok->result);
  EXPECT_TRUE(ok->result.results[1].proven) << FormatVerifyText(ok->result);
  ASSERT_FALSE(ok->result.results[2].proven);
  ASSERT_EQ(ok->result.results[2].counterexamples.size(), 1u);
  EXPECT_EQ(ok->result.results[2].counterexamples[0].path, "auth/token/create");
  EXPECT_NE(FormatVerifyText(ok->result).find("auth/token/roles/issuer: update auth/token/create is allowed"),
            std::string::npos)
      << FormatVerifyText(ok->result);
}

// Proven means no path under the pattern holds the capability; refuted means
// the counterexample is under the pattern and holds it. Checked against
// random paths on random policies.
TEST(Verify, ProofsAgreeWithRandomPaths) {
  std::mt19937 rng(7771);
  const char* const kSegments[] = {"a", "b", "+", "ab"};
  auto label = [&] {
    std::string out;
    const int n = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int i = 0; i < n; ++i) {
      out += (i == 0 ? "" : "/") + std::string(kSegments[std::uniform_int_distribution<int>(0, 3)(rng)]);
    }
    const int tail = std::uniform_int_distribution<int>(0, 2)(rng);
    return out + (tail == 0 ? "*" : tail == 1 ? "/*" : "");
  };
  int refuted = 0;
  int proven = 0;
  for (int round = 0; round < 40; ++round) {
    std::string policy;
    for (int r = 0; r < 4; ++r) {
      std::string l = label();
      if (l.find("+*") != std::string::npos) {
        continue;
      }
      const bool deny = std::uniform_int_distribution<int>(0, 3)(rng) == 0;
      policy += "path \"" + l + "\" { capabilities = [" + (deny ? "\"deny\"" : "\"read\", \"list\"") + "] }\n";
    }
    std::string query = label();
    if (query.find("+*") != std::string::npos) {
      query = "a/*";
    }
    auto run = VerifyText({{"policies/p.hcl", policy},
                           {"bindings/t.yaml", "token_roles:\n  t: {allowed_policies: [p], token_no_default_policy: true}\n"}},
                          "- name: q\n  deny: { principals: [\"token-role:t\"], path: \"" + query +
                              "\", caps: [read] }\n");
    ASSERT_EQ(run->result.results.size(), 1u) << run->diagnostics;
    const InvariantResult& r = run->result.results[0];
    const parser::Pattern q = *parser::NormalizePattern(query);
    std::vector<const parser::Policy*> policies = {run->loaded.ws.FindPolicy("p")};
    Expected<evaluator::Acl> acl = evaluator::Acl::Build(policies, {.dialect = Dialect::kVault});
    ASSERT_TRUE(acl.has_value());
    if (!r.proven) {
      ++refuted;
      ASSERT_EQ(r.counterexamples.size(), 1u);
      EXPECT_TRUE(PatternMatches(q, r.counterexamples[0].path));
      EXPECT_TRUE(EffectiveCapabilities(*acl, r.counterexamples[0].path).Has(parser::Capability::kRead));
      continue;
    }
    ++proven;
    for (int k = 0; k < 300; ++k) {
      std::string path;
      const int n = std::uniform_int_distribution<int>(1, 5)(rng);
      for (int i = 0; i < n; ++i) {
        static const char* const kPathSegments[] = {"a", "b", "x", "ab", ""};
        path += (i == 0 ? "" : "/") + std::string(kPathSegments[std::uniform_int_distribution<int>(0, 4)(rng)]);
      }
      if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
        path += "/";
      }
      if (PatternMatches(q, path)) {
        EXPECT_FALSE(EffectiveCapabilities(*acl, path).Has(parser::Capability::kRead))
            << "proven, but " << path << " holds read; policy:\n"
            << policy << "query " << query;
      }
    }
  }
  EXPECT_GT(refuted, 3);
  EXPECT_GT(proven, 3);
}

}  // namespace
}  // namespace polcheck::analysis
