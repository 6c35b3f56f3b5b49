// polcheck lint [PATHS...] [--format text|json|sarif|github|junit] [--config FILE]
//   [--target T] [--fail-level L] [--baseline FILE] [--write-baseline FILE] [--output FILE]
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "base/io.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "config/config.h"
#include "linter/linter.h"
#include "parser/loader.h"

namespace polcheck::cli {
namespace {

struct LintOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string config_file;
  std::string target;
  std::string fail_level;
  std::string baseline;
  std::string write_baseline;
  std::string output;
};

// The config that applies: --config, else the nearest .polcheck.yaml, else defaults.
// Returns nullopt after printing the problem when the config is unusable.
std::optional<config::Config> LoadConfig(const LintOptions& opts, SourceSet& sources) {
  std::optional<std::filesystem::path> file =
      opts.config_file.empty() ? config::Find(opts.paths) : std::optional<std::filesystem::path>(opts.config_file);
  if (!file) {
    return config::DefaultConfig();
  }
  DiagnosticSink sink;
  Expected<config::Config> loaded = config::Load(*file, sources, sink);
  if (!loaded) {
    std::cerr << "polcheck lint: " << loaded.error().message << "\n";
    return std::nullopt;
  }
  for (const Diagnostic& d : sink.SortedByLocation()) {
    std::cerr << RenderDiagnostic(d, sources);
  }
  if (sink.has_errors()) {
    return std::nullopt;
  }
  return *std::move(loaded);
}

bool WriteText(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

int RunLint(LintOptions opts) {
  if (opts.paths.empty()) {
    opts.paths.push_back(".");
  }
  SourceSet sources;
  std::optional<config::Config> cfg = LoadConfig(opts, sources);
  if (!cfg) {
    return kExitUsage;
  }
  Dialect dialect = cfg->dialect.value_or(Dialect::kVault);
  if (!opts.target.empty()) {
    std::optional<Dialect> d = ParseDialect(opts.target);
    if (!d) {
      std::cerr << "polcheck lint: unknown --target \"" << opts.target << "\" (expected vault, vault-legacy or openbao)\n";
      return kExitUsage;
    }
    dialect = *d;
  }
  config::Level fail_level = cfg->lint.fail_level.value_or(config::Level::kError);
  if (!opts.fail_level.empty()) {
    fail_level = *config::ParseLevel(opts.fail_level);
  }
  DiagnosticSink parse_sink;
  Expected<std::vector<parser::PolicyFile>> files =
      parser::LoadPolicies(opts.paths, {.dialect = dialect}, sources, parse_sink);
  if (!files) {
    std::cerr << "polcheck lint: " << files.error().message << "\n";
    return kExitUsage;
  }
  linter::LintResult result =
      linter::Lint({sources, *files, parse_sink.diagnostics(), *cfg, dialect});
  if (!opts.baseline.empty()) {
    Expected<std::string> text = ReadFile(opts.baseline);
    if (!text) {
      std::cerr << "polcheck lint: --baseline: " << text.error().message << "\n";
      return kExitUsage;
    }
    if (Expected<void> applied = linter::ApplyBaseline(*text, result); !applied) {
      std::cerr << "polcheck lint: --baseline " << opts.baseline << ": " << applied.error().message << "\n";
      return kExitUsage;
    }
  }
  if (!opts.write_baseline.empty() && !WriteText(opts.write_baseline, linter::WriteBaseline(result, sources))) {
    std::cerr << "polcheck lint: cannot write " << opts.write_baseline << "\n";
    return kExitUsage;
  }
  std::string report;
  if (opts.format == "json") {
    report = linter::FormatJson(result, sources);
  } else if (opts.format == "sarif") {
    report = linter::FormatSarif(result, sources);
  } else if (opts.format == "github") {
    report = linter::FormatGithub(result, sources);
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary != nullptr && *summary != '\0') {
      WriteText(summary, linter::FormatGithubSummary(result, sources), /*append=*/true);
    }
  } else if (opts.format == "junit") {
    report = linter::FormatJunit(result, sources);
  } else {
    report = linter::FormatText(result, sources);
  }
  if (opts.output.empty()) {
    std::cout << report;
  } else if (!WriteText(opts.output, report)) {
    std::cerr << "polcheck lint: cannot write " << opts.output << "\n";
    return kExitUsage;
  }
  if (result.summary.parse_errors) {
    return kExitParseError;
  }
  return result.Fails(fail_level) ? kExitNo : kExitYes;
}

}  // namespace

Command AddLintCommand(CLI::App& app) {
  auto opts = std::make_shared<LintOptions>();
  CLI::App* sub = app.add_subcommand("lint", "Report parse errors and risky patterns in policies");
  sub->add_option("paths", opts->paths, "Policy files or directories (default: .)");
  sub->add_option("--format", opts->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "github", "junit"}));
  sub->add_option("--config", opts->config_file, "Config file (default: nearest .polcheck.yaml)");
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  sub->add_option("--fail-level", opts->fail_level, "Exit 1 when a finding is at or above this level (default: error)")
      ->check(CLI::IsMember({"suggestion", "warning", "error"}));
  sub->add_option("--baseline", opts->baseline, "Report only findings not in this baseline file");
  sub->add_option("--write-baseline", opts->write_baseline, "Write the current findings as a baseline file");
  sub->add_option("--output", opts->output, "Write the report to this file instead of stdout");
  return {sub, [opts] { return RunLint(*opts); }};
}

}  // namespace polcheck::cli
