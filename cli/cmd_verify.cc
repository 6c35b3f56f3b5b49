// polcheck verify FILE [-C DIR] [--format text|json|junit] [--output FILE] [--target T]
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>

#include "analysis/verify.h"
#include "base/io.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

struct VerifyCliOptions {
  std::string file;
  std::string workspace = ".";
  std::string format = "text";
  std::string output;
  std::string target;
};

int Fail(int code, const std::string& message) {
  std::cerr << "polcheck verify: " << message << "\n";
  return code;
}

int RunVerify(const VerifyCliOptions& opts) {
  std::optional<Dialect> dialect;
  if (!opts.target.empty() && !(dialect = ParseDialect(opts.target))) {
    return Fail(kExitUsage, "unknown --target \"" + opts.target + "\" (expected vault, vault-legacy or openbao)");
  }
  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = opts.workspace, .dialect = dialect}, sink);
  if (!ws) {
    return Fail(kExitUsage, ws.error().message);
  }
  if (ws->has_parse_errors) {
    std::cerr << analysis::RenderDiagnostics(*ws, sink);
    return kExitParseError;
  }
  Expected<std::string> text = ReadFile(opts.file);
  if (!text) {
    std::cerr << analysis::RenderDiagnostics(*ws, sink);
    return Fail(kExitUsage, text.error().message);
  }
  const FileId id = ws->sources->Add(opts.file, *std::move(text));
  const std::size_t errors_before = sink.error_count();
  const std::vector<analysis::Invariant> invariants = analysis::LoadInvariants(ws->sources->file(id), ws->dialect, sink);
  Expected<analysis::VerifyResult> result = analysis::VerifyResult{};
  if (sink.error_count() == errors_before) {
    result = analysis::Verify(*ws, invariants, sink);
  }
  std::cerr << analysis::RenderDiagnostics(*ws, sink);
  if (sink.error_count() > errors_before) {
    return Fail(kExitUsage, opts.file + ": invalid invariants");
  }
  if (!result) {
    return Fail(kExitUsage, result.error().message);
  }
  std::string report;
  if (opts.format == "json") {
    report = analysis::FormatVerifyJson(*result);
  } else if (opts.format == "junit") {
    report = analysis::FormatVerifyJunit(*result);
  } else {
    report = analysis::FormatVerifyText(*result);
  }
  if (opts.output.empty()) {
    std::cout << report;
  } else {
    std::ofstream out(opts.output, std::ios::trunc);
    out << report;
    if (!out) {
      return Fail(kExitUsage, opts.output + ": cannot write");
    }
  }
  return result->all_proven() ? kExitYes : kExitNo;
}

}  // namespace

Command AddVerifyCommand(CLI::App& app) {
  auto opts = std::make_shared<VerifyCliOptions>();
  CLI::App* sub = app.add_subcommand("verify", "Prove or refute access invariants over every path (exact)");
  sub->add_option("FILE", opts->file, "Invariants file (YAML)")->required();
  sub->add_option("-C,--workspace", opts->workspace, "Workspace folder (policies/, bindings/, polcheck.yaml)");
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json", "junit"}));
  sub->add_option("-o,--output", opts->output, "Write the report to FILE instead of stdout");
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  return {sub, [opts] { return RunVerify(*opts); }};
}

}  // namespace polcheck::cli
