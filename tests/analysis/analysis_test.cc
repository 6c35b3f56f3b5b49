// Queries: the `vault kv` mapping (§8), simulate, who-can and matrix.
#include "analysis/analysis.h"

#include <gtest/gtest.h>

#include "tests/analysis/test_workspace.h"

namespace polcheck::analysis {
namespace {

using evaluator::Operation;
using testing::Load;

std::string Describe(const std::vector<Step>& steps) {
  std::string out;
  for (const Step& s : steps) {
    out += s.mount_visibility ? "see " + s.path
                              : std::string(evaluator::OperationName(s.operation)) + " " + s.path +
                                    (s.body_data ? " {data}" : "");
    out += "; ";
  }
  return out;
}

TEST(KvSteps, KvV2OperationsMapToApiPaths) {
  const config::Config c = config::DefaultConfig();  // KV v2 at secret/
  struct Case {
    const char* op;
    const char* expected;
  };
  const Case cases[] = {
      {"get", "see secret/; read secret/data/foo/bar; "},
      {"put", "see secret/; create secret/data/foo/bar {data}; update secret/data/foo/bar {data}; "},
      {"patch", "see secret/; patch secret/data/foo/bar {data}; "},
      {"delete", "see secret/; delete secret/data/foo/bar; "},
      {"undelete", "see secret/; update secret/undelete/foo/bar; "},
      {"destroy", "see secret/; update secret/destroy/foo/bar; "},
      {"list", "see secret/; list secret/metadata/foo/bar/; "},
      {"metadata get", "see secret/; read secret/metadata/foo/bar; "},
      {"metadata-delete", "see secret/; delete secret/metadata/foo/bar; "},
      {"metadata put", "see secret/; create secret/metadata/foo/bar; update secret/metadata/foo/bar; "},
      {"metadata patch", "see secret/; patch secret/metadata/foo/bar; "},
  };
  for (const Case& c2 : cases) {
    Expected<std::vector<Step>> steps = KvSteps(c, "secret/foo/bar", c2.op);
    ASSERT_TRUE(steps.has_value()) << c2.op;
    EXPECT_EQ(Describe(*steps), c2.expected) << c2.op;
  }
  Expected<std::vector<Step>> root_list = KvSteps(c, "secret", "list");
  ASSERT_TRUE(root_list.has_value());
  EXPECT_EQ(Describe(*root_list), "see secret/; list secret/metadata/; ");
}

TEST(KvSteps, KvV1AndErrors) {
  auto l = Load({{"polcheck.yaml", "mounts:\n  kv1/: {type: kv, version: 1}\n  db/: database\n"},
                 {"policies/a.hcl", "path \"a\" { capabilities = [\"read\"] }\n"}});
  EXPECT_EQ(Describe(*KvSteps(l.ws.config, "kv1/app", "get")), "see kv1/; read kv1/app; ");
  EXPECT_EQ(Describe(*KvSteps(l.ws.config, "kv1/app", "list")), "see kv1/; list kv1/app/; ");
  EXPECT_FALSE(KvSteps(l.ws.config, "kv1/app", "destroy").has_value());
  EXPECT_FALSE(KvSteps(l.ws.config, "db/creds/x", "get").has_value());      // not KV
  EXPECT_FALSE(KvSteps(l.ws.config, "secret/app", "get").has_value());      // mounts replaced the default
  EXPECT_FALSE(KvSteps(config::DefaultConfig(), "secret/a", "rollback").has_value());
}

constexpr const char* kTeamPolicy = R"(
path "secret/data/team/*" {
  capabilities = ["create", "update", "read"]
  allowed_parameters = { "password" = [] }
}
path "secret/metadata/team/*" {
  capabilities = ["list"]
}
)";

TEST(Simulate, KvWriteParametersAreInsideData) {
  // §10 row 102: allowed_parameters={password=[]} on secret/data/* denies `vault kv put` because the
  // body's top-level key is `data`.
  auto l = Load({{"policies/team.hcl", kTeamPolicy}});
  SimulateRequest req;
  req.steps = *KvSteps(l.ws.config, "secret/team/app", "put");
  req.params["password"] = parser::Value::String("x");
  Expected<std::vector<Answer>> a = Simulate(l.ws, {SubjectForPolicies({"team"})}, req);
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ((*a)[0].steps.size(), 3u);
  EXPECT_TRUE((*a)[0].steps[0].allowed);  // the mount is visible
  EXPECT_FALSE((*a)[0].steps[1].allowed);
  EXPECT_EQ((*a)[0].steps[1].reason, "parameter-not-allowed");
  EXPECT_FALSE((*a)[0].allowed);
  // The same parameter on a plain --path request is checked as sent.
  SimulateRequest plain{.path = "secret/data/team/app", .operation = Operation::kUpdate, .params = req.params,
                        .steps = {}, .explain = false};
  a = Simulate(l.ws, {SubjectForPolicies({"team"})}, plain);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE((*a)[0].allowed);
  ASSERT_TRUE((*a)[0].steps[0].deciding.has_value());
  EXPECT_EQ((*a)[0].steps[0].deciding->file, "policies/team.hcl");
  EXPECT_EQ((*a)[0].steps[0].deciding->line, 2u);
}

TEST(Simulate, ListAddsTrailingSlashAndCapabilitiesWithoutOp) {
  auto l = Load({{"policies/team.hcl", kTeamPolicy}});
  Expected<std::vector<Answer>> a = Simulate(
      l.ws, {SubjectForPolicies({"team"})},
      {.path = "secret/metadata/team/x", .operation = Operation::kList, .params = {}, .steps = {}, .explain = false});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ((*a)[0].steps[0].step.path, "secret/metadata/team/x/");
  EXPECT_TRUE((*a)[0].allowed);
  a = Simulate(l.ws, {SubjectForPolicies({"team"})},
               {.path = "secret/data/team/x", .operation = std::nullopt, .params = {}, .steps = {}, .explain = false});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*(*a)[0].capabilities, (std::vector<std::string>{"create", "read", "update"}));
}

