// polcheck who-can --path P (--op OP | --cap CAP) [--source-ip IP] [--format text|json] [--target T] [-C DIR]
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "analysis/analysis.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

struct WhoCanOptions {
  std::string workspace = ".";
  std::string path;
  std::string op;
  std::string cap;
  std::string source_ip;
  std::string format = "text";
  std::string target;
  std::vector<std::string> var_files;  // Terraform -var-file
  std::vector<std::string> vars;       // Terraform -var NAME=VALUE
};

int Usage(const std::string& message) {
  std::cerr << "polcheck who-can: " << message << "\n";
  return kExitUsage;
}

int RunWhoCan(const WhoCanOptions& opts) {
  if (opts.op.empty() == opts.cap.empty()) {
    return Usage("give exactly one of --op or --cap");
  }
  std::optional<Dialect> dialect;
  if (!opts.target.empty() && !(dialect = ParseDialect(opts.target))) {
    return Usage("unknown --target \"" + opts.target + "\" (expected vault, vault-legacy or openbao)");
  }
  analysis::LoginContext context;
  if (!opts.source_ip.empty() && !(context.source_ip = analysis::ParseIp(opts.source_ip))) {
    return Usage("--source-ip \"" + opts.source_ip + "\": expected an IPv4 or IPv6 address");
  }
  for (const std::string& v : opts.vars) {
    if (v.find('=') == std::string::npos || v.front() == '=') {
      return Usage("--var \"" + v + "\": expected NAME=VALUE");
    }
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
  analysis::WhoCanQuery query{.path = opts.path, .operation = std::nullopt, .capability = std::nullopt};
  if (!opts.op.empty() && !(query.operation = evaluator::ParseOperation(opts.op))) {
    return Usage("unknown --op \"" + opts.op + "\"");
  }
  if (!opts.cap.empty() && !(query.capability = parser::ParseCapability(opts.cap, ws->dialect))) {
    return Usage("unknown --cap \"" + opts.cap + "\" for " + std::string(DialectName(ws->dialect)));
  }
  analysis::AclCache cache(*ws);
  Expected<analysis::WhoCanResult> result = analysis::WhoCan(*ws, analysis::AllSubjects(*ws, context), query, cache);
  if (!result) {
    std::cerr << "polcheck who-can: " << result.error().message << "\n";
    return kExitUsage;
  }
  std::cout << (opts.format == "json" ? analysis::FormatWhoCanJson(*result) : analysis::FormatWhoCanText(*result));
  return result->allowed.empty() && result->unauthenticated.empty() ? kExitNo : kExitYes;
}

}  // namespace

Command AddWhoCanCommand(CLI::App& app) {
  auto opts = std::make_shared<WhoCanOptions>();
  CLI::App* sub = app.add_subcommand("who-can", "Every role, group, entity and token role allowed on a path");
  sub->add_option("-C,--workspace", opts->workspace, "Workspace folder (policies/, bindings/, polcheck.yaml)");
  sub->add_option("--path", opts->path, "Request path")->required();
  sub->add_option("--op", opts->op, "Operation (read, create, update, patch, delete, list, ...)");
  sub->add_option("--cap", opts->cap, "Capability the path must grant (as sys/capabilities reports it)");
  sub->add_option("--source-ip", opts->source_ip,
                  "Client address: roles whose CIDR bindings exclude it cannot log in");
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  sub->add_option("--var-file", opts->var_files, "Terraform variables file for the *.tf import (repeatable)");
  sub->add_option("--var", opts->vars, "Terraform variable NAME=VALUE for the *.tf import (repeatable)");
  return {sub, [opts] { return RunWhoCan(*opts); }};
}

}  // namespace polcheck::cli
