// Evaluator benchmarks on the issue #3 workload (evaluator/workload.h):
// N policies × 20 paths (50% exact, 35% '*'-prefix, 15% '+'), 100,000 fixed
// requests (40% read, 20% list, 20% update, 10% create, 10% delete).
//
//   BM_Evaluator_Build/<N>          Acl::Build from parsed policies
//   BM_Evaluator_Check/<N>          one Acl::Check per iteration, cycling through the requests
//   BM_Evaluator_Capabilities/<N>   one Acl::Capabilities per iteration
//   BM_Evaluator_CheckNoPlus/<N>    Check on the same workload with the '+' rules made exact
//   BM_Evaluator_Reference/<N>      baseline: the test suite's reference evaluator, which works
//                                   like Vault's acl.go (every prefix and '+' rule scanned, sorted)
//
// bench/run.sh prints the table with Check / Reference ratios.
#include <benchmark/benchmark.h>

#include <map>

#include "evaluator/acl.h"
#include "evaluator/timing.h"
#include "evaluator/workload.h"
// The baseline is the reference evaluator of tests/evaluator (bench/CMakeLists.txt
// links only the libraries, so its one source file is compiled in here).
#include "tests/evaluator/reference_evaluator.cc"

namespace polcheck::evaluator {
namespace {

const Workload& GetWorkload(int n, bool plus) {
  static std::map<std::pair<int, bool>, Workload> cache;
  auto it = cache.find({n, plus});
  if (it == cache.end()) {
    it = cache.emplace(std::make_pair(n, plus), GenerateWorkload({.policies = n, .plus_rules = plus})).first;
  }
  return it->second;
}

Acl BuildAcl(const Workload& w) {
  const std::vector<const parser::Policy*> pointers = w.pointers();
  Expected<Acl> acl = Acl::Build(pointers, {});
  if (!acl) {
    std::abort();
  }
  return std::move(*acl);
}

void BM_Evaluator_Build(benchmark::State& state) {
  const Workload& w = GetWorkload(static_cast<int>(state.range(0)), true);
  const std::vector<const parser::Policy*> pointers = w.pointers();
  std::size_t bytes = 0;
  for (auto _ : state) {
    Expected<Acl> acl = Acl::Build(pointers, {});
    bytes = acl->MemoryUsage();
    benchmark::DoNotOptimize(acl);
  }
  state.counters["acl_mb"] = static_cast<double>(bytes) / (1024.0 * 1024.0);
  state.counters["blocks"] = static_cast<double>(w.policies.size() * 20);
}
BENCHMARK(BM_Evaluator_Build)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void RunChecks(benchmark::State& state, bool plus) {
  const Workload& w = GetWorkload(static_cast<int>(state.range(0)), plus);
  const Acl acl = BuildAcl(w);
  std::string arena;
  const std::vector<Request> views = PackRequests(w.requests, arena);
  std::size_t i = 0;
  std::size_t allowed = 0;
  for (auto _ : state) {
    const Result r = acl.Check(views[i]);
    allowed += r.allowed ? 1 : 0;
    benchmark::DoNotOptimize(r);
    i = i + 1 == views.size() ? 0 : i + 1;
  }
  state.counters["allowed_pct"] = 100.0 * static_cast<double>(allowed) / static_cast<double>(state.iterations());
}

void BM_Evaluator_Check(benchmark::State& state) { RunChecks(state, true); }
BENCHMARK(BM_Evaluator_Check)->Arg(10)->Arg(100)->Arg(1000);

void BM_Evaluator_CheckNoPlus(benchmark::State& state) { RunChecks(state, false); }
BENCHMARK(BM_Evaluator_CheckNoPlus)->Arg(10)->Arg(100)->Arg(1000);

void BM_Evaluator_Capabilities(benchmark::State& state) {
  const Workload& w = GetWorkload(static_cast<int>(state.range(0)), true);
  const Acl acl = BuildAcl(w);
  std::string arena;
  const std::vector<Request> views = PackRequests(w.requests, arena);
  std::size_t i = 0;
  for (auto _ : state) {
    const CapabilityList caps = acl.Capabilities(views[i].path);
    benchmark::DoNotOptimize(caps);
    i = i + 1 == views.size() ? 0 : i + 1;
  }
}
BENCHMARK(BM_Evaluator_Capabilities)->Arg(10)->Arg(100)->Arg(1000);

void BM_Evaluator_Reference(benchmark::State& state) {
  const Workload& w = GetWorkload(static_cast<int>(state.range(0)), true);
  const std::optional<reference::ReferenceAcl> ref = reference::ReferenceAcl::Build(w.pointers(), {});
  std::size_t i = 0;
  for (auto _ : state) {
    const reference::Answer a = ref->Check(w.requests[i].view());
    benchmark::DoNotOptimize(a);
    i = i + 1 == w.requests.size() ? 0 : i + 1;
  }
}
BENCHMARK(BM_Evaluator_Reference)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace polcheck::evaluator

BENCHMARK_MAIN();
