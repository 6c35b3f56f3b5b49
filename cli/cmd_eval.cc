// polcheck eval --policy FILE_OR_DIR... --path P --op OP [--param k=v]... [--params-json J]
//               [--wrap-ttl D] [--entity FILE] [--target T] [--explain] [--format text|json]
//               [--with-default] [--root] [--namespace NS]
// polcheck eval --batch FILE|-
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>

#include "base/io.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "evaluator/acl.h"
#include "evaluator/batch.h"
#include "evaluator/builtin_policies.h"
#include "parser/loader.h"

namespace polcheck::cli {
namespace {

struct EvalCommandOptions {
  std::vector<std::string> policies;
  std::string path;
  std::string op;
  std::vector<std::string> params;
  std::string params_json;
  std::string wrap_ttl;
  std::string entity_file;
  std::string target = "vault";
  std::string format = "text";
  std::string namespace_path;
  std::string batch;
  bool explain = false;
  bool with_default = false;
  bool root = false;
};

int Usage(std::string_view message) {
  std::cerr << "polcheck eval: " << message << "\n";
  return kExitUsage;
}

int RunBatch(const EvalCommandOptions& opts, Dialect dialect) {
  evaluator::BatchEvaluator batch({.default_dialect = dialect});
  if (opts.batch == "-") {
    std::ios::sync_with_stdio(false);
    batch.Run(std::cin, std::cout);
    return kExitYes;
  }
  std::ifstream in(opts.batch);
  if (!in) {
    return Usage("cannot read --batch file \"" + opts.batch + "\"");
  }
  batch.Run(in, std::cout);
  return kExitYes;
}

// Request data from --params-json then --param (a --param overrides a JSON key).
Expected<evaluator::Params> RequestParams(const EvalCommandOptions& opts) {
  evaluator::Params params;
  if (!opts.params_json.empty()) {
    Expected<evaluator::Params> json = evaluator::ParseParamsJson(opts.params_json);
    if (!json) {
      return Unexpected(json.error());
    }
    params = std::move(*json);
  }
  Expected<evaluator::Params> kv = evaluator::ParseKeyValueParams(opts.params);
  if (!kv) {
    return Unexpected(Error::Code::kInvalidArgument, "--param: " + kv.error().message);
  }
  for (auto& [key, value] : *kv) {
    params[key] = std::move(value);
  }
  return params;
}

int RunSingle(const EvalCommandOptions& opts, Dialect dialect) {
  if (opts.path.empty() || opts.op.empty()) {
    return Usage("--path and --op are required (or use --batch)");
  }
  const std::optional<evaluator::Operation> op = evaluator::ParseOperation(opts.op);
  if (!op) {
    return Usage("unknown --op \"" + opts.op + "\"");
  }
  Expected<evaluator::Params> params = RequestParams(opts);
  if (!params) {
    return Usage(params.error().message);
  }
  std::optional<std::chrono::nanoseconds> wrap_ttl;
  if (!opts.wrap_ttl.empty()) {
    Expected<std::chrono::nanoseconds> ttl = evaluator::ParseWrapTtl(opts.wrap_ttl);
    if (!ttl) {
      return Usage(ttl.error().message);
    }
    wrap_ttl = *ttl;
  }
  std::optional<evaluator::Identity> identity;
  if (!opts.entity_file.empty()) {
    Expected<std::string> text = ReadFile(opts.entity_file);
    if (!text) {
      return Usage(text.error().message);
    }
    Expected<evaluator::Identity> parsed = evaluator::ParseIdentityJson(*text);
    if (!parsed) {
      return Usage("--entity " + opts.entity_file + ": " + parsed.error().message);
    }
    identity = std::move(*parsed);
  }

  SourceSet sources;
  DiagnosticSink sink;
  std::vector<parser::PolicyFile> files;
  if (!opts.policies.empty()) {
    parser::ParseOptions parse_options;
    parse_options.dialect = dialect;
    Expected<std::vector<parser::PolicyFile>> loaded = parser::LoadPolicies(opts.policies, parse_options, sources, sink);
    if (!loaded) {
      return Usage(loaded.error().message);
    }
    files = std::move(*loaded);
  }
  if (sink.has_errors()) {
    for (const Diagnostic& d : sink.SortedByLocation()) {
      if (d.severity == Severity::kError) {
        std::cerr << RenderDiagnostic(d, sources);
      }
    }
    return kExitParseError;
  }
  std::vector<const parser::Policy*> policies;
  std::optional<parser::Policy> default_policy;
  if (opts.with_default) {
    default_policy = evaluator::DefaultPolicy(dialect, sources);
    policies.push_back(&*default_policy);
  }
  for (const parser::PolicyFile& f : files) {
    policies.push_back(&f.policy);
  }
  Expected<evaluator::Acl> acl = evaluator::Acl::Build(
      policies, {.dialect = dialect, .identity = identity ? &*identity : nullptr, .root = opts.root});
  if (!acl) {
    return Usage(acl.error().message);
  }
  const evaluator::Request request{.path = opts.path,
                                   .operation = *op,
                                   .params = params->empty() ? nullptr : &*params,
                                   .wrap_ttl = wrap_ttl,
                                   .namespace_path = opts.namespace_path};
  const evaluator::Result result = acl->Check(request);
  std::optional<evaluator::Explanation> explanation;
  if (opts.explain) {
    explanation = acl->Explain(request);
  }
  const evaluator::Explanation* why = explanation ? &*explanation : nullptr;
  if (opts.format == "json") {
    std::cout << evaluator::DecisionJson(*acl, request, result, &sources, why) << "\n";
  } else {
    std::cout << evaluator::DecisionText(*acl, request, result, &sources, why);
  }
  return result.allowed ? kExitYes : kExitNo;
}

int RunEval(const EvalCommandOptions& opts) {
  const std::optional<Dialect> dialect = ParseDialect(opts.target);
  if (!dialect) {
    return Usage("unknown --target \"" + opts.target + "\" (expected vault, vault-legacy or openbao)");
  }
  if (!opts.batch.empty()) {
    if (!opts.path.empty() || !opts.op.empty() || !opts.policies.empty()) {
      return Usage("--batch takes everything from its input lines; drop --policy/--path/--op");
    }
    return RunBatch(opts, *dialect);
  }
  return RunSingle(opts, *dialect);
}

}  // namespace

Command AddEvalCommand(CLI::App& app) {
  auto opts = std::make_shared<EvalCommandOptions>();
  CLI::App* sub = app.add_subcommand("eval", "Decide one request (or a JSON-lines batch) as Vault/OpenBao would");
  sub->add_option("--policy", opts->policies, "Policy files or directories (*.hcl, *.json)");
  sub->add_option("--path", opts->path, "Request path (list/scan: with the trailing '/' Vault's HTTP layer adds)");
  sub->add_option("--op", opts->op,
                  "Operation: create, read, update, patch, delete, list, help, scan, recover, revoke, renew, "
                  "rollback, subscribe, header");
  sub->add_option("--param", opts->params, "Request parameter key=value (string; repeat a key for a list)");
  sub->add_option("--params-json", opts->params_json, "Request data as a JSON object (numbers are json.Number)");
  sub->add_option("--wrap-ttl", opts->wrap_ttl, "Requested response-wrapping TTL (seconds or duration)");
  sub->add_option("--entity", opts->entity_file, "JSON file with the token's entity, aliases and groups");
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  sub->add_option("--namespace", opts->namespace_path, "Request namespace path, e.g. ns1/");
  sub->add_flag("--explain", opts->explain, "Explain the decision: candidates, comparator steps, refusing check");
  sub->add_flag("--with-default", opts->with_default, "Add the built-in default policy");
  sub->add_flag("--root", opts->root, "Evaluate as a root token");
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--batch", opts->batch, "JSON-lines requests from FILE or - (stdin); one JSON answer per line");
  return {sub, [opts] { return RunEval(*opts); }};
}

}  // namespace polcheck::cli
