// Policy unit tests: YAML files of requests and the answers a workspace's
// policies must give (`polcheck test`), with rule coverage.
//
// A test file is any `*_test.yaml` / `*_test.yml` below the test folder
// (hidden folders skipped), conventionally `tests/` in the workspace:
//
//   tests:
//     - name: team aaa pods read their secrets
//       identity: kubernetes:aaa-namespace/default     # or role: (+ mount:), or policies: [...]
//       path: secret/data/aaa/app/config               # or kv: secret/aaa/app/config + kv_op: get
//       op: read
//       expect: allow                                   # and/or capabilities: [read]
//       decided_by: aaa-k8s-auth                        # optional: policy name or rule pattern
//
//   DiagnosticSink sink;
//   auto files = analysis::FindPolicyTestFiles("examples/k8s-aws-teams");
//   auto tests = analysis::LoadPolicyTests(*files, ws.directory, *ws.sources, sink);
//   analysis::PolicyTestReport report = analysis::RunPolicyTests(ws, *tests, sink);
//   std::cout << analysis::FormatPolicyTestsText(report, {.coverage = true});
//
// Problems in a test file (bad YAML, unknown keys, wrong types, a role that
// does not exist or is ambiguous) are diagnostics in `sink`, never exceptions.
// Results own their data.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "base/diagnostic.h"
#include "base/expected.h"
#include "base/source.h"
#include "evaluator/acl.h"

namespace polcheck::analysis {

// One test case as written.
struct PolicyTest {
  std::string name;
  std::string file;  // the test file, as named in the SourceSet
  std::uint32_t line = 0;
  std::filesystem::path directory;  // the test file's folder: jwt: claims files are relative to it
  Span span;                        // the case's mapping

  // Who asks: exactly one of role, identity, policies; `role:` with `identity:`
  // picks the role the login goes through; `mount:` narrows either.
  std::string role;
  std::string mount;
  std::string identity;
  std::optional<std::vector<std::string>> policies;
  std::vector<Span> policy_spans;  // one per entry of `policies`
  Span who_span;

  // What is asked: path (+ op) or kv + kv_op.
  std::string path;
  std::optional<evaluator::Operation> operation;
  std::string kv;
  std::string kv_op;
  Span kv_span;
  evaluator::Params params;
  std::optional<std::chrono::nanoseconds> wrap_ttl;

  // Expectations: expect and/or capabilities; reason and decided_by refine expect.
  std::optional<bool> expect_allowed;
  std::optional<std::vector<std::string>> capabilities;  // sorted
  std::string reason;      // evaluator::ReasonCode or "login-refused", "entity-disabled", "mount-not-visible"
  std::string decided_by;  // a policy name or a rule pattern as written
};

// The `*_test.yaml` / `*_test.yml` files below `dir` (recursively, hidden
// folders skipped), sorted. A file given directly is returned as is. Fails
// with kNotFound when `dir` does not exist, kIo when it cannot be listed.
[[nodiscard]] Expected<std::vector<std::filesystem::path>> FindPolicyTestFiles(
    const std::filesystem::path& dir);

// The workspace tests in `dir` run against when none is given: the nearest
// folder at or above `dir` (a folder or a file) that has policies/ or
// bindings/, relative to the current directory when possible; `dir` itself
// when there is none (LoadWorkspace then says what is missing).
std::filesystem::path FindWorkspaceFor(const std::filesystem::path& dir);

// Reads and validates test files; each is added to `sources` named relative to
// `workspace` when it lies inside it (as policy files are), else as given.
// Unknown keys, wrong types, bad values and duplicate names are error
// diagnostics in `sink`; the cases that did validate are returned. Fails with
// kNotFound / kIo when a file cannot be read.
[[nodiscard]] Expected<std::vector<PolicyTest>> LoadPolicyTests(
    const std::vector<std::filesystem::path>& files, const std::filesystem::path& workspace,
    SourceSet& sources, DiagnosticSink& sink);

// Reads one test file from text (for tests and tools).
std::vector<PolicyTest> ParsePolicyTests(const SourceFile& source, const std::filesystem::path& directory,
                                         DiagnosticSink& sink);

// Keeps the tests whose name matches `regex` (RE2 syntax, unanchored, like
// `go test -run`). Fails with kInvalidArgument for a malformed expression.
[[nodiscard]] Expected<std::vector<PolicyTest>> FilterPolicyTests(std::vector<PolicyTest> tests,
                                                                  const std::string& regex);

struct PolicyTestResult {
  std::string name;
  std::string file;
  std::uint32_t line = 0;
  bool passed = false;
  std::vector<std::string> failures;  // one line each, e.g. "expected allow, got deny"

  // What happened.
  std::string subject;          // e.g. "auth/aws/role/aaa-role", "" when the login failed
  std::string request;          // e.g. "update secret/data/aaa/app", "kv put secret/aaa/app"
  std::optional<bool> allowed;  // set when an operation was asked
  std::string step;             // the kv step reported (the first refused one)
  std::string reason;           // code
  std::string reason_text;
  std::optional<RuleLocation> deciding;
  std::optional<std::vector<std::string>> capabilities;  // set when capabilities were asked
  std::optional<RuleLocation> capabilities_rule;
  // A role's answer that holds only for its logins with these placeholder
  // values (Answer::conditions); empty: every login.
  std::vector<Condition> conditions;
};

struct RuleCoverage {
  std::string pattern;  // the label as written
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  bool covered = false;
};

struct FileCoverage {
  std::string file;                 // policy file (or the .tf file defining it)
  std::string policy;               // policy name
  std::vector<RuleCoverage> rules;  // every path block, in source order
  std::size_t covered = 0;
  double percent = 100.0;  // 100 when the file has no rules
};

struct Coverage {
  std::vector<FileCoverage> files;  // workspace policy files in load order; the built-in default excluded
  std::size_t covered = 0;
  std::size_t total = 0;
  double percent = 100.0;  // covered / total; 100 when there are no rules
};

struct PolicyTestReport {
  std::vector<PolicyTestResult> results;  // in test order
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t files = 0;  // test files the tests came from
  Coverage coverage;
};

// Runs `tests` against `ws`. Tests whose subject or request cannot be
// resolved (no such role, a role on several mounts without `mount:`, an
// ambiguous login, a kv path outside every KV mount, a policy missing from the
// workspace) are error diagnostics in `sink` at the test file and are not run.
// A path block counts as covered when it was the deciding rule of at least one
// step of a test that ran.
PolicyTestReport RunPolicyTests(const Workspace& ws, const std::vector<PolicyTest>& tests,
                                DiagnosticSink& sink);

struct PolicyTestFormat {
  bool coverage = false;               // include the coverage report (text)
  std::optional<double> coverage_min;  // the --coverage-min gate, shown when set
};

// True when the total coverage is below `minimum` percent.
bool CoverageBelow(const Coverage& coverage, double minimum);

// Test-runner text: PASS/FAIL per test, details of failures, a summary line,
// and with `coverage` the per-file table and uncovered rules.
std::string FormatPolicyTestsText(const PolicyTestReport& report, const PolicyTestFormat& format);
// Stable JSON (README "polcheck test"); coverage is always included.
std::string FormatPolicyTestsJson(const PolicyTestReport& report, const PolicyTestFormat& format);
// JUnit XML: one <testsuite> per test file, one <testcase> per test.
std::string FormatPolicyTestsJunit(const PolicyTestReport& report);

}  // namespace polcheck::analysis
