// `polcheck test`: loading and validating test files, running them, coverage
// and the three output formats.
#include "analysis/policy_tests.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/analysis/test_workspace.h"

namespace polcheck::analysis {
namespace {

using testing::Load;

// A workspace used by most tests: two auth mounts with the same role name, a
// wrapping-TTL rule, parameter constraints and a templated rule.
testing::LoadedWorkspace Teams() {
  return Load({
      {"policies/dev.hcl",
       "path \"secret/data/app/*\" {\n  capabilities = [\"create\", \"read\", \"update\"]\n}\n"
       "path \"secret/data/app/prod/*\" {\n  capabilities = [\"deny\"]\n}\n"
       "path \"sys/wrapping/wrap\" {\n  capabilities = [\"update\"]\n  min_wrapping_ttl = \"1m\"\n"
       "  max_wrapping_ttl = 300\n}\n"},
      {"policies/reader.hcl",
       "path \"secret/data/app/*\" {\n  capabilities = [\"read\"]\n}\n"
       "path \"auth/approle/role/*\" {\n  capabilities = [\"update\"]\n"
       "  allowed_parameters = {\n    \"token_ttl\" = [\"1h\", \"2h\"]\n  }\n}\n"},
      {"policies/home.hcl",
       "path \"secret/data/home/{{identity.entity.name}}/*\" {\n  capabilities = [\"read\"]\n}\n"},
      {"bindings/auth.yaml",
       "auth:\n"
       "  kubernetes:\n"
       "    roles:\n"
       "      app:\n"
       "        bound_service_account_names: [app]\n"
       "        bound_service_account_namespaces: [prod]\n"
       "        token_policies: [reader]\n"
       "  aws:\n"
       "    roles:\n"
       "      app:\n"
       "        auth_type: iam\n"
       "        bound_iam_principal_arn: [arn:aws:iam::123456789012:role/dev]\n"
       "        token_policies: [dev]\n"
       "  userpass:\n"
       "    users:\n"
       "      alice:\n"
       "        token_policies: [home]\n"
       "identity:\n"
       "  entities:\n"
       "    - name: alice\n"
       "      aliases: [{name: alice, mount: userpass}]\n"},
  });
}

struct Parsed {
  std::vector<PolicyTest> tests;
  DiagnosticSink sink;
  std::string diagnostics;
};

Parsed ParseText(Workspace& ws, const std::string& text, const std::string& name = "tests/a_test.yaml") {
  Parsed out;
  const SourceFile& source = ws.sources->file(ws.sources->Add(name, text));
  out.tests = ParsePolicyTests(source, ws.directory / "tests", out.sink);
  out.diagnostics = RenderDiagnostics(ws, out.sink);
  return out;
}

struct Ran {
  PolicyTestReport report;
  std::string diagnostics;
};

Ran RunText(Workspace& ws, const std::string& text) {
  Parsed p = ParseText(ws, text);
  EXPECT_EQ(p.diagnostics, "");
  Ran out;
  DiagnosticSink sink;
  out.report = RunPolicyTests(ws, p.tests, sink);
  out.diagnostics = RenderDiagnostics(ws, sink);
  return out;
}

TEST(PolicyTestsLoad, ReadsEveryField) {
  auto l = Teams();
  Parsed p = ParseText(l.ws,
                       "tests:\n"
                       "  - name: one\n"
                       "    role: app\n"
                       "    mount: auth/aws/\n"
                       "    path: secret/data/app/x\n"
                       "    op: update\n"
                       "    params: {a: '1', b: [x, y]}\n"
                       "    wrap_ttl: 90s\n"
                       "    expect: allow\n"
                       "    capabilities: [update, read, create, read]\n"
                       "    reason: allowed\n"
                       "    decided_by: dev\n"
                       "  - name: two\n"
                       "    policies: [dev]\n"
                       "    kv: secret/app/x\n"
                       "    kv_op: metadata get\n"
                       "    expect: deny\n");
  ASSERT_EQ(p.diagnostics, "");
  ASSERT_EQ(p.tests.size(), 2u);
  const PolicyTest& t = p.tests[0];
  EXPECT_EQ(t.name, "one");
  EXPECT_EQ(t.file, "tests/a_test.yaml");
  EXPECT_EQ(t.line, 2u);
  EXPECT_EQ(t.role, "app");
  EXPECT_EQ(t.mount, "auth/aws/");
  EXPECT_EQ(t.operation, evaluator::Operation::kUpdate);
  EXPECT_EQ(t.params.at("a"), parser::Value::String("1"));
  EXPECT_EQ(t.params.at("b"),
            parser::Value::MakeList({parser::Value::String("x"), parser::Value::String("y")}));
  EXPECT_EQ(t.wrap_ttl, std::chrono::seconds(90));
  EXPECT_EQ(t.expect_allowed, true);
  EXPECT_EQ(t.capabilities, (std::vector<std::string>{"create", "read", "update"}));
  EXPECT_EQ(t.reason, "allowed");
  EXPECT_EQ(t.decided_by, "dev");
  EXPECT_EQ(p.tests[1].policies, std::vector<std::string>{"dev"});
  EXPECT_EQ(p.tests[1].kv_op, "metadata get");
  EXPECT_EQ(p.tests[1].line, 13u);
}

TEST(PolicyTestsLoad, UnknownKeyIsReportedWithCaret) {
  auto l = Teams();
  Parsed p = ParseText(l.ws,
                       "tests:\n"
                       "  - name: one\n"
                       "    role: app\n"
                       "    path: a\n"
                       "    op: read\n"
                       "    expected: allow\n");
  EXPECT_TRUE(p.tests.empty());
  EXPECT_EQ(
      p.diagnostics,
      "tests/a_test.yaml:2:5: error: a test needs expect: (allow or deny) and/or capabilities: [...] "
      "[policy-test]\n"
      "  2 |   - name: one\n"
      "    |     ^\n"
      "tests/a_test.yaml:6:5: error: unknown key \"expected\" in a test (expected one of: name, role, mount, "
      "identity, policies, path, op, kv, kv_op, params, wrap_ttl, expect, capabilities, reason, decided_by) "
      "[policy-test]\n"
      "  6 |     expected: allow\n"
      "    |     ^~~~~~~~\n");
}

TEST(PolicyTestsLoad, WrongTypesAndValuesAreDiagnostics) {
  struct Case {
    const char* yaml;  // the lines after "name: x" and a valid who
    const char* message;
  };
  const Case cases[] = {
      {"path: a\nop: reed\nexpect: allow\n", "unknown op \"reed\""},
      {"path: a\nop: read\nexpect: yes\n", "expect: must be allow or deny, not \"yes\""},
      {"path: a\ncapabilities: read\n", "capabilities must be a list of strings"},
      {"path: a\ncapabilities: [read, reed]\n", "6:26: error: unknown capability \"reed\""},
      {"path: a\nop: read\nexpect: allow\nwrap_ttl: soon\n", "wrap_ttl: expected seconds or a Go duration"},
      {"path: a\nop: read\nexpect: allow\nparams: {a: {b: c}}\n",
       "parameter \"a\" must be a string or a list"},
      {"path: a\nop: read\nexpect: allow\nparams: [a]\n", "params: must be a mapping"},
      {"path: a\nop: read\nexpect: allow\nreason: nope\n", "unknown reason \"nope\""},
      {"path: a\nexpect: allow\n", "expect: needs an operation"},
      {"path: a\nop: read\nkv: secret/a\nkv_op: get\nexpect: allow\n", "exactly one of path:"},
      {"kv: secret/a\nexpect: allow\n", "kv: needs kv_op:"},
      {"kv: secret/a\nkv_op: get\nop: read\nexpect: allow\n", "op: goes with path:"},
      {"path: a\nop: read\n", "a test needs expect:"},
      {"path: a\nop: read\nexpect: allow\nexpect: deny\n", "duplicate key \"expect\""},
      {"path: [a]\nop: read\nexpect: allow\n", "path must be a non-empty string"},
      {"path:\nop: read\nexpect: allow\n", "path must be a non-empty string"},
  };
  for (const Case& c : cases) {
    auto l = Teams();
    std::string yaml = "tests:\n  - name: x\n    role: app\n    mount: aws\n";
    std::string_view rest = c.yaml;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      yaml += "    " + std::string(rest.substr(0, nl + 1));
      rest.remove_prefix(nl + 1);
    }
    Parsed p = ParseText(l.ws, yaml);
    EXPECT_TRUE(p.tests.empty()) << c.yaml;
    EXPECT_NE(p.diagnostics.find(c.message), std::string::npos) << c.yaml << "\n" << p.diagnostics;
  }
}

TEST(PolicyTestsLoad, WhoMustBeGivenOnce) {
  auto l = Teams();
  Parsed none = ParseText(l.ws, "tests:\n  - name: x\n    path: a\n    op: read\n    expect: allow\n");
  EXPECT_NE(none.diagnostics.find("a test needs one of role: (with optional mount:), identity: or policies:"),
            std::string::npos);
  Parsed both =
      ParseText(l.ws, "tests:\n  - {name: x, role: a, policies: [dev], path: a, op: read, expect: allow}\n");
  EXPECT_NE(both.diagnostics.find("policies: is a raw token; it cannot be combined"), std::string::npos);
}

TEST(PolicyTestsLoad, FileShapeAndDuplicateNames) {
  auto l = Teams();
  EXPECT_NE(
      ParseText(l.ws, "- name: x\n").diagnostics.find("a test file must be a mapping with a `tests:` list"),
      std::string::npos);
  EXPECT_NE(ParseText(l.ws, "tests: []\n").diagnostics.find("`tests:` must be a non-empty list"),
            std::string::npos);
  EXPECT_NE(ParseText(l.ws, "tests: [{}]\nextra: 1\n").diagnostics.find("unknown key \"extra\" at the top"),
            std::string::npos);
  EXPECT_EQ(ParseText(l.ws, "test:\n  - name: x\n").diagnostics,
            "tests/a_test.yaml:1:1: error: unknown key \"test\" at the top of a test file (expected: tests) "
            "[policy-test]\n"
            "  1 | test:\n"
            "    | ^~~~\n"
            "tests/a_test.yaml:1:1: error: a test file must be a mapping with a `tests:` list [policy-test]\n"
            "  1 | test:\n"
            "    | ^\n");
  EXPECT_NE(
      ParseText(l.ws, "tests: [{}]\ntests: [{}]\n").diagnostics.find("2:1: error: duplicate key \"tests\""),
      std::string::npos);
  Parsed dup = ParseText(l.ws,
                         "tests:\n"
                         "  - {name: x, policies: [dev], path: a, op: read, expect: deny}\n"
                         "  - {name: x, policies: [dev], path: b, op: read, expect: deny}\n");
  EXPECT_EQ(dup.tests.size(), 1u);
  EXPECT_NE(dup.diagnostics.find("tests/a_test.yaml:3:12: error: duplicate test name \"x\""),
            std::string::npos)
      << dup.diagnostics;
}

TEST(PolicyTestsLoad, InvalidYamlNamesLineAndColumn) {
  auto l = Teams();
  Parsed p = ParseText(l.ws, "tests:\n  - name: x\n    path: [a\n");
  EXPECT_TRUE(p.tests.empty());
  EXPECT_EQ(p.diagnostics.rfind("tests/a_test.yaml:4:1: error: invalid YAML: ", 0), 0u) << p.diagnostics;
}

TEST(PolicyTestsRun, PassesAndFailuresSayExpectedAndGot) {
  auto l = Teams();
  Ran r = RunText(
      l.ws,
      "tests:\n"
      "  - {name: dev writes, role: app, mount: aws, path: secret/data/app/x, op: update, expect: allow,"
      " decided_by: dev}\n"
      "  - {name: dev never prod, role: app, mount: aws, path: secret/data/app/prod/x, op: read,"
      " expect: allow, reason: allowed, decided_by: reader}\n"
      "  - {name: pod caps, role: app, mount: kubernetes, path: secret/data/app/x,"
      " capabilities: [read, update]}\n");
  ASSERT_EQ(r.diagnostics, "");
  ASSERT_EQ(r.report.results.size(), 3u);
  EXPECT_TRUE(r.report.results[0].passed);
  EXPECT_EQ(r.report.results[0].subject, "auth/aws/role/app");
  const PolicyTestResult& prod = r.report.results[1];
  EXPECT_FALSE(prod.passed);
  EXPECT_EQ(prod.failures,
            (std::vector<std::string>{
                "expected allow, got deny", "expected reason allowed, got explicit-deny",
                "expected decided by reader, got dev path \"secret/data/app/prod/*\" (policies/dev.hcl:4)"}));
  EXPECT_EQ(r.report.results[2].failures,
            std::vector<std::string>{"expected capabilities [read, update], got [read]"});
  EXPECT_EQ(r.report.passed, 1u);
  EXPECT_EQ(r.report.failed, 2u);
  EXPECT_EQ(r.report.files, 1u);
}

// Issue #5/#6 follow-up: a role's templated rule is not dropped; a test
// expecting deny fails with the logins that get access.
TEST(PolicyTestsRun, RoleTemplatedRuleGrantsConditionally) {
  auto l = Load({{"policies/ns.hcl",
                  "path \"secret/data/{{identity.entity.aliases.auth_k8s.metadata.service_account_namespace}}/*\" {\n"
                  "  capabilities = [\"read\"]\n}\n"},
                 {"bindings/auth.yaml",
                  "auth:\n  kubernetes:\n    accessor: auth_k8s\n    roles:\n      app:\n"
                  "        bound_service_account_names: [app]\n        bound_service_account_namespaces: [a, b]\n"
                  "        token_policies: [ns]\n"}});
  Ran r = RunText(l.ws,
                  "tests:\n"
                  "  - {name: b pods read b, role: app, path: secret/data/b/x, op: read, expect: allow}\n"
                  "  - {name: nobody reads c, role: app, path: secret/data/c/x, op: read, expect: deny}\n"
                  "  - {name: nobody reads b, role: app, path: secret/data/b/x, op: read, expect: deny}\n");
  ASSERT_EQ(r.diagnostics, "");
  ASSERT_EQ(r.report.results.size(), 3u);
  EXPECT_TRUE(r.report.results[0].passed);
  EXPECT_EQ(ConditionsText(r.report.results[0].conditions),
            "identity.entity.aliases.auth_k8s.metadata.service_account_namespace = b");
  EXPECT_TRUE(r.report.results[1].passed);
  EXPECT_EQ(r.report.results[2].failures,
            std::vector<std::string>{"expected deny, got allow for logins where "
                                     "identity.entity.aliases.auth_k8s.metadata.service_account_namespace = b"});
}

TEST(PolicyTestsRun, DecidedByMatchesPolicyOrPattern) {
  auto l = Teams();
  Ran r = RunText(
      l.ws,
      "tests:\n"
      "  - {name: a, policies: [dev], path: secret/data/app/x, op: read, expect: allow, decided_by: DEV}\n"
      "  - {name: b, policies: [dev], path: secret/data/app/x, op: read, expect: allow,"
      " decided_by: 'secret/data/app/*'}\n"
      "  - {name: c, policies: [dev], path: nothing, op: read, expect: deny, decided_by: dev}\n");
  ASSERT_EQ(r.report.results.size(), 3u);
  EXPECT_TRUE(r.report.results[0].passed);
  EXPECT_TRUE(r.report.results[1].passed);
  EXPECT_EQ(r.report.results[2].failures,
            std::vector<std::string>{"expected decided by dev, got no deciding rule"});
}

TEST(PolicyTestsRun, WrapTtlReachesTheEvaluator) {
  auto l = Teams();
  Ran r = RunText(l.ws,
                  "tests:\n"
                  "  - {name: unwrapped, policies: [dev], path: sys/wrapping/wrap, op: update, expect: deny,"
                  " reason: wrapping-required}\n"
                  "  - {name: short, policies: [dev], path: sys/wrapping/wrap, op: update, wrap_ttl: 30s,"
                  " expect: deny, reason: wrap-ttl-below-min}\n"
                  "  - {name: ok, policies: [dev], path: sys/wrapping/wrap, op: update, wrap_ttl: 2m,"
                  " expect: allow}\n"
                  "  - {name: seconds, policies: [dev], path: sys/wrapping/wrap, op: update, wrap_ttl: 300,"
                  " expect: allow}\n"
                  "  - {name: long, policies: [dev], path: sys/wrapping/wrap, op: update, wrap_ttl: 1h,"
                  " expect: deny, reason: wrap-ttl-above-max}\n");
  ASSERT_EQ(r.report.results.size(), 5u);
  for (const PolicyTestResult& t : r.report.results) {
    EXPECT_TRUE(t.passed) << t.name << ": " << (t.failures.empty() ? "" : t.failures.front());
  }
}

TEST(PolicyTestsRun, ParamsReachTheEvaluator) {
  auto l = Teams();
  Ran r = RunText(l.ws,
                  "tests:\n"
                  "  - {name: ok, policies: [reader], path: auth/approle/role/x, op: update,"
                  " params: {token_ttl: 1h}, expect: allow}\n"
                  "  - {name: value, policies: [reader], path: auth/approle/role/x, op: update,"
                  " params: {token_ttl: 9h}, expect: deny, reason: parameter-value-not-allowed}\n"
                  "  - {name: name, policies: [reader], path: auth/approle/role/x, op: update,"
                  " params: {policies: root}, expect: deny, reason: parameter-not-allowed}\n");
  for (const PolicyTestResult& t : r.report.results) {
    EXPECT_TRUE(t.passed) << t.name << ": " << (t.failures.empty() ? "" : t.failures.front());
  }
}

TEST(PolicyTestsRun, AmbiguousRoleUnknownRoleAndMissingPolicyAreDiagnostics) {
  auto l = Teams();
  Parsed p = ParseText(l.ws,
                       "tests:\n"
                       "  - {name: a, role: app, path: x, op: read, expect: deny}\n"
                       "  - {name: b, role: nope, path: x, op: read, expect: deny}\n"
                       "  - {name: c, policies: [dev, typo], path: x, op: read, expect: deny}\n"
                       "  - {name: d, policies: [dev], kv: database/x, kv_op: get, expect: deny}\n"
                       "  - {name: e, identity: kubernetes:nonamespace, path: x, op: read, expect: deny}\n");
  ASSERT_EQ(p.diagnostics, "");
  DiagnosticSink sink;
  PolicyTestReport report = RunPolicyTests(l.ws, p.tests, sink);
  EXPECT_TRUE(report.results.empty());
  const std::string d = RenderDiagnostics(l.ws, sink);
  EXPECT_NE(d.find("tests/a_test.yaml:2:21: error: role \"app\" is ambiguous: it exists as "
                   "auth/kubernetes/role/app, auth/aws/role/app; add mount: to pick one"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("no role, user or token role named \"nope\" in the workspace"), std::string::npos) << d;
  EXPECT_NE(d.find("tests/a_test.yaml:4:31: error: policy \"typo\" is not in the workspace"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("kv database/x: not under a KV mount"), std::string::npos) << d;
  EXPECT_NE(d.find("identity: \"kubernetes:nonamespace\""), std::string::npos) << d;
}

TEST(PolicyTestsRun, IdentityLoginsAndLoginFailures) {
  auto l = Teams();
  Ran r =
      RunText(l.ws,
              "tests:\n"
              "  - {name: pod, identity: 'kubernetes:prod/app', path: secret/data/app/x, op: read,"
              " expect: allow, decided_by: reader}\n"
              "  - {name: stranger, identity: 'kubernetes:dev/app', path: secret/data/app/x, op: read,"
              " expect: deny, reason: login-refused}\n"
              "  - {name: wrong role, identity: 'kubernetes:prod/app', role: other, path: secret/data/app/x,"
              " capabilities: [deny]}\n"
              "  - {name: templated, identity: 'userpass:alice', path: secret/data/home/alice/x,"
              " op: read, expect: allow, decided_by: home}\n");
  ASSERT_EQ(r.diagnostics, "");
  ASSERT_EQ(r.report.results.size(), 4u);
  for (const PolicyTestResult& t : r.report.results) {
    EXPECT_TRUE(t.passed) << t.name << ": " << (t.failures.empty() ? "" : t.failures.front());
  }
  EXPECT_EQ(r.report.results[1].reason_text, "no role binds kubernetes:dev/app");
  EXPECT_EQ(r.report.results[2].reason_text, "no role binds kubernetes:prod/app through role \"other\"");
}

TEST(PolicyTestsRun, AnIdentitySeveralRolesBindNeedsRoleOrMount) {
  auto l = Load({{"policies/a.hcl", "path \"a/*\" {\n  capabilities = [\"read\"]\n}\n"},
                 {"policies/b.hcl", "path \"b/*\" {\n  capabilities = [\"read\"]\n}\n"},
                 {"bindings/k8s.yaml",
                  "auth:\n  kubernetes:\n    roles:\n"
                  "      ra:\n        bound_service_account_names: [app]\n"
                  "        bound_service_account_namespaces: [prod]\n        token_policies: [a]\n"
                  "      rb:\n        bound_service_account_names: [\"*\"]\n"
                  "        bound_service_account_namespaces: [prod]\n        token_policies: [b]\n"}});
  Parsed p =
      ParseText(l.ws,
                "tests:\n"
                "  - {name: x, identity: 'kubernetes:prod/app', path: a/x, op: read, expect: allow}\n"
                "  - {name: y, identity: 'kubernetes:prod/app', role: RB, path: b/x, op: read, expect: allow,"
                " decided_by: b}\n"
                "  - {name: z, identity: 'kubernetes:prod/app', role: ra, mount: kubernetes, path: b/x,"
                " op: read, expect: deny}\n");
  ASSERT_EQ(p.diagnostics, "");
  DiagnosticSink sink;
  PolicyTestReport report = RunPolicyTests(l.ws, p.tests, sink);
  EXPECT_EQ(
      RenderDiagnostics(l.ws, sink),
      "tests/a_test.yaml:2:25: error: identity \"kubernetes:prod/app\" can log in through several roles "
      "(auth/kubernetes/role/ra, auth/kubernetes/role/rb); add role: and/or mount: to pick one "
      "[policy-test]\n"
      "  2 |   - {name: x, identity: 'kubernetes:prod/app', path: a/x, op: read, expect: allow}\n"
      "    |                         ^~~~~~~~~~~~~~~~~~~~~\n");
  ASSERT_EQ(report.results.size(), 2u);
  EXPECT_TRUE(report.results[0].passed);
  EXPECT_EQ(report.results[0].subject, "auth/kubernetes/role/rb");
  EXPECT_TRUE(report.results[1].passed);
}

TEST(PolicyTestsRun, JwtClaimsFileIsRelativeToTheTestFile) {
  auto l =
      Load({{"policies/ci.hcl", "path \"secret/data/ci/*\" {\n  capabilities = [\"read\"]\n}\n"},
            {"bindings/jwt.yaml",
             "auth:\n  jwt:\n    type: jwt\n    roles:\n      ci:\n        role_type: jwt\n"
             "        bound_audiences: [vault]\n        user_claim: sub\n        token_policies: [ci]\n"},
            {"tests/claims/job.json", R"({"aud": "vault", "sub": "job-1"})"}});
  Ran r = RunText(l.ws,
                  "tests:\n  - {name: ci, identity: 'jwt:claims/job.json', path: secret/data/ci/k, op: read,"
                  " expect: allow}\n");
  ASSERT_EQ(r.diagnostics, "");
  ASSERT_EQ(r.report.results.size(), 1u);
  EXPECT_TRUE(r.report.results[0].passed) << r.report.results[0].failures.front();
  EXPECT_EQ(r.report.results[0].subject, "auth/jwt/role/ci");
}

TEST(PolicyTestsCoverage, CountsDecidingBlocksPerFileAndSkipsBuiltinDefault) {
  auto l = Teams();
  Ran r = RunText(l.ws,
                  "tests:\n"
                  "  - {name: a, role: app, mount: aws, path: secret/data/app/x, op: update, expect: allow}\n"
                  "  - {name: b, role: app, mount: aws, kv: secret/app/prod/x, kv_op: get, expect: deny}\n"
                  "  - {name: c, policies: [reader], path: secret/data/app/x, capabilities: [read]}\n");
  const Coverage& c = r.report.coverage;
  ASSERT_EQ(c.files.size(), 3u);  // dev, home, reader: no built-in default
  EXPECT_EQ(c.total, 6u);
  EXPECT_EQ(c.covered, 3u);
  EXPECT_DOUBLE_EQ(c.percent, 50.0);
  EXPECT_EQ(c.files[0].file, "policies/dev.hcl");
  EXPECT_EQ(c.files[0].covered, 2u);
  EXPECT_FALSE(c.files[0].rules[2].covered);
  EXPECT_EQ(c.files[0].rules[2].pattern, "sys/wrapping/wrap");
  EXPECT_EQ(c.files[0].rules[2].line, 7u);
  EXPECT_EQ(c.files[0].rules[2].column, 6u);
  EXPECT_EQ(c.files[1].policy, "home");
  EXPECT_DOUBLE_EQ(c.files[1].percent, 0.0);
  EXPECT_EQ(c.files[2].covered, 1u);
  EXPECT_TRUE(CoverageBelow(c, 50.1));
  EXPECT_FALSE(CoverageBelow(c, 50.0));
}

TEST(PolicyTestsCoverage, DefaultPolicyFileCountsWhenWritten) {
  auto l =
      Load({{"policies/default.hcl", "path \"auth/token/lookup-self\" {\n  capabilities = [\"read\"]\n}\n"},
            {"policies/a.hcl", "path \"a\" {\n  capabilities = [\"read\"]\n}\n"}});
  Ran r = RunText(l.ws,
                  "tests:\n  - {name: a, policies: [default], path: auth/token/lookup-self, op: read,"
                  " expect: allow}\n");
  ASSERT_EQ(r.report.coverage.files.size(), 2u);
  EXPECT_EQ(r.report.coverage.covered, 1u);
  EXPECT_EQ(r.report.coverage.total, 2u);
}

TEST(PolicyTestsFilter, RunRegexMatchesNamesUnanchored) {
  auto l = Teams();
  Parsed p = ParseText(l.ws,
                       "tests:\n"
                       "  - {name: dev writes, policies: [dev], path: a, op: read, expect: deny}\n"
                       "  - {name: pod reads, policies: [dev], path: a, op: read, expect: deny}\n");
  Expected<std::vector<PolicyTest>> kept = FilterPolicyTests(p.tests, "writ|nothing");
  ASSERT_TRUE(kept.has_value());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(kept->front().name, "dev writes");
  EXPECT_EQ(FilterPolicyTests(p.tests, "^pod")->size(), 1u);
  Expected<std::vector<PolicyTest>> bad = FilterPolicyTests(p.tests, "(");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "--run \"(\": missing ): (");
}

TEST(PolicyTestsFind, FindsTestFilesRecursivelySortedSkippingHidden) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "polcheck-policy-tests-find";
  std::filesystem::remove_all(dir);
  for (const char* f : {"b_test.yaml", "tests/a_test.yml", "tests/z/c_test.yaml", ".hidden/d_test.yaml",
                        "bindings/auth.yaml", "tests/notes_test.txt", "tests/x_test.yaml.bak"}) {
    std::filesystem::create_directories((dir / f).parent_path());
    std::ofstream(dir / f) << "tests: []\n";
  }
  Expected<std::vector<std::filesystem::path>> found = FindPolicyTestFiles(dir);
  ASSERT_TRUE(found.has_value());
  std::vector<std::string> rel;
  for (const auto& f : *found) {
    rel.push_back(f.lexically_relative(dir).generic_string());
  }
  EXPECT_EQ(rel, (std::vector<std::string>{"b_test.yaml", "tests/a_test.yml", "tests/z/c_test.yaml"}));
  EXPECT_EQ(FindPolicyTestFiles(dir / "b_test.yaml")->size(), 1u);
  EXPECT_EQ(FindPolicyTestFiles(dir / "missing").error().code, Error::Code::kNotFound);
}

TEST(PolicyTestsFind, WorkspaceIsTheNearestFolderWithPoliciesOrBindings) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "polcheck-policy-tests-ws";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "ws/policies");
  std::filesystem::create_directories(dir / "ws/tests/deep");
  std::filesystem::create_directories(dir / "other");
  std::ofstream(dir / "ws/policies/a.hcl") << "path \"a\" {\n  capabilities = [\"read\"]\n}\n";
  std::ofstream(dir / "ws/tests/deep/a_test.yaml")
      << "tests:\n  - {name: a, policies: [a], path: a, op: read,"
         " expect: allow}\n";
  std::ofstream(dir / "other/b_test.yaml") << "tests:\n  - {name: b, policies: [a], path: a, op: read,"
                                              " expect: allow}\n";
  auto same = [](const std::filesystem::path& a, const std::filesystem::path& b) {
    return std::filesystem::equivalent(a, b);
  };
  EXPECT_TRUE(same(FindWorkspaceFor(dir / "ws/tests/deep"), dir / "ws"));
  EXPECT_TRUE(same(FindWorkspaceFor(dir / "ws/tests/deep/a_test.yaml"), dir / "ws"));
  EXPECT_TRUE(same(FindWorkspaceFor(dir / "ws"), dir / "ws"));

  SourceSet sources;
  DiagnosticSink sink;
  Expected<std::vector<PolicyTest>> tests = LoadPolicyTests(
      {dir / "ws/tests/deep/a_test.yaml", dir / "other/b_test.yaml"}, dir / "ws", sources, sink);
  ASSERT_TRUE(tests.has_value());
  ASSERT_EQ(tests->size(), 2u);
  EXPECT_EQ((*tests)[0].file, "tests/deep/a_test.yaml");  // inside the workspace: relative to it
  EXPECT_EQ((*tests)[1].file, (dir / "other/b_test.yaml").generic_string());
  EXPECT_EQ(LoadPolicyTests({dir / "missing_test.yaml"}, dir, sources, sink).error().code,
            Error::Code::kNotFound);
}

