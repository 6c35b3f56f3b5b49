// polcheck parse FILE_OR_DIR... [--format text|json] [--target T]
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "parser/loader.h"
#include "parser/print.h"

namespace polcheck::cli {
namespace {

struct ParseCommandOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string target = "vault";
};

int RunParse(const ParseCommandOptions& opts) {
  std::optional<Dialect> dialect = ParseDialect(opts.target);
  if (!dialect) {
    std::cerr << "polcheck parse: unknown --target \"" << opts.target
              << "\" (expected vault, vault-legacy or openbao)\n";
    return kExitUsage;
  }
  SourceSet sources;
  DiagnosticSink sink;
  Expected<std::vector<parser::PolicyFile>> files =
      parser::LoadPolicies(opts.paths, {.dialect = *dialect}, sources, sink);
  if (!files) {
    std::cerr << "polcheck parse: " << files.error().message << "\n";
    return kExitUsage;
  }
  if (opts.format == "json") {
    std::cout << parser::FormatPoliciesJson(*files, sources, sink.SortedByLocation());
  } else {
    std::cout << parser::FormatPoliciesText(*files, sources);
    for (const Diagnostic& d : sink.SortedByLocation()) {
      std::cerr << RenderDiagnostic(d, sources);
    }
  }
  return sink.has_errors() ? kExitParseError : kExitYes;
}

}  // namespace

Command AddParseCommand(CLI::App& app) {
  auto opts = std::make_shared<ParseCommandOptions>();
  CLI::App* sub = app.add_subcommand("parse", "Parse policy files and print the normalised rules");
  sub->add_option("paths", opts->paths, "Policy files or directories (*.hcl, *.json)")->required();
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  return {sub, [opts] { return RunParse(*opts); }};
}

}  // namespace polcheck::cli
