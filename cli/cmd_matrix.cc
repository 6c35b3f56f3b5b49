// polcheck matrix [--roles R1,R2] [--paths FILE] [--path P]... [--format text|csv|json|html]
//   [--source-ip IP] [--var-file F] [--var K=V] [--target T] [-C DIR]
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "analysis/analysis.h"
#include "base/io.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

struct MatrixOptions {
  std::string workspace = ".";
  std::string roles;  // comma-separated
  std::string paths_file;
  std::vector<std::string> paths;
  std::string format = "text";
  std::string source_ip;
  std::string target;
  std::vector<std::string> var_files;  // Terraform -var-file
  std::vector<std::string> vars;       // Terraform -var NAME=VALUE
};

int Usage(const std::string& message) {
  std::cerr << "polcheck matrix: " << message << "\n";
  return kExitUsage;
}

bool Names(const analysis::Subject& s, const std::string& wanted) {
  return wanted == s.name || wanted == s.label || wanted == s.mount + "/" + s.name;
}

int RunMatrix(const MatrixOptions& opts) {
  std::optional<Dialect> dialect;
  if (!opts.target.empty() && !(dialect = ParseDialect(opts.target))) {
    return Usage("unknown --target \"" + opts.target + "\" (expected vault, vault-legacy or openbao)");
  }
  std::vector<std::string> paths;
  if (!opts.paths_file.empty()) {
    Expected<std::string> text = ReadFile(opts.paths_file);
    if (!text) {
      return Usage(text.error().message);
    }
    paths = analysis::ParsePathList(*text);
  }
  paths.insert(paths.end(), opts.paths.begin(), opts.paths.end());
  for (const std::string& v : opts.vars) {
    if (v.find('=') == std::string::npos || v.front() == '=') {
      return Usage("--var \"" + v + "\": expected NAME=VALUE");
    }
  }
  analysis::LoginContext context;
  if (!opts.source_ip.empty() && !(context.source_ip = analysis::ParseIp(opts.source_ip))) {
    return Usage("--source-ip \"" + opts.source_ip + "\": expected an IPv4 or IPv6 address");
  }
  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace(
      {.directory = opts.workspace, .dialect = dialect, .tf_var_files = opts.var_files, .tf_vars = opts.vars}, sink);
  if (!ws) {
    return Usage(ws.error().message);
  }
  std::cerr << analysis::RenderDiagnostics(*ws, sink);
  if (ws->has_config_errors) {
    return kExitUsage;  // polcheck.yaml is configuration, not input
  }
  if (ws->has_parse_errors) {
    return kExitParseError;
  }
  std::vector<std::string> wanted_rows;
  for (std::size_t start = 0; start < opts.roles.size();) {
    const std::size_t comma = std::min(opts.roles.find(',', start), opts.roles.size());
    wanted_rows.push_back(opts.roles.substr(start, comma - start));
    start = comma + 1;
  }
  std::vector<analysis::Subject> all = analysis::AllSubjects(*ws, context);
  std::vector<analysis::Subject> rows;
  for (const std::string& wanted : wanted_rows) {
    const std::size_t before = rows.size();
    for (const analysis::Subject& s : all) {
      if (Names(s, wanted)) {
        rows.push_back(s);
      }
    }
    if (rows.size() == before) {
      return Usage("--roles: nothing is called \"" + wanted + "\"");
    }
  }
  if (opts.roles.empty()) {
    rows = std::move(all);
  }
  Expected<analysis::Matrix> matrix = analysis::BuildMatrix(*ws, std::move(rows), std::move(paths));
  if (!matrix) {
    std::cerr << "polcheck matrix: " << matrix.error().message << "\n";
    return kExitUsage;
  }
  if (opts.format == "csv") {
    std::cout << analysis::FormatMatrixCsv(*matrix);
  } else if (opts.format == "json") {
    std::cout << analysis::FormatMatrixJson(*matrix);
  } else if (opts.format == "html") {
    std::cout << analysis::FormatMatrixHtml(*matrix);
  } else {
    std::cout << analysis::FormatMatrixText(*matrix);
  }
  return kExitYes;
}

}  // namespace

Command AddMatrixCommand(CLI::App& app) {
  auto opts = std::make_shared<MatrixOptions>();
  CLI::App* sub = app.add_subcommand("matrix", "Capabilities of roles x paths as text, CSV, JSON or HTML");
  sub->add_option("-C,--workspace", opts->workspace, "Workspace folder (policies/, bindings/, polcheck.yaml)");
  sub->add_option("--roles", opts->roles, "Rows: names, MOUNT/NAME or API labels (comma-separated)");
  sub->add_option("--paths", opts->paths_file, "Columns: a file with one path per line (# comments)");
  sub->add_option("--path", opts->paths, "An extra column (repeatable)");
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "csv", "json", "html"}));
  sub->add_option("--source-ip", opts->source_ip,
                  "Client address: rows whose CIDR bindings exclude it cannot log in (all deny)");
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  sub->add_option("--var-file", opts->var_files, "Terraform variables file for the *.tf import (repeatable)");
  sub->add_option("--var", opts->vars, "Terraform variable NAME=VALUE for the *.tf import (repeatable)");
  return {sub, [opts] { return RunMatrix(*opts); }};
}

}  // namespace polcheck::cli