PolicyTestReport SampleReport() {
  auto l = Teams();
  return RunText(l.ws,
                 "tests:\n"
                 "  - {name: ok, policies: [dev], path: secret/data/app/x, op: read, expect: allow}\n"
                 "  - {name: 'bad <&> \"one\"', role: app, mount: kubernetes, path: secret/data/app/x, op: "
                 "update,"
                 " expect: allow}\n")
      .report;
}

TEST(PolicyTestsFormat, TextListsResultsFailuresAndCoverage) {
  const PolicyTestReport report = SampleReport();
  EXPECT_EQ(
      FormatPolicyTestsText(report, {.coverage = true, .coverage_min = 50.0}),
      "PASS  ok\n"
      "FAIL  bad <&> \"one\"  (tests/a_test.yaml:3)\n"
      "      expected allow, got deny\n"
      "      as auth/kubernetes/role/app: update secret/data/app/x\n"
      "      decided by reader path \"secret/data/app/*\" (policies/reader.hcl:1): capability-not-granted "
      "(the selected rule does not grant the operation's capability)\n"
      "\n"
      "2 tests in 1 file: 1 passed, 1 failed\n"
      "\n"
      "coverage: 2 of 6 rules decided at least one test (33.3%)\n"
      "  policies/dev.hcl       1/3    33.3%\n"
      "  policies/home.hcl      0/1     0.0%\n"
      "  policies/reader.hcl    1/2    50.0%\n"
      "uncovered rules:\n"
      "  policies/dev.hcl:4:6: path \"secret/data/app/prod/*\" (dev)\n"
      "  policies/dev.hcl:7:6: path \"sys/wrapping/wrap\" (dev)\n"
      "  policies/home.hcl:1:6: path \"secret/data/home/{{identity.entity.name}}/*\" (home)\n"
      "  policies/reader.hcl:4:6: path \"auth/approle/role/*\" (reader)\n"
      "coverage 33.3% is below --coverage-min 50.0%\n");
  // Without --coverage the report stops at the summary.
  const std::string plain = FormatPolicyTestsText(report, {});
  const std::string tail = "\n\n2 tests in 1 file: 1 passed, 1 failed\n";
  ASSERT_GT(plain.size(), tail.size());
  EXPECT_EQ(plain.substr(plain.size() - tail.size()), tail);
}

