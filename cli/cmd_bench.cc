// polcheck bench eval --policies DIR --requests FILE [--target T] [--reps K]
// polcheck bench generate --out DIR [--policies N] [--requests N] [--seed S] [--no-plus]
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "base/io.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "evaluator/timing.h"
#include "evaluator/workload.h"
#include "parser/loader.h"

namespace polcheck::cli {
namespace {

struct BenchEvalOptions {
  std::string policies;
  std::string requests;
  std::string target = "vault";
  int reps = 5;
};

struct BenchGenerateOptions {
  std::string out;
  int policies = 1000;
  int requests = 100000;
  std::uint64_t seed = 20260523;
  bool no_plus = false;
};

int Usage(std::string_view message) {
  std::cerr << "polcheck bench: " << message << "\n";
  return kExitUsage;
}

int RunBenchEval(const BenchEvalOptions& opts) {
  const std::optional<Dialect> dialect = ParseDialect(opts.target);
  if (!dialect) {
    return Usage("unknown --target \"" + opts.target + "\"");
  }
  SourceSet sources;
  DiagnosticSink sink;
  parser::ParseOptions parse_options;
  parse_options.dialect = *dialect;
  Expected<std::vector<parser::PolicyFile>> files = parser::LoadPolicies({opts.policies}, parse_options, sources, sink);
  if (!files) {
    return Usage(files.error().message);
  }
  if (sink.has_errors()) {
    for (const Diagnostic& d : sink.SortedByLocation()) {
      if (d.severity == Severity::kError) {
        std::cerr << RenderDiagnostic(d, sources);
      }
    }
    return kExitParseError;
  }
  Expected<std::string> text = ReadFile(opts.requests);
  if (!text) {
    return Usage(text.error().message);
  }
  Expected<std::vector<evaluator::OwnedRequest>> requests = evaluator::ParseRequestLines(*text);
  if (!requests) {
    return Usage(requests.error().message);
  }
  std::vector<const parser::Policy*> policies;
  for (const parser::PolicyFile& f : *files) {
    policies.push_back(&f.policy);
  }
  Expected<evaluator::EvalBenchmarkResult> result =
      evaluator::RunEvalBenchmark(policies, *requests, {.reps = opts.reps, .acl = {.dialect = *dialect}});
  if (!result) {
    return Usage(result.error().message);
  }
  std::cout << evaluator::EvalBenchmarkJson(*result) << "\n";
  return kExitYes;
}

int RunBenchGenerate(const BenchGenerateOptions& opts) {
  namespace fs = std::filesystem;
  const evaluator::Workload w = evaluator::GenerateWorkload(
      {.policies = opts.policies, .requests = opts.requests, .seed = opts.seed, .plus_rules = !opts.no_plus});
  std::error_code ec;
  fs::create_directories(fs::path(opts.out) / "policies", ec);
  if (ec) {
    return Usage("cannot create " + opts.out + ": " + ec.message());
  }
  for (std::size_t i = 0; i < w.policies.size(); ++i) {
    std::ofstream(fs::path(opts.out) / "policies" / (w.policies[i].name + ".hcl")) << w.hcl[i];
  }
  std::ofstream out(fs::path(opts.out) / "requests.jsonl");
  out << evaluator::RequestLinesJson(w.requests);
  if (!out) {
    return Usage("cannot write " + opts.out + "/requests.jsonl");
  }
  std::cout << "wrote " << w.policies.size() << " policies to " << opts.out << "/policies and " << w.requests.size()
            << " requests to " << opts.out << "/requests.jsonl\n";
  return kExitYes;
}

}  // namespace

Command AddBenchCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("bench", "Measure the evaluator on any policy set");
  sub->require_subcommand(1);

  auto eval = std::make_shared<BenchEvalOptions>();
  CLI::App* eval_cmd = sub->add_subcommand("eval", "Time Acl build, Check and Capabilities; prints one JSON object");
  eval_cmd->add_option("--policies", eval->policies, "Directory (or file) of policies")->required();
  eval_cmd->add_option("--requests", eval->requests, "JSON lines: path, operation, optional params")->required();
  eval_cmd->add_option("--target", eval->target, "Server dialect: vault, vault-legacy or openbao");
  eval_cmd->add_option("--reps", eval->reps, "Timed passes over the requests")->check(CLI::Range(1, 1000));

  auto gen = std::make_shared<BenchGenerateOptions>();
  CLI::App* gen_cmd = sub->add_subcommand("generate", "Write the evaluator benchmark workload as files");
  gen_cmd->add_option("--out", gen->out, "Output directory")->required();
  gen_cmd->add_option("--policies", gen->policies, "Number of policies (20 paths each)")->check(CLI::Range(1, 100000));
  gen_cmd->add_option("--requests", gen->requests, "Number of requests")->check(CLI::Range(0, 10000000));
  gen_cmd->add_option("--seed", gen->seed, "Random seed");
  gen_cmd->add_flag("--no-plus", gen->no_plus, "Replace the '+' rules with exact ones");

  return {sub, [eval, gen, eval_cmd, gen_cmd] {
            if (eval_cmd->parsed()) {
              return RunBenchEval(*eval);
            }
            if (gen_cmd->parsed()) {
              return RunBenchGenerate(*gen);
            }
            return kExitUsage;
          }};
}

}  // namespace polcheck::cli