// SEMANTICS.md §2.2: login endpoints (and a few sys/ paths) are served without
// a token, so no ACL refuses them; the runtime consistency test found simulate
// answering "denied" there.
TEST(Simulate, UnauthenticatedPathsAreNotRefusedByTheAcl) {
  auto l = Load({{"policies/other.hcl", "path \"kv/data/x\" { capabilities = [\"read\"] }\n"},
                 {"bindings/auth.yaml",
                  "auth:\n  userpass:\n    users:\n      bob: {token_policies: [other]}\n"
                  "  approle:\n    roles:\n      ci: {token_policies: [other]}\n"}});
  ASSERT_TRUE(l.diagnostics.empty()) << l.diagnostics;
  auto run = [&](std::string path, Operation op) {
    Expected<std::vector<Answer>> a = Simulate(
        l.ws, {SubjectForPolicies({"other"})},
        {.path = std::move(path), .operation = op, .params = {}, .steps = {}, .explain = false});
    EXPECT_TRUE(a.has_value());
    return a ? (*a)[0].steps[0] : StepAnswer{};
  };
  for (const char* path : {"auth/userpass/login/bob", "auth/approle/login", "sys/wrapping/lookup", "sys/health"}) {
    const StepAnswer st = run(path, path == std::string("sys/health") ? Operation::kRead : Operation::kUpdate);
    EXPECT_TRUE(st.allowed) << path;
    EXPECT_EQ(st.reason, "unauthenticated") << path;
    EXPECT_FALSE(st.deciding.has_value()) << path;
  }
  EXPECT_NE(run("auth/approle/login", Operation::kUpdate).reason_text.find("approle method at auth/approle/"),
            std::string::npos);
  // Everything else on the mount is the ACL's: users/, role/, and LIST (the
  // trailing '/' is added first, so "sys/health/" is not the open path).
  for (const char* path : {"auth/userpass/users/bob", "auth/approle/role/ci", "auth/userpass/login/",
                           "auth/kubernetes/login"}) {
    const StepAnswer st = run(path, Operation::kUpdate);
    EXPECT_FALSE(st.allowed) << path;
    EXPECT_EQ(st.reason, "no-matching-rule") << path;
  }
  EXPECT_FALSE(run("sys/health", Operation::kList).allowed);
}

