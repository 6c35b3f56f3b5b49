// polcheck diff: the subtle changes of issue #6, reported in the right region
// for the right principals, and an exactness property over random policy sets.
#include "analysis/diff.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

namespace polcheck::analysis {
namespace {

using Files = std::map<std::string, std::string>;

struct Loaded {
  Workspace ws;
  std::string diagnostics;
};

Loaded LoadSide(const Files& files, std::string_view side) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    (std::string("polcheck-diff-") + info->name() + "-" + std::string(side));
  std::filesystem::remove_all(dir);
  for (const auto& [rel, text] : files) {
    std::filesystem::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  DiagnosticSink sink;
  Expected<Workspace> ws = LoadWorkspace({.directory = dir, .dialect = std::nullopt}, sink);
  EXPECT_TRUE(ws.has_value()) << (ws ? "" : ws.error().message);
  Loaded out;
  if (ws) {
    out.ws = *std::move(ws);
    out.diagnostics = RenderDiagnostics(out.ws, sink);
    EXPECT_FALSE(out.ws.has_parse_errors) << out.diagnostics;
  }
  return out;
}

DiffResult Diff(const Files& base, const Files& head) {
  Loaded a = LoadSide(base, "base");
  Loaded b = LoadSide(head, "head");
  Expected<DiffResult> d = DiffWorkspaces(a.ws, b.ws, {});
  EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().message);
  return d ? *std::move(d) : DiffResult{};
}

const PrincipalChange* Find(const DiffResult& d, std::string_view label) {
  for (const PrincipalChange& p : d.principals) {
    if (p.label == label) {
      return &p;
    }
  }
  return nullptr;
}

std::vector<std::string> Labels(const DiffResult& d) {
  std::vector<std::string> out;
  for (const PrincipalChange& p : d.principals) {
    out.push_back(p.label);
  }
  return out;
}

std::string Caps(parser::CapabilitySet caps) {
  std::string out;
  for (std::string_view n : caps.SortedNames()) {
    out += (out.empty() ? "" : ",") + std::string(n);
  }
  return out;
}

// "REGION: +gained -lost" for each change (regions with one name and one
// change once), for compact comparisons.
std::vector<std::string> Lines(const std::vector<RegionChange>& changes) {
  std::set<std::string> out;
  for (const RegionChange& c : changes) {
    std::string line = c.description + ":";
    if (!c.gained().empty()) {
      line += " +" + Caps(c.gained());
    }
    if (!c.lost().empty()) {
      line += " -" + Caps(c.lost());
    }
    for (const std::string& k : c.constraint_changes) {
      line += " ~" + k;
    }
    out.insert(line);
  }
  return {out.begin(), out.end()};
}

std::set<std::string> Examples(const std::vector<RegionChange>& changes) {
  std::set<std::string> out;
  for (const RegionChange& c : changes) {
    out.insert(c.example);
  }
  return out;
}

const char* const kRoles = R"(auth:
  kubernetes:
    roles:
      r1: {bound_service_account_names: [a], bound_service_account_namespaces: [a], token_policies: [app, guard], token_no_default_policy: true}
      r2: {bound_service_account_names: [a], bound_service_account_namespaces: [a], token_policies: [guard], token_no_default_policy: true}
      r3: {bound_service_account_names: [a], bound_service_account_namespaces: [a], token_policies: [other], token_no_default_policy: true}
)";

TEST(DiffWorkspaces, NewPlusRuleOutranksAnExistingDeny) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/guard.hcl", "path \"secret/data/prod/*\" { capabilities = [\"deny\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["policies/app.hcl"] += "path \"secret/data/prod/+\" { capabilities = [\"read\", \"update\"] }\n";
  const DiffResult d = Diff(base, head);
  // r2 and r3 do not hold app: not mentioned.
  EXPECT_EQ(Labels(d), std::vector<std::string>{"auth/kubernetes/role/r1"});
  const PrincipalChange* r1 = Find(d, "auth/kubernetes/role/r1");
  ASSERT_NE(r1, nullptr);
  EXPECT_EQ(Lines(r1->changes),
            (std::vector<std::string>{"secret/data/prod/+ (paths ending in '/'): +read,update",
                                      "secret/data/prod/+: +read,update"}))
      << FormatDiffText(d);
  // '+' matches an empty segment too (§3.4), so secret/data/prod/ is in it.
  EXPECT_EQ(Examples(r1->changes), (std::set<std::string>{"secret/data/prod/", "secret/data/prod/x"}));
  // The deny still holds one level down.
  for (const RegionChange& c : r1->changes) {
    EXPECT_EQ(c.after_rule->policy, "app");
  }
  EXPECT_TRUE(d.new_access());
  EXPECT_FALSE(d.risky());
  // One changed policy is "1 policy", not "1 policies".
  EXPECT_NE(FormatDiffText(d).find("1 of 3 principals changed (0 with risky gains), 1 policy changed\n"),
            std::string::npos)
      << FormatDiffText(d);
}

