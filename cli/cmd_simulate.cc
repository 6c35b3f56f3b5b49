// polcheck simulate (--role ROLE [--mount M] | --identity SPEC | --policies a,b)
//   (--path P [--op OP] | --kv MOUNT/KEY --op KVOP) [--param k=v]... [--wrap-ttl D] [--source-ip IP]
//   [--explain]
//   [--format text|json] [--target T] [-C DIR]
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "analysis/analysis.h"
#include "evaluator/batch.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

struct SimulateOptions {
  std::string workspace = ".";
  std::string role;
  std::string mount;
  std::string identity;
  std::string policies;
  std::string path;
  std::string op;
  std::string kv;
  std::vector<std::string> params;
  std::string wrap_ttl;
  std::string source_ip;
  bool explain = false;
  std::string format = "text";
  std::string target;
  std::vector<std::string> var_files;  // Terraform -var-file
  std::vector<std::string> vars;       // Terraform -var NAME=VALUE
};

int Usage(const std::string& message) {
  std::cerr << "polcheck simulate: " << message << "\n";
  return kExitUsage;
}

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text + ",") {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

int RunSimulate(const SimulateOptions& opts) {
  const int who = !opts.role.empty() + !opts.identity.empty() + !opts.policies.empty();
  if (who != 1) {
    return Usage("give exactly one of --role, --identity or --policies");
  }
  if (opts.path.empty() == opts.kv.empty()) {
    return Usage("give exactly one of --path or --kv");
  }
  std::optional<Dialect> dialect;
  if (!opts.target.empty() && !(dialect = ParseDialect(opts.target))) {
    return Usage("unknown --target \"" + opts.target + "\" (expected vault, vault-legacy or openbao)");
  }
  analysis::LoginContext context;
  if (!opts.source_ip.empty() && !(context.source_ip = analysis::ParseIp(opts.source_ip))) {
    return Usage("--source-ip \"" + opts.source_ip + "\": expected an IPv4 or IPv6 address");
  }
  analysis::SimulateRequest request;
  request.path = opts.path;
  request.explain = opts.explain;
  if (opts.kv.empty() && !opts.op.empty()) {
    request.operation = evaluator::ParseOperation(opts.op);
    if (!request.operation) {
      return Usage("unknown --op \"" + opts.op + "\" (expected read, create, update, patch, delete, list, ...)");
    }
  }
  if (!opts.kv.empty() && opts.op.empty()) {
    return Usage("--kv needs --op with a `vault kv` operation (get, put, patch, delete, list, ...)");
  }
  Expected<evaluator::Params> params = evaluator::ParseKeyValueParams(opts.params);
  if (!params) {
    return Usage("--param: " + params.error().message);
  }
  request.params = *std::move(params);
  if (!opts.wrap_ttl.empty()) {
    Expected<std::chrono::nanoseconds> ttl = evaluator::ParseWrapTtl(opts.wrap_ttl);
    if (!ttl) {
      return Usage("--wrap-ttl: " + ttl.error().message);
    }
    request.wrap_ttl = *ttl;
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
  if (!opts.kv.empty()) {
    Expected<std::vector<analysis::Step>> steps = analysis::KvSteps(ws->config, opts.kv, opts.op);
    if (!steps) {
      return Usage(steps.error().message);
    }
    request.steps = *std::move(steps);
  }

  std::vector<analysis::Subject> subjects;
  if (!opts.role.empty()) {
    subjects = analysis::SubjectsForRole(*ws, opts.role, opts.mount, context);
    if (subjects.empty()) {
      return Usage("no role, user or token role named \"" + opts.role + "\"" +
                   (opts.mount.empty() ? std::string() : " on mount \"" + opts.mount + "\""));
    }
  } else if (!opts.identity.empty()) {
    Expected<std::vector<analysis::Subject>> found = analysis::SubjectsForIdentity(*ws, opts.identity, context);
    if (!found) {
      return Usage(found.error().message);
    }
    subjects = *std::move(found);
    if (subjects.empty()) {
      std::cout << "no role binds " << opts.identity << ": the login fails, so nothing is allowed\n";
      if (Expected<std::vector<std::string>> why = analysis::LoginRefusals(*ws, opts.identity); why) {
        for (const std::string& line : *why) {
          std::cout << "  " << line << "\n";
        }
      }
      return kExitNo;
    }
  } else {
    subjects.push_back(analysis::SubjectForPolicies(SplitComma(opts.policies)));
  }

  Expected<std::vector<analysis::Answer>> answers = analysis::Simulate(*ws, subjects, request);
  if (!answers) {
    std::cerr << "polcheck simulate: " << answers.error().message << "\n";
    return kExitUsage;
  }
  std::cout << (opts.format == "json" ? analysis::FormatAnswersJson(*answers)
                                      : analysis::FormatAnswersText(*ws, *answers, opts.explain));
  const bool allowed = std::all_of(answers->begin(), answers->end(), [](const analysis::Answer& a) { return a.allowed; });
  return allowed ? kExitYes : kExitNo;
}

}  // namespace

Command AddSimulateCommand(CLI::App& app) {
  auto opts = std::make_shared<SimulateOptions>();
  CLI::App* sub = app.add_subcommand("simulate", "What a role, login or token may do on a path");
  sub->add_option("-C,--workspace", opts->workspace, "Workspace folder (policies/, bindings/, polcheck.yaml)");
  sub->add_option("--role", opts->role, "Role (or userpass user, token role) name; one answer per mount");
  sub->add_option("--mount", opts->mount, "Auth mount path the role lives on (\"token\" for token roles)");
  sub->add_option("--identity", opts->identity,
                  "A login: kubernetes:NS/SA[@UID][,LABEL=VALUE...], aws:ARN, aws-ec2:instance_id=I[,KEY=VALUE...], "
                  "jwt:CLAIMS.json, userpass:NAME, approle:ROLE, github:ORG/TEAM[,TEAM][@LOGIN], entity:NAME");
  sub->add_option("--source-ip", opts->source_ip,
                  "Client address of the login, checked against token_bound_cidrs / secret_id_bound_cidrs");
  sub->add_option("--policies", opts->policies, "A raw token with these policies (comma-separated)");
  sub->add_option("--path", opts->path, "Request path");
  sub->add_option("--op", opts->op, "Operation (read, create, update, ...); with --kv a `vault kv` operation");
  sub->add_option("--kv", opts->kv, "MOUNT/KEY of a KV secret; --op is then get, put, patch, delete, list, ...");
  sub->add_option("--param", opts->params, "Request parameter NAME=VALUE (repeat a name for a list)");
  sub->add_option("--wrap-ttl", opts->wrap_ttl, "Requested response-wrapping TTL (seconds or duration)");
  sub->add_flag("--explain", opts->explain, "Show the login chain, the deciding rule and its competitors");
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  sub->add_option("--var-file", opts->var_files, "Terraform variables file for the *.tf import (repeatable)");
  sub->add_option("--var", opts->vars, "Terraform variable NAME=VALUE for the *.tf import (repeatable)");
  return {sub, [opts] { return RunSimulate(*opts); }};
}

}  // namespace polcheck::cli
