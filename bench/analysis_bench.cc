// who-can over a generated workspace: N policies and N roles (half kubernetes,
// half AWS IAM, each role holding two team policies plus `default`).
//
//   BM_Analysis_WhoCanCold/<N>   who-can with an empty AclCache: compiles every role's ACL
//   BM_Analysis_WhoCanWarm/<N>   who-can with the ACLs already compiled (repeated queries)
//   BM_Analysis_Subjects/<N>     AllSubjects: policy assembly for every role
//   BM_Analysis_SubjectsSourceIp/<N>  the same with a source address (CIDR bindings looked up per role)
//   BM_Analysis_CheckOnly/<N>    baseline: N Acl::Check calls on one prebuilt ACL
//
// The target: who-can over 1,000 roles and 1,000 policies in < 50 ms.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "analysis/analysis.h"

namespace polcheck::analysis {
namespace {

std::filesystem::path Generate(int n) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("polcheck-analysis-bench-" + std::to_string(n));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "policies");
  std::filesystem::create_directories(dir / "bindings");
  for (int i = 0; i < n; ++i) {
    std::ofstream(dir / "policies" / ("team-" + std::to_string(i) + ".hcl"))
        << "path \"secret/data/team-" << i << "/*\" {\n  capabilities = [\"create\", \"read\", \"update\", \"delete\"]\n}\n"
        << "path \"secret/metadata/team-" << i << "/*\" {\n  capabilities = [\"list\", \"read\"]\n}\n"
        << "path \"secret/data/team-" << i << "/prod/*\" {\n  capabilities = [\"deny\"]\n}\n"
        << "path \"database/creds/team-" << i << "-+\" {\n  capabilities = [\"read\"]\n}\n";
  }
  std::ofstream k8s(dir / "bindings" / "kubernetes.yaml");
  std::ofstream aws(dir / "bindings" / "aws.yaml");
  k8s << "auth:\n  kubernetes:\n    roles:\n";
  aws << "auth:\n  aws:\n    roles:\n";
  for (int i = 0; i < n; ++i) {
    const std::string policies = "[team-" + std::to_string(i) + ", team-" + std::to_string((i + 7) % n) + "]";
    if (i % 2 == 0) {
      k8s << "      role-" << i << ":\n        bound_service_account_names: [default]\n"
          << "        bound_service_account_namespaces: [ns-" << i << "]\n        token_policies: " << policies << "\n";
    } else {
      aws << "      role-" << i << ":\n        bound_iam_principal_arn: [\"arn:aws:iam::123456789012:role/r-" << i
          << "\"]\n        token_policies: " << policies << "\n";
    }
  }
  return dir;
}

const Workspace& GetWorkspace(int n) {
  static std::map<int, Workspace> cache;
  auto it = cache.find(n);
  if (it == cache.end()) {
    DiagnosticSink sink;
    Expected<Workspace> ws = LoadWorkspace({.directory = Generate(n), .dialect = std::nullopt}, sink);
    if (!ws || sink.has_errors()) {
      std::abort();
    }
    it = cache.emplace(n, *std::move(ws)).first;
  }
  return it->second;
}

const WhoCanQuery kQuery{.path = "secret/data/team-42/app/config",
                         .operation = evaluator::Operation::kDelete,
                         .capability = std::nullopt};

void BM_Analysis_WhoCanCold(benchmark::State& state) {
  const Workspace& ws = GetWorkspace(static_cast<int>(state.range(0)));
  const std::vector<Subject> subjects = AllSubjects(ws);
  for (auto _ : state) {
    AclCache cache(ws);
    Expected<WhoCanResult> r = WhoCan(ws, subjects, kQuery, cache);
    if (!r || r->allowed.size() != 2) {
      state.SkipWithError("unexpected who-can answer");
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Analysis_WhoCanCold)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Analysis_WhoCanWarm(benchmark::State& state) {
  const Workspace& ws = GetWorkspace(static_cast<int>(state.range(0)));
  const std::vector<Subject> subjects = AllSubjects(ws);
  AclCache cache(ws);
  for (auto _ : state) {
    Expected<WhoCanResult> r = WhoCan(ws, subjects, kQuery, cache);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Analysis_WhoCanWarm)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Analysis_Subjects(benchmark::State& state) {
  const Workspace& ws = GetWorkspace(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(AllSubjects(ws));
  }
}
BENCHMARK(BM_Analysis_Subjects)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// AllSubjects with --source-ip: every role's CIDR bindings checked (none set here).
void BM_Analysis_SubjectsSourceIp(benchmark::State& state) {
  const Workspace& ws = GetWorkspace(static_cast<int>(state.range(0)));
  const LoginContext context{.source_ip = ParseIp("10.1.2.3")};
  for (auto _ : state) {
    benchmark::DoNotOptimize(AllSubjects(ws, context));
  }
}
BENCHMARK(BM_Analysis_SubjectsSourceIp)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Analysis_CheckOnly(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Workspace& ws = GetWorkspace(n);
  AclCache cache(ws);
  const evaluator::Acl* acl = *cache.For(SubjectForPolicies({"team-42", "team-49", "default"}));
  const evaluator::Request req{.path = kQuery.path, .operation = evaluator::Operation::kDelete};
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(acl->Check(req));
    }
  }
}
BENCHMARK(BM_Analysis_CheckOnly)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace polcheck::analysis

BENCHMARK_MAIN();