TEST(Simulate, MountNotVisibleFailsTheKvPreflight) {
  auto l = Load({{"policies/other.hcl", "path \"kv/data/x\" { capabilities = [\"read\"] }\n"}});
  SimulateRequest req;
  req.steps = *KvSteps(l.ws.config, "secret/app", "get");
  Expected<std::vector<Answer>> a = Simulate(l.ws, {SubjectForPolicies({"other"})}, req);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ((*a)[0].steps[0].reason, "mount-not-visible");
}

TEST(Simulate, TemplatedPolicyRenderedPerLogin) {
  auto l = Load({{"policies/home.hcl",
                  "path \"secret/data/home/{{identity.entity.aliases.auth_up.name}}/*\" { capabilities = [\"read\"] }\n"},
                 {"bindings/u.yaml", "auth:\n  userpass:\n    accessor: auth_up\n    users:\n      Ann: {token_policies: home}\n"}});
  Expected<std::vector<Subject>> who = SubjectsForIdentity(l.ws, "userpass:ann");
  ASSERT_TRUE(who.has_value());
  ASSERT_EQ(who->size(), 1u);
  auto ask = [&](const std::vector<Subject>& s, const char* path) {
    Expected<std::vector<Answer>> a =
        Simulate(l.ws, s, {.path = path, .operation = Operation::kRead, .params = {}, .steps = {}, .explain = true});
    return a.has_value() && (*a)[0].allowed;
  };
  EXPECT_TRUE(ask(*who, "secret/data/home/ann/x"));
  EXPECT_FALSE(ask(*who, "secret/data/home/bob/x"));
  // A raw token has no entity: the templated block is dropped.
  EXPECT_FALSE(ask({SubjectForPolicies({"home"})}, "secret/data/home/ann/x"));
}

TEST(WhoCan, ListsAllowedSubjectsWithDecidingRule) {
  auto l = Load({{"policies/team.hcl", kTeamPolicy},
                 {"policies/deny.hcl", "path \"secret/data/team/prod\" { capabilities = [\"deny\"] }\n"},
                 {"bindings/b.yaml",
                  "auth:\n  approle:\n    roles:\n      a: {token_policies: team}\n      b: {token_policies: [team, deny]}\n"
                  "      c: {token_policies: [root]}\n"
                  "identity:\n  groups:\n    - {name: g, policies: [team]}\n"}});
  AclCache cache(l.ws);
  const std::vector<Subject> all = AllSubjects(l.ws);
  Expected<WhoCanResult> r = WhoCan(
      l.ws, all, {.path = "secret/data/team/prod", .operation = Operation::kRead, .capability = std::nullopt}, cache);
  ASSERT_TRUE(r.has_value());
  std::vector<std::string> who;
  for (const WhoCanEntry& e : r->allowed) {
    who.push_back(e.subject.label);
  }
  EXPECT_EQ(who, (std::vector<std::string>{"auth/approle/role/a", "identity/group/name/g"}));
  EXPECT_EQ(r->subjects_checked, 4u);
  EXPECT_EQ(r->allowed[0].deciding->pattern, "secret/data/team/*");
  r = WhoCan(l.ws, all, {.path = "secret/data/team/dev", .operation = std::nullopt,
                         .capability = parser::Capability::kCreate}, cache);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->allowed.size(), 3u);
}

TEST(Matrix, DefaultColumnsAreNonTemplatedRuleLabels) {
  auto l = Load({{"policies/team.hcl", kTeamPolicy},
                 {"policies/home.hcl", "path \"home/{{identity.entity.name}}\" { capabilities = [\"read\"] }\n"},
                 {"bindings/b.yaml", "auth:\n  approle:\n    roles:\n      a: {token_policies: team}\n"}});
  Expected<Matrix> m = BuildMatrix(l.ws, AllSubjects(l.ws), {});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->paths, (std::vector<std::string>{"secret/data/team/*", "secret/metadata/team/*"}));
  EXPECT_EQ(FormatMatrixCsv(*m),
            "subject,secret/data/team/*,secret/metadata/team/*\n"
            "auth/approle/role/a,create read update,list\n");
}

TEST(ParsePathList, SkipsCommentsAndBlanks) {
  EXPECT_EQ(ParsePathList("# header\nsecret/a\n\n  secret/b  # trailing\n"),
            (std::vector<std::string>{"secret/a", "secret/b"}));
}

}  // namespace
}  // namespace polcheck::analysis
