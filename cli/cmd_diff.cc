// polcheck diff BASE HEAD [-C DIR] [--format text|markdown|json|html] [--fail-on new-access|any-change|risky]
//                         [--output FILE] [--target T]
// Each side is a workspace folder or git:REV (the workspace folder -C DIR, default ".", at that revision).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <variant>

#include "analysis/diff.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

struct DiffCliOptions {
  std::string base;
  std::string head;
  std::string workspace = ".";
  std::string format = "text";
  std::string fail_on;
  std::string output;
  std::string target;
};

int Fail(int code, const std::string& message) {
  std::cerr << "polcheck diff: " << message << "\n";
  return code;
}

// One side, loaded; `temp` keeps an exported git tree alive while it is used.
struct LoadedSide {
  std::optional<analysis::TempDir> temp;
  analysis::Workspace ws;
};

// Returns the side or an exit code.
std::variant<LoadedSide, int> LoadSide(const std::string& spec, const DiffCliOptions& opts,
                                       std::optional<Dialect> dialect) {
  LoadedSide side;
  std::filesystem::path dir = spec;
  if (spec.starts_with("git:")) {
    const std::string rev = spec.substr(4);
    if (rev.empty()) {
      return Fail(kExitUsage, "\"git:\" needs a revision, e.g. git:main or git:HEAD~1");
    }
    Expected<analysis::TempDir> temp = analysis::TempDir::Create("diff");
    if (!temp) {
      return Fail(kExitUsage, temp.error().message);
    }
    side.temp.emplace(*std::move(temp));
    Expected<std::filesystem::path> exported = analysis::ExportGitRevision(rev, opts.workspace, side.temp->path());
    if (!exported) {
      return Fail(kExitUsage, exported.error().message);
    }
    dir = *exported;
  }
  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = dir, .dialect = dialect}, sink);
  if (!ws) {
    return Fail(kExitUsage, ws.error().message);
  }
  std::cerr << analysis::RenderDiagnostics(*ws, sink);
  if (ws->has_parse_errors) {
    return Fail(kExitParseError, spec + ": the workspace does not parse");
  }
  side.ws = *std::move(ws);
  return side;
}

int RunDiff(const DiffCliOptions& opts) {
  std::optional<Dialect> dialect;
  if (!opts.target.empty() && !(dialect = ParseDialect(opts.target))) {
    return Fail(kExitUsage, "unknown --target \"" + opts.target + "\" (expected vault, vault-legacy or openbao)");
  }
  analysis::FailOn fail_on = analysis::FailOn::kNever;
  if (!opts.fail_on.empty()) {
    std::optional<analysis::FailOn> parsed = analysis::ParseFailOn(opts.fail_on);
    if (!parsed) {
      return Fail(kExitUsage, "unknown --fail-on \"" + opts.fail_on + "\" (expected new-access, any-change or risky)");
    }
    fail_on = *parsed;
  }
  std::variant<LoadedSide, int> base = LoadSide(opts.base, opts, dialect);
  if (const int* code = std::get_if<int>(&base)) {
    return *code;
  }
  std::variant<LoadedSide, int> head = LoadSide(opts.head, opts, dialect);
  if (const int* code = std::get_if<int>(&head)) {
    return *code;
  }
  Expected<analysis::DiffResult> result = analysis::DiffWorkspaces(
      std::get<LoadedSide>(base).ws, std::get<LoadedSide>(head).ws, {.base_label = opts.base, .head_label = opts.head});
  if (!result) {
    return Fail(kExitUsage, result.error().message);
  }
  std::string text;
  if (opts.format == "json") {
    text = analysis::FormatDiffJson(*result);
  } else if (opts.format == "markdown") {
    text = analysis::FormatDiffMarkdown(*result);
  } else if (opts.format == "html") {
    text = analysis::FormatDiffHtml(*result);
  } else {
    text = analysis::FormatDiffText(*result);
  }
  if (opts.output.empty()) {
    std::cout << text;
  } else {
    std::ofstream out(opts.output, std::ios::trunc);
    out << text;
    if (!out) {
      return Fail(kExitUsage, opts.output + ": cannot write");
    }
  }
  return analysis::GateTripped(*result, fail_on) ? kExitNo : kExitYes;
}

}  // namespace

Command AddDiffCommand(CLI::App& app) {
  auto opts = std::make_shared<DiffCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "diff", "What access a change grants or removes, per principal and policy, over every path (exact)");
  sub->add_option("BASE", opts->base, "Base side: a workspace folder or git:REV")->required();
  sub->add_option("HEAD", opts->head, "Head side: a workspace folder or git:REV")->required();
  sub->add_option("-C,--workspace", opts->workspace, "Workspace folder exported for git:REV sides (default .)");
  sub->add_option("--format", opts->format, "Output format")
      ->check(CLI::IsMember({"text", "markdown", "json", "html"}));
  sub->add_option("--fail-on", opts->fail_on, "Exit 1 when: new-access, any-change or risky");
  sub->add_option("-o,--output", opts->output, "Write the report to FILE instead of stdout");
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  return {sub, [opts] { return RunDiff(*opts); }};
}

}  // namespace polcheck::cli
