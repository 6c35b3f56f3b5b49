// polcheck test [DIR] [-C DIR] [--run REGEX] [--format text|json|junit] [--output FILE]
//   [--coverage] [--coverage-min PCT] [--target T]
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>

#include "analysis/policy_tests.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

struct TestOptions {
  std::string dir;
  std::string workspace;
  std::string run;
  std::string format = "text";
  std::string output;
  bool coverage = false;
  std::optional<double> coverage_min;
  std::string target;
};

int Usage(const std::string& message) {
  std::cerr << "polcheck test: " << message << "\n";
  return kExitUsage;
}

int Write(const TestOptions& opts, const std::string& text) {
  if (opts.output.empty()) {
    std::cout << text;
    return kExitYes;
  }
  std::ofstream out(opts.output, std::ios::trunc);
  out << text;
  if (!out) {
    return Usage("cannot write --output file \"" + opts.output + "\"");
  }
  return kExitYes;
}

int RunTest(const TestOptions& opts) {
  std::optional<Dialect> dialect;
  if (!opts.target.empty() && !(dialect = ParseDialect(opts.target))) {
    return Usage("unknown --target \"" + opts.target + "\" (expected vault, vault-legacy or openbao)");
  }
  if (opts.coverage_min && (*opts.coverage_min < 0 || *opts.coverage_min > 100)) {
    return Usage("--coverage-min must be a percentage between 0 and 100");
  }
  const std::filesystem::path workspace_dir =
      !opts.workspace.empty() ? std::filesystem::path(opts.workspace)
                              : analysis::FindWorkspaceFor(opts.dir.empty() ? "." : opts.dir);
  const std::filesystem::path test_dir = !opts.dir.empty() ? std::filesystem::path(opts.dir) : workspace_dir;

  DiagnosticSink ws_sink;
  Expected<analysis::Workspace> ws =
      analysis::LoadWorkspace({.directory = workspace_dir, .dialect = dialect}, ws_sink);
  if (!ws) {
    return Usage(ws.error().message);
  }
  std::cerr << analysis::RenderDiagnostics(*ws, ws_sink);
  if (ws->has_parse_errors) {
    return kExitParseError;
  }
  Expected<std::vector<std::filesystem::path>> files = analysis::FindPolicyTestFiles(test_dir);
  if (!files) {
    return Usage(files.error().message);
  }
  if (files->empty()) {
    return Usage("no test files (*_test.yaml, *_test.yml) under " + test_dir.string());
  }
  DiagnosticSink sink;
  Expected<std::vector<analysis::PolicyTest>> tests =
      analysis::LoadPolicyTests(*files, workspace_dir, *ws->sources, sink);
  if (!tests) {
    return Usage(tests.error().message);
  }
  if (!opts.run.empty()) {
    tests = analysis::FilterPolicyTests(*std::move(tests), opts.run);
    if (!tests) {
      return Usage(tests.error().message);
    }
  }
  analysis::PolicyTestReport report;
  if (!sink.has_errors()) {
    report = analysis::RunPolicyTests(*ws, *tests, sink);
  }
  if (sink.has_errors()) {
    std::cerr << analysis::RenderDiagnostics(*ws, sink);
    return kExitUsage;
  }
  if (tests->empty()) {
    return Usage("no test matches --run \"" + opts.run + "\"");
  }
  const analysis::PolicyTestFormat format{.coverage = opts.coverage, .coverage_min = opts.coverage_min};
  const std::string text = opts.format == "json"    ? analysis::FormatPolicyTestsJson(report, format)
                           : opts.format == "junit" ? analysis::FormatPolicyTestsJunit(report)
                                                    : analysis::FormatPolicyTestsText(report, format);
  if (Write(opts, text) != kExitYes) {
    return kExitUsage;
  }
  const bool gate = opts.coverage_min && analysis::CoverageBelow(report.coverage, *opts.coverage_min);
  return report.failed > 0 || gate ? kExitNo : kExitYes;
}

}  // namespace

Command AddTestCommand(CLI::App& app) {
  auto opts = std::make_shared<TestOptions>();
  CLI::App* sub = app.add_subcommand("test", "Run policy unit tests (*_test.yaml) and report rule coverage");
  sub->add_option("DIR", opts->dir, "Folder (or file) with the *_test.yaml files; default: the workspace");
  sub->add_option(
      "-C,--workspace", opts->workspace,
      "Workspace folder (policies/, bindings/, polcheck.yaml); default: the nearest one at or above DIR");
  sub->add_option("--run", opts->run, "Run only tests whose name matches this regular expression (RE2)");
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json", "junit"}));
  sub->add_option("--output", opts->output, "Write the report to FILE instead of standard output");
  sub->add_flag("--coverage", opts->coverage, "Show which path rules decided at least one test");
  sub->add_option("--coverage-min", opts->coverage_min,
                  "Fail (exit 1) when total rule coverage is below PCT");
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  return {sub, [opts] { return RunTest(*opts); }};
}

}  // namespace polcheck::cli