TEST(PolicyTestsFormat, JsonHasStableFields) {
  const nlohmann::json j =
      nlohmann::json::parse(FormatPolicyTestsJson(SampleReport(), {.coverage = false, .coverage_min = 40.0}));
  EXPECT_EQ(j["summary"], nlohmann::json::parse(R"({"tests": 2, "passed": 1, "failed": 1, "files": 1})"));
  EXPECT_EQ(j["tests"][1]["failures"][0], "expected allow, got deny");
  EXPECT_EQ(j["tests"][1]["allowed"], false);
  EXPECT_EQ(j["tests"][1]["reason"], "capability-not-granted");
  EXPECT_EQ(j["tests"][1]["deciding_rule"]["file"], "policies/reader.hcl");
  EXPECT_EQ(j["tests"][0]["capabilities"], nullptr);
  EXPECT_EQ(j["coverage"]["covered"], 2);
  EXPECT_EQ(j["coverage"]["total"], 6);
  EXPECT_EQ(j["coverage"]["minimum"], 40.0);
  EXPECT_EQ(j["coverage"]["below_minimum"], true);
  EXPECT_EQ(j["coverage"]["files"][1]["uncovered"][0]["line"], 1);
}

TEST(PolicyTestsFormat, JunitEscapesNamesAndCountsFailures) {
  const std::string xml = FormatPolicyTestsJunit(SampleReport());
  EXPECT_NE(xml.find("<testsuites name=\"polcheck test\" tests=\"2\" failures=\"1\" errors=\"0\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"tests/a_test.yaml\" tests=\"2\" failures=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("<testcase name=\"bad &lt;&amp;&gt; &quot;one&quot;\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"expected allow, got deny\" type=\"policy-test\">"),
            std::string::npos);
  EXPECT_NE(
      xml.find(
          "<testcase name=\"ok\" classname=\"tests/a_test.yaml\" file=\"tests/a_test.yaml\" line=\"2\"/>"),
      std::string::npos)
      << xml;
}

}  // namespace
}  // namespace polcheck::analysis