// The new rule changes nothing for its own policy (secret/data/* already
// grants read there), but for a holder of guard it outranks the deny.
TEST(DiffWorkspaces, RuleThatChangesNothingAloneStillOutranksADenyElsewhere) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/guard.hcl", "path \"secret/data/prod/*\" { capabilities = [\"deny\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["policies/app.hcl"] += "path \"secret/data/prod/+\" { capabilities = [\"read\"] }\n";
  const DiffResult d = Diff(base, head);
  EXPECT_TRUE(d.policies.empty());  // app alone: read before and after everywhere
  EXPECT_EQ(Labels(d), std::vector<std::string>{"auth/kubernetes/role/r1"});
  ASSERT_NE(Find(d, "auth/kubernetes/role/r1"), nullptr);
  EXPECT_EQ(Lines(Find(d, "auth/kubernetes/role/r1")->changes),
            (std::vector<std::string>{"secret/data/prod/+ (paths ending in '/'): +read", "secret/data/prod/+: +read"}));
}

TEST(DiffWorkspaces, GlobNarrowedToPlusSegment) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/*\" { capabilities = [\"read\", \"list\"] }\n"},
                      {"policies/guard.hcl", "path \"sys/health\" { capabilities = [\"read\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["policies/app.hcl"] = "path \"secret/data/+/*\" { capabilities = [\"read\", \"list\"] }\n";
  const DiffResult d = Diff(base, head);
  EXPECT_EQ(Labels(d), std::vector<std::string>{"auth/kubernetes/role/r1"});
  const PrincipalChange* r1 = Find(d, "auth/kubernetes/role/r1");
  ASSERT_NE(r1, nullptr);
  // Lost: the first level below secret/data/ (one segment, and the listing of
  // secret/data/ itself). Kept: anything with a second segment.
  EXPECT_EQ(Lines(r1->changes),
            (std::vector<std::string>{"secret/data/* except secret/data/+/* (paths ending in '/'): -list,read",
                                      "secret/data/* except secret/data/+/*: -read"}))
      << FormatDiffText(d);
  EXPECT_FALSE(d.new_access());
  ASSERT_EQ(d.policies.size(), 1u);
  EXPECT_EQ(d.policies[0].name, "app");
}

TEST(DiffWorkspaces, RoleGainingAPolicy) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/app/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/guard.hcl", "path \"sys/health\" { capabilities = [\"read\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/ops.hcl", "path \"sys/auth/*\" { capabilities = [\"create\", \"update\", \"sudo\"] }\n"}};
  Files head = base;
  std::string roles = kRoles;
  roles.replace(roles.find("[other]"), 7, "[other, ops]");
  head["bindings/k8s.yaml"] = roles;
  const DiffResult d = Diff(base, head);
  EXPECT_EQ(Labels(d), std::vector<std::string>{"auth/kubernetes/role/r3"});
  const PrincipalChange* r3 = Find(d, "auth/kubernetes/role/r3");
  ASSERT_NE(r3, nullptr);
  EXPECT_EQ(r3->notes, std::vector<std::string>{"policies added: ops"});
  EXPECT_EQ(Lines(r3->changes),
            (std::vector<std::string>{"sys/auth/* (paths ending in '/'): +create,sudo,update",
                                      "sys/auth/*: +create,sudo,update"}))
      << FormatDiffText(d);
  EXPECT_TRUE(r3->risky());
  EXPECT_TRUE(d.risky());
  EXPECT_TRUE(GateTripped(d, FailOn::kRisky));
  EXPECT_TRUE(d.policies.empty());  // no policy text changed
}

TEST(DiffWorkspaces, TemplatedPathWidened) {
  const char* bindings = R"(identity:
  entities:
    - name: alice
      policies: [home]
    - name: bob
      policies: [other]
)";
  const Files base = {{"bindings/identity.yaml", bindings},
                      {"policies/home.hcl",
                       "path \"secret/data/{{identity.entity.name}}/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["policies/home.hcl"] = "path \"secret/data/{{identity.entity.name}}*\" { capabilities = [\"read\"] }\n";
  const DiffResult d = Diff(base, head);
  EXPECT_EQ(Labels(d), std::vector<std::string>{"identity/entity/name/alice"});
  const PrincipalChange* alice = Find(d, "identity/entity/name/alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(Lines(alice->changes),
            (std::vector<std::string>{"secret/data/alice* except secret/data/alice/* (paths ending in '/'): +read",
                                      "secret/data/alice* except secret/data/alice/*: +read"}))
      << FormatDiffText(d);
  EXPECT_EQ(Examples(alice->changes), (std::set<std::string>{"secret/data/alice", "secret/data/alicex/"}));
  ASSERT_EQ(d.policies.size(), 1u);
  EXPECT_TRUE(d.policies[0].templated);
  EXPECT_EQ(Lines(d.policies[0].changes),
            (std::vector<std::string>{
                "secret/data/<identity.entity.name>* except secret/data/<identity.entity.name>/* (paths ending in '/'): "
                "+read",
                "secret/data/<identity.entity.name>* except secret/data/<identity.entity.name>/*: +read"}));
}

// Issue #5/#6 follow-up: a role's templated rules are rendered with its open
// placeholders as symbolic segments, so a templated grant a role gains shows
// instead of being dropped; what the role pins is rendered.
TEST(DiffWorkspaces, RoleGainsConditionalAccessThroughATemplatedPolicy) {
  const char* roles = R"(auth:
  kubernetes:
    accessor: auth_k8s
    roles:
      many: {bound_service_account_names: [a], bound_service_account_namespaces: [x, y], token_policies: [ns], token_no_default_policy: true}
      one: {bound_service_account_names: [a], bound_service_account_namespaces: [x], token_policies: [ns], token_no_default_policy: true}
)";
  const Files base = {{"bindings/k8s.yaml", roles}, {"policies/ns.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["policies/ns.hcl"] +=
      "path \"secret/data/{{identity.entity.aliases.auth_k8s.metadata.service_account_namespace}}/*\" {\n"
      "  capabilities = [\"read\"]\n}\n";
  const DiffResult d = Diff(base, head);
  const PrincipalChange* many = Find(d, "auth/kubernetes/role/many");
  ASSERT_NE(many, nullptr) << FormatDiffText(d);
  const std::string segment = "<identity.entity.aliases.auth_k8s.metadata.service_account_namespace>";
  EXPECT_EQ(Lines(many->changes), (std::vector<std::string>{"secret/data/" + segment + "/* (paths ending in '/'): +read",
                                                            "secret/data/" + segment + "/*: +read"}))
      << FormatDiffText(d);
  EXPECT_TRUE(many->gains());
  // `one` binds a single namespace: the rule renders to secret/data/x/*.
  const PrincipalChange* one = Find(d, "auth/kubernetes/role/one");
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(Lines(one->changes),
            (std::vector<std::string>{"secret/data/x/* (paths ending in '/'): +read", "secret/data/x/*: +read"}));
}

// Principals sharing an Acl key are skipped when no policy changed; the key
// holds rendered values, so an entity whose metadata changes is compared.
TEST(DiffWorkspaces, EntityMetadataChangeReRendersItsTemplatedRule) {
  const char* before = "identity:\n  entities:\n    - {name: alice, policies: [team], metadata: {team: a}}\n"
                       "    - {name: bob, policies: [team], metadata: {team: c}}\n";
  const char* after = "identity:\n  entities:\n    - {name: alice, policies: [team], metadata: {team: b}}\n"
                      "    - {name: bob, policies: [team], metadata: {team: c}}\n";
  const std::string policy = "path \"secret/data/{{identity.entity.metadata.team}}/*\" { capabilities = [\"read\"] }\n";
  const DiffResult d = Diff({{"bindings/id.yaml", before}, {"policies/team.hcl", policy}},
                            {{"bindings/id.yaml", after}, {"policies/team.hcl", policy}});
  EXPECT_EQ(Labels(d), std::vector<std::string>{"identity/entity/name/alice"}) << FormatDiffText(d);
  const PrincipalChange* alice = Find(d, "identity/entity/name/alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(Lines(alice->changes), (std::vector<std::string>{"secret/data/a/* (paths ending in '/'): -read",
                                                             "secret/data/a/*: -read",
                                                             "secret/data/b/* (paths ending in '/'): +read",
                                                             "secret/data/b/*: +read"}))
      << FormatDiffText(d);
}

TEST(DiffWorkspaces, DenyMadeIneffectiveByALongerPrefixInAnotherPolicy) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/guard.hcl", "path \"secret/data/prod/*\" { capabilities = [\"deny\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["policies/app.hcl"] += "path \"secret/data/prod/app/*\" { capabilities = [\"read\", \"delete\"] }\n";
  const DiffResult d = Diff(base, head);
  EXPECT_EQ(Labels(d), std::vector<std::string>{"auth/kubernetes/role/r1"});
  const PrincipalChange* r1 = Find(d, "auth/kubernetes/role/r1");
  ASSERT_NE(r1, nullptr);
  EXPECT_EQ(Lines(r1->changes),
            (std::vector<std::string>{"secret/data/prod/app/* (paths ending in '/'): +delete,read",
                                      "secret/data/prod/app/*: +delete,read"}))
      << FormatDiffText(d);
  EXPECT_TRUE(r1->risky());  // delete gained
  EXPECT_EQ(r1->changes[0].before_rule->policy, "guard");
}

TEST(DiffWorkspaces, ConstraintChangesAreReportedApartFromCapabilities) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/x\" { capabilities = [\"read\"] }\n"},
                      {"policies/guard.hcl", "path \"sys/health\" { capabilities = [\"read\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["policies/app.hcl"] =
      "path \"secret/data/x\" {\n  capabilities = [\"read\"]\n  max_wrapping_ttl = \"5m\"\n"
      "  allowed_parameters = { \"version\" = [] }\n}\n";
  const DiffResult d = Diff(base, head);
  const PrincipalChange* r1 = Find(d, "auth/kubernetes/role/r1");
  ASSERT_NE(r1, nullptr);
  EXPECT_EQ(Lines(r1->changes),
            (std::vector<std::string>{"secret/data/x: ~allowed_parameters: unset -> {version=[]} "
                                      "~max_wrapping_ttl: unset -> 300s"}));
  EXPECT_FALSE(d.new_access());
  EXPECT_TRUE(GateTripped(d, FailOn::kAnyChange));
  EXPECT_FALSE(GateTripped(d, FailOn::kNewAccess));
}

TEST(DiffWorkspaces, BindingFieldChangesAreNotedEvenWithoutAccessChange) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/guard.hcl", "path \"sys/health\" { capabilities = [\"read\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  std::string roles = kRoles;
  const std::size_t r2 = roles.find("r2:");
  const std::string from = "bound_service_account_namespaces: [a]";
  roles.replace(roles.find(from, r2), from.size(), "bound_service_account_namespaces: [a, b]");
  head["bindings/k8s.yaml"] = roles;
  const DiffResult d = Diff(base, head);
  EXPECT_EQ(Labels(d), std::vector<std::string>{"auth/kubernetes/role/r2"});
  ASSERT_NE(Find(d, "auth/kubernetes/role/r2"), nullptr);
  EXPECT_EQ(Find(d, "auth/kubernetes/role/r2")->notes,
            std::vector<std::string>{"bound_service_account_namespaces: [a] -> [a, b]"});
  EXPECT_TRUE(Find(d, "auth/kubernetes/role/r2")->changes.empty());
  EXPECT_TRUE(GateTripped(d, FailOn::kAnyChange));
  EXPECT_FALSE(GateTripped(d, FailOn::kNewAccess));
}

// "true" and true are different bound claims to Vault (claims.go matchFound): a
// change of type alone is a change, and the note shows which is which.
TEST(DiffWorkspaces, BoundClaimTypeChangeIsNoted) {
  const Files base = {{"bindings/jwt.yaml",
                       "auth:\n  jwt:\n    roles:\n      r: {role_type: jwt, user_claim: sub, "
                       "bound_claims: {verified: \"true\", repo: org/app}, token_policies: [app]}\n"},
                      {"policies/app.hcl", "path \"secret/data/*\" { capabilities = [\"read\"] }\n"}};
  Files head = base;
  head["bindings/jwt.yaml"] =
      "auth:\n  jwt:\n    roles:\n      r: {role_type: jwt, user_claim: sub, "
      "bound_claims: {verified: true, repo: org/app}, token_policies: [app]}\n";
  const DiffResult d = Diff(base, head);
  ASSERT_NE(Find(d, "auth/jwt/role/r"), nullptr);
  EXPECT_EQ(Find(d, "auth/jwt/role/r")->notes,
            std::vector<std::string>{"bound_claims: {repo=[org/app], verified=[\"true\"]} -> "
                                     "{repo=[org/app], verified=[true]}"});
}

TEST(DiffWorkspaces, AddedAndRemovedPrincipalsAndNoChange) {
  const Files base = {{"bindings/k8s.yaml", kRoles},
                      {"policies/app.hcl", "path \"secret/data/*\" { capabilities = [\"read\"] }\n"},
                      {"policies/guard.hcl", "path \"sys/health\" { capabilities = [\"read\"] }\n"},
                      {"policies/other.hcl", "path \"kv/*\" { capabilities = [\"read\"] }\n"}};
  EXPECT_FALSE(Diff(base, base).any_change());
  Files head = base;
  std::string roles = kRoles;
  roles.replace(roles.find("      r3:"), roles.size() - roles.find("      r3:"),
                "      r4: {bound_service_account_names: [a], bound_service_account_namespaces: [a], "
                "token_policies: [other], token_no_default_policy: true}\n");
  head["bindings/k8s.yaml"] = roles;
  const DiffResult d = Diff(base, head);
  EXPECT_EQ(Labels(d), (std::vector<std::string>{"auth/kubernetes/role/r3", "auth/kubernetes/role/r4"}));
  EXPECT_EQ(Find(d, "auth/kubernetes/role/r3")->status, ChangeStatus::kRemoved);
  EXPECT_EQ(Find(d, "auth/kubernetes/role/r4")->status, ChangeStatus::kAdded);
  EXPECT_EQ(Lines(Find(d, "auth/kubernetes/role/r4")->changes),
            (std::vector<std::string>{"kv/* (paths ending in '/'): +read", "kv/*: +read"}));
}

// ---- exactness over random policy sets ----

std::string RandomLabel(std::mt19937& rng) {
  static const char* const kSegments[] = {"a", "b", "ab", "+", "c"};
  std::string out;
  const int n = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < n; ++i) {
    out += (i == 0 ? "" : "/") + std::string(kSegments[std::uniform_int_distribution<int>(0, 4)(rng)]);
  }
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      out += "*";
      break;
    case 1:
      out += "/*";
      break;
    default:
      break;
  }
  return out;
}

std::string RandomPolicy(std::mt19937& rng) {
  static const char* const kCaps[] = {"read", "create", "update", "delete", "list", "sudo", "patch"};
  std::string out;
  const int rules = std::uniform_int_distribution<int>(1, 5)(rng);
  for (int r = 0; r < rules; ++r) {
    std::string label = RandomLabel(rng);
    if (label.find("+*") != std::string::npos) {
      continue;
    }
    std::string caps;
    if (std::uniform_int_distribution<int>(0, 5)(rng) == 0) {
      caps = "\"deny\"";
    } else {
      for (const char* c : kCaps) {
        if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
          caps += (caps.empty() ? "\"" : ", \"") + std::string(c) + "\"";
        }
      }
    }
    out += "path \"" + label + "\" { capabilities = [" + caps + "] }\n";
  }
  return out;
}

struct Built {
  SourceSet sources;
  std::vector<parser::PolicyFile> files;
  std::unique_ptr<evaluator::Acl> acl;
  std::vector<parser::Pattern> patterns;
};

std::unique_ptr<Built> Build(const std::vector<std::string>& texts, Dialect dialect) {
  auto b = std::make_unique<Built>();
  DiagnosticSink sink;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const FileId id = b->sources.Add("p" + std::to_string(i) + ".hcl", texts[i]);
    b->files.push_back(parser::ParsePolicy(b->sources.file(id), {.dialect = dialect}, sink));
  }
  std::vector<const parser::Policy*> policies;
  for (const parser::PolicyFile& f : b->files) {
    policies.push_back(&f.policy);
    for (const parser::PathRule& r : f.policy.rules) {
      b->patterns.push_back(r.pattern);
    }
  }
  Expected<evaluator::Acl> acl = evaluator::Acl::Build(policies, {.dialect = dialect});
  EXPECT_TRUE(acl.has_value());
  b->acl = std::make_unique<evaluator::Acl>(*std::move(acl));
  return b;
}

std::string RandomPath(std::mt19937& rng) {
  static const char* const kSegments[] = {"a", "b", "ab", "c", "abc", "x", "ba", ""};
  std::string out;
  const int n = std::uniform_int_distribution<int>(1, 6)(rng);
  for (int i = 0; i < n; ++i) {
    out += (i == 0 ? "" : "/") + std::string(kSegments[std::uniform_int_distribution<int>(0, 7)(rng)]);
  }
  if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
    out += "/";
  }
  while (!out.empty() && out.front() == '/') {
    out.erase(0, 1);
  }
  return out;
}

// The signature of `path` over `patterns`, as the texts a RegionChange lists.
std::pair<std::set<std::string>, std::set<std::string>> SignatureTexts(const std::vector<parser::Pattern>& patterns,
                                                                       std::string_view path) {
  std::set<std::string> full;
  std::set<std::string> trimmed;
  for (const parser::Pattern& p : patterns) {
    if (PatternMatches(p, path)) {
      full.insert(PatternText(p));
    }
    if (path.ends_with('/') && PatternMatches(p, path.substr(0, path.size() - 1))) {
      trimmed.insert(PatternText(p));
    }
  }
  return {full, trimmed};
}

void CheckExactness(Dialect dialect, std::uint32_t seed) {
  std::mt19937 rng(seed);
  int changed_paths = 0;
  for (int round = 0; round < 120; ++round) {
    std::vector<std::string> base_texts;
    const int n = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int i = 0; i < n; ++i) {
      base_texts.push_back(RandomPolicy(rng));
    }
    std::vector<std::string> head_texts = base_texts;
    head_texts[std::uniform_int_distribution<int>(0, n - 1)(rng)] = RandomPolicy(rng);
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
      head_texts.push_back(RandomPolicy(rng));
    }
    const std::unique_ptr<Built> a = Build(base_texts, dialect);
    const std::unique_ptr<Built> b = Build(head_texts, dialect);
    Expected<std::vector<RegionChange>> changes = CompareAcls(*a->acl, *b->acl);
    ASSERT_TRUE(changes.has_value()) << changes.error().message;
    std::vector<parser::Pattern> all = a->patterns;
    all.insert(all.end(), b->patterns.begin(), b->patterns.end());
    // Every reported region shows exactly the reported change on its example.
    for (const RegionChange& c : *changes) {
      EXPECT_EQ(EffectiveCapabilities(*a->acl, c.example), c.before) << c.example;
      EXPECT_EQ(EffectiveCapabilities(*b->acl, c.example), c.after) << c.example;
      EXPECT_NE(c.before, c.after) << c.example;
      const auto [full, trimmed] = SignatureTexts(all, c.example);
      EXPECT_EQ(full, std::set<std::string>(c.matches.begin(), c.matches.end())) << c.example;
      EXPECT_EQ(trimmed, std::set<std::string>(c.trimmed_matches.begin(), c.trimmed_matches.end())) << c.example;
    }
    // A random path changes exactly when a reported region with its signature
    // exists, and then as that region says.
    for (int k = 0; k < 200; ++k) {
      const std::string path = RandomPath(rng);
      if (path.empty()) {
        continue;
      }
      const parser::CapabilitySet before = EffectiveCapabilities(*a->acl, path);
      const parser::CapabilitySet after = EffectiveCapabilities(*b->acl, path);
      const auto [full, trimmed] = SignatureTexts(all, path);
      const RegionChange* region = nullptr;
      for (const RegionChange& c : *changes) {
        if (c.ends_with_slash == path.ends_with('/') &&
            full == std::set<std::string>(c.matches.begin(), c.matches.end()) &&
            trimmed == std::set<std::string>(c.trimmed_matches.begin(), c.trimmed_matches.end())) {
          region = &c;
          break;
        }
      }
      if (before == after) {
        EXPECT_EQ(region, nullptr) << "round " << round << ": " << path << " is unchanged but lies in reported region "
                                   << region->description;
        continue;
      }
      ++changed_paths;
      ASSERT_NE(region, nullptr) << "round " << round << ": " << path << " changed (" << Caps(before) << " -> "
                                 << Caps(after) << ") outside every reported region";
      EXPECT_EQ(region->before, before) << path;
      EXPECT_EQ(region->after, after) << path;
    }
  }
  EXPECT_GT(changed_paths, 100);  // the generator does produce changes
}

TEST(DiffExactness, RandomPolicySetsVault) {
  CheckExactness(Dialect::kVault, 6001);
}

TEST(DiffExactness, RandomPolicySetsVaultLegacy) {
  CheckExactness(Dialect::kVaultLegacy, 6002);
}

TEST(DiffExactness, RandomPolicySetsOpenBao) {
  CheckExactness(Dialect::kOpenBao, 6003);
}

}  // namespace
}  // namespace polcheck::analysis

namespace polcheck::analysis {
namespace {

// git:REV sides: a throw-away repository with two commits of one workspace.
class GitSides : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("git --version >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "git is not installed";
    }
    // One folder per test and process: CTest runs the tests of this fixture in
    // parallel, and a shared folder was removed under the other test's feet.
    repo_ = std::filesystem::temp_directory_path() /
            ("polcheck-diff-git-repo-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
             "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(repo_);
    std::filesystem::create_directories(repo_ / "vault" / "policies");
    std::filesystem::create_directories(repo_ / "vault" / "bindings");
    std::ofstream(repo_ / "vault" / "bindings" / "t.yaml") << "token_roles:\n  ci: {allowed_policies: [app]}\n";
    Write("path \"secret/data/app/*\" { capabilities = [\"read\"] }\n");
    Git("init -q");
    Git("add -A");
    Git("commit -q -m base");
    Write("path \"secret/data/app/*\" { capabilities = [\"read\", \"delete\"] }\n");
    Git("commit -q -am head");
  }
  void TearDown() override { std::filesystem::remove_all(repo_); }

  void Write(const std::string& text) { std::ofstream(repo_ / "vault" / "policies" / "app.hcl") << text; }
  void Git(const std::string& args) {
    const std::string cmd = "cd '" + repo_.string() + "' && git -c user.name=t -c user.email=t@example.com " + args;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  std::filesystem::path repo_;
};

TEST_F(GitSides, ExportsTheWorkspaceFolderAtARevision) {
  Expected<TempDir> tmp = TempDir::Create("test");
  ASSERT_TRUE(tmp.has_value());
  Expected<std::filesystem::path> dir = ExportGitRevision("HEAD~1", repo_ / "vault", tmp->path());
  ASSERT_TRUE(dir.has_value()) << dir.error().message;
  EXPECT_EQ(*dir, tmp->path() / "vault");
  DiagnosticSink sink;
  Expected<Workspace> base = LoadWorkspace({.directory = *dir, .dialect = std::nullopt}, sink);
  Expected<Workspace> head = LoadWorkspace({.directory = repo_ / "vault", .dialect = std::nullopt}, sink);
  ASSERT_TRUE(base.has_value() && head.has_value());
  Expected<DiffResult> d = DiffWorkspaces(*base, *head, {});
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->principals.size(), 1u);
  EXPECT_EQ(d->principals[0].label, "auth/token/roles/ci");
  EXPECT_EQ(Lines(d->principals[0].changes),
            (std::vector<std::string>{"secret/data/app/* (paths ending in '/'): +delete", "secret/data/app/*: +delete"}));
  const std::filesystem::path exported = tmp->path();
  { TempDir gone = *std::move(tmp); }
  EXPECT_FALSE(std::filesystem::exists(exported));
}

TEST_F(GitSides, UnknownRevisionAndMissingFolderAreNotFound) {
  Expected<TempDir> tmp = TempDir::Create("test");
  ASSERT_TRUE(tmp.has_value());
  Expected<std::filesystem::path> bad = ExportGitRevision("no-such-branch", repo_ / "vault", tmp->path());
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Error::Code::kNotFound);
  EXPECT_EQ(bad.error().message, "git:no-such-branch: unknown revision");
  std::filesystem::create_directories(repo_ / "later");
  Expected<std::filesystem::path> absent = ExportGitRevision("HEAD", repo_ / "later", tmp->path());
  ASSERT_FALSE(absent.has_value());
  EXPECT_EQ(absent.error().message, "git:HEAD: no directory later at that revision");
}

}  // namespace
}  // namespace polcheck::analysis

namespace polcheck::analysis {
namespace {

// DiffWorkspaces end to end on random workspaces: token roles holding random
// subsets of random policies, a few policies and bindings changed. For every
// principal and random path, the answer changes exactly when a reported
// region of that principal says so (principals not reported never change).
TEST(DiffExactness, RandomWorkspacesPerPrincipal) {
  std::mt19937 rng(6100);
  int changed_paths = 0;
  for (int round = 0; round < 25; ++round) {
    std::vector<std::string> base_policies;
    for (int p = 0; p < 4; ++p) {
      base_policies.push_back(RandomPolicy(rng));
    }
    std::vector<std::string> head_policies = base_policies;
    head_policies[std::uniform_int_distribution<int>(0, 3)(rng)] = RandomPolicy(rng);
    if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
      head_policies[std::uniform_int_distribution<int>(0, 3)(rng)] += RandomPolicy(rng);
    }
    auto roles = [&](std::mt19937& r) {
      std::vector<std::vector<int>> out;
      for (int t = 0; t < 5; ++t) {
        std::vector<int> held;
        for (int p = 0; p < 4; ++p) {
          if (std::uniform_int_distribution<int>(0, 1)(r) == 0) {
            held.push_back(p);
          }
        }
        out.push_back(held);
      }
      return out;
    };
    const std::vector<std::vector<int>> base_roles = roles(rng);
    std::vector<std::vector<int>> head_roles = base_roles;
    head_roles[std::uniform_int_distribution<int>(0, 4)(rng)] = roles(rng)[0];
    auto files = [](const std::vector<std::string>& policies, const std::vector<std::vector<int>>& held) {
      Files f;
      for (std::size_t p = 0; p < policies.size(); ++p) {
        f["policies/p" + std::to_string(p) + ".hcl"] = policies[p];
      }
      std::string yaml = "token_roles:\n";
      for (std::size_t t = 0; t < held.size(); ++t) {
        yaml += "  t" + std::to_string(t) + ": {token_no_default_policy: true, allowed_policies: [";
        for (std::size_t k = 0; k < held[t].size(); ++k) {
          yaml += (k == 0 ? "p" : ", p") + std::to_string(held[t][k]);
        }
        yaml += "]}\n";
      }
      f["bindings/t.yaml"] = yaml;
      return f;
    };
    Loaded a = LoadSide(files(base_policies, base_roles), "base");
    Loaded b = LoadSide(files(head_policies, head_roles), "head");
    Expected<DiffResult> d = DiffWorkspaces(a.ws, b.ws, {});
    ASSERT_TRUE(d.has_value()) << d.error().message;
    for (std::size_t t = 0; t < base_roles.size(); ++t) {
      const std::string label = "auth/token/roles/t" + std::to_string(t);
      auto acl_for = [](const Workspace& ws, const std::vector<int>& held) {
        std::vector<const parser::Policy*> policies;
        for (int p : held) {
          policies.push_back(ws.FindPolicy("p" + std::to_string(p)));
        }
        Expected<evaluator::Acl> acl = evaluator::Acl::Build(policies, {.dialect = ws.dialect});
        return std::make_unique<evaluator::Acl>(*std::move(acl));
      };
      // allowed_policies empty: the role gets only `default`, which the
      // generated workspaces lack; an empty ACL either way.
      const std::unique_ptr<evaluator::Acl> acl_a = acl_for(a.ws, base_roles[t]);
      const std::unique_ptr<evaluator::Acl> acl_b = acl_for(b.ws, head_roles[t]);
      const PrincipalChange* reported = Find(*d, label);
      for (int k = 0; k < 150; ++k) {
        const std::string path = RandomPath(rng);
        if (path.empty()) {
          continue;
        }
        const parser::CapabilitySet before = EffectiveCapabilities(*acl_a, path);
        const parser::CapabilitySet after = EffectiveCapabilities(*acl_b, path);
        if (before == after) {
          continue;
        }
        ++changed_paths;
        ASSERT_NE(reported, nullptr) << "round " << round << ": " << label << " changes on " << path
                                     << " but is not reported";
        std::vector<parser::Pattern> all;
        for (const evaluator::Acl* acl : {acl_a.get(), acl_b.get()}) {
          for (evaluator::RuleId id = 0; id < acl->rule_count(); ++id) {
            all.push_back({acl->rule(id).key, acl->rule(id).kind});
          }
        }
        const auto [full, trimmed] = SignatureTexts(all, path);
        bool found = false;
        for (const RegionChange& c : reported->changes) {
          if (c.ends_with_slash == path.ends_with('/') &&
              full == std::set<std::string>(c.matches.begin(), c.matches.end()) &&
              trimmed == std::set<std::string>(c.trimmed_matches.begin(), c.trimmed_matches.end())) {
            found = true;
            EXPECT_EQ(c.before, before) << path;
            EXPECT_EQ(c.after, after) << path;
          }
        }
        EXPECT_TRUE(found) << "round " << round << ": " << label << " changes on " << path
                           << " outside its reported regions";
      }
    }
  }
  EXPECT_GT(changed_paths, 50);
}

}  // namespace
}  // namespace polcheck::analysis

namespace polcheck::analysis {
namespace {

TEST(FormatDiffMarkdown, StaysUnderGithubsCommentLimit) {
  DiffResult d;
  d.principals_total = 2000;
  for (int i = 0; i < 2000; ++i) {
    PrincipalChange p;
    p.label = "auth/kubernetes/role/role-" + std::to_string(i);
    RegionChange c;
    c.description = c.core = "secret/data/team-" + std::to_string(i) + "/*";
    c.example = "secret/data/team-" + std::to_string(i) + "/x";
    c.after.Add(parser::Capability::kRead);
    p.changes.push_back(c);
    d.principals.push_back(std::move(p));
  }
  const std::string md = FormatDiffMarkdown(d);
  EXPECT_LT(md.size(), 65536u);
  EXPECT_NE(md.find("more principals: the full report is in `--format html` or `--format json`."), std::string::npos);
  EXPECT_NE(md.find("**2000 of 2000 principals changed (0 with risky gains), 0 policies changed**"), std::string::npos);
}

}  // namespace
}  // namespace polcheck::analysis

namespace polcheck::analysis {
namespace {

// Real-world patterns: for every repository of the shared corpus, the regions
// of all its policies' patterns carry the signature their example has, and
// diffing each policy against the next one of the repository reports changes
// the evaluator confirms on the examples.
TEST(DiffCorpus, RegionsAndPairwiseDiffsOnEveryRepository) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(POLCHECK_CORPUS_DIR) / "policies";
  if (!fs::exists(root)) {
    GTEST_SKIP() << "corpus not found at " << root;
  }
  std::map<std::string, std::vector<fs::path>> by_repo;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(root)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".hcl" || ext == ".json")) {
      by_repo[e.path().parent_path().filename().string()].push_back(e.path());
    }
  }
  std::size_t regions_checked = 0;
  std::size_t changes_checked = 0;
  std::vector<parser::Pattern> every;  // all repositories at once: the automaton's stress case
  for (auto& [repo, files] : by_repo) {
    std::sort(files.begin(), files.end());
    SourceSet sources;
    std::vector<parser::PolicyFile> parsed;
    for (const fs::path& file : files) {
      std::ifstream in(file);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      DiagnosticSink sink;
      const FileId id = sources.Add(file.string(), std::move(text));
      parser::PolicyFile pf = parser::ParsePolicy(sources.file(id), {.dialect = Dialect::kVault}, sink);
      if (pf.ok && !pf.policy.templated) {
        parsed.push_back(std::move(pf));
      }
    }
    std::vector<parser::Pattern> patterns;
    std::vector<std::unique_ptr<evaluator::Acl>> acls;
    for (const parser::PolicyFile& f : parsed) {
      for (const parser::PathRule& r : f.policy.rules) {
        patterns.push_back(r.pattern);
      }
      std::vector<const parser::Policy*> one = {&f.policy};
      Expected<evaluator::Acl> acl = evaluator::Acl::Build(one, {.dialect = Dialect::kVault});
      ASSERT_TRUE(acl.has_value()) << repo;
      acls.push_back(std::make_unique<evaluator::Acl>(*std::move(acl)));
    }
    every.insert(every.end(), patterns.begin(), patterns.end());
    Expected<std::vector<Region>> regions = ComputeRegions(patterns, {});
    ASSERT_TRUE(regions.has_value()) << repo << ": " << regions.error().message;
    for (const Region& r : *regions) {
      std::vector<std::uint32_t> full;
      std::vector<std::uint32_t> trimmed;
      for (std::uint32_t i = 0; i < patterns.size(); ++i) {
        if (PatternMatches(patterns[i], r.example)) {
          full.push_back(i);
        }
        if (r.ends_with_slash && PatternMatches(patterns[i], std::string_view(r.example).substr(0, r.example.size() - 1))) {
          trimmed.push_back(i);
        }
      }
      ASSERT_EQ(full, r.matches) << repo << " " << r.example;
      ASSERT_EQ(trimmed, r.trimmed_matches) << repo << " " << r.example;
      ++regions_checked;
    }
    for (std::size_t i = 0; i + 1 < acls.size(); ++i) {
      Expected<std::vector<RegionChange>> changes = CompareAcls(*acls[i], *acls[i + 1]);
      ASSERT_TRUE(changes.has_value()) << repo;
      for (const RegionChange& c : *changes) {
        ASSERT_EQ(EffectiveCapabilities(*acls[i], c.example), c.before) << repo << " " << c.example;
        ASSERT_EQ(EffectiveCapabilities(*acls[i + 1], c.example), c.after) << repo << " " << c.example;
        ++changes_checked;
      }
    }
  }
  Expected<std::vector<Region>> all = ComputeRegions(every, {});
  ASSERT_TRUE(all.has_value()) << all.error().message;
  for (std::size_t k = 0; k < all->size(); k += 97) {
    const Region& r = (*all)[k];
    std::vector<std::uint32_t> full;
    for (std::uint32_t i = 0; i < every.size(); ++i) {
      if (PatternMatches(every[i], r.example)) {
        full.push_back(i);
      }
    }
    ASSERT_EQ(full, r.matches) << r.example;
  }
  std::printf("corpus: %zu repositories, %zu regions, %zu region changes checked; all %zu patterns at once: %zu "
              "regions\n",
              by_repo.size(), regions_checked, changes_checked, every.size(), all->size());
  EXPECT_GT(regions_checked, 1000u);
}

}  // namespace
}  // namespace polcheck::analysis
