// polcheck diff over two generated workspaces: 1,000 policies of 20 rules each
// and 500 kubernetes roles (3-5 policies each), the head side differing in 20
// policies (capabilities changed, a '+' rule added, a glob widened, a deny
// added).
//
//   BM_Diff_Workspaces/<P>   DiffWorkspaces on two loaded workspaces (P policies)
//   BM_Diff_Load/<P>         baseline: loading both workspaces (parse, bindings)
//
// The target: the whole diff of 1,000 policies x 20 rules, 500 roles and
// 20 changed policies in < 2 s. The generated folders stay in the temp dir
// (polcheck-diff-bench-<P>-base / -head), so the CLI can be timed on them:
//   time polcheck diff /tmp/polcheck-diff-bench-1000-base /tmp/polcheck-diff-bench-1000-head
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "analysis/diff.h"

namespace polcheck::analysis {
namespace {

constexpr int kRulesPerPolicy = 20;
constexpr int kRoles = 500;
constexpr int kChangedPolicies = 20;

std::string Caps(std::mt19937& rng) {
  static const char* const kCaps[] = {"create", "read", "update", "delete", "list", "patch"};
  std::string out;
  for (const char* c : kCaps) {
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
      out += (out.empty() ? "\"" : ", \"") + std::string(c) + "\"";
    }
  }
  return out.empty() ? "\"read\"" : out;
}

// Rule r of policy p: team trees, KV metadata, '+' segments, a few denies.
std::string Rule(int p, int r, std::mt19937& rng) {
  const int team = p / 10;
  std::string label;
  switch (r % 5) {
    case 0:
      label = "secret/data/team-" + std::to_string(team) + "/app-" + std::to_string(p) + "-" + std::to_string(r) + "/*";
      break;
    case 1:
      label = "secret/metadata/team-" + std::to_string(team) + "/app-" + std::to_string(p) + "/*";
      break;
    case 2:
      label = "kv/team-" + std::to_string(team) + "/+/config-" + std::to_string(r);
      break;
    case 3:
      label = "database/creds/team-" + std::to_string(team) + "-" + std::to_string(r);
      break;
    default:
      label = "secret/data/team-" + std::to_string(team) + "/shared/" + std::to_string(p) + "-" + std::to_string(r);
      break;
  }
  const bool deny = std::uniform_int_distribution<int>(0, 19)(rng) == 0;
  return "path \"" + label + "\" {\n  capabilities = [" + (deny ? std::string("\"deny\"") : Caps(rng)) + "]\n}\n";
}

std::string Policy(int p, bool changed) {
  std::mt19937 rng(static_cast<std::uint32_t>(p) * 7919u + 1u);
  std::string out;
  for (int r = 0; r < kRulesPerPolicy; ++r) {
    out += Rule(p, r, rng);
  }
  if (changed) {
    const std::string team = std::to_string(p / 10);
    out += "path \"secret/data/team-" + team + "/+/config\" {\n  capabilities = [\"read\", \"update\"]\n}\n";
    out += "path \"secret/data/team-" + team + "/shared/*\" {\n  capabilities = [\"read\"]\n}\n";
    out += "path \"secret/data/team-" + team + "/app-" + std::to_string(p) + "-0/private/*\" {\n"
           "  capabilities = [\"deny\"]\n}\n";
  }
  return out;
}

void WriteSide(const std::filesystem::path& dir, int policies, bool head) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "policies");
  std::filesystem::create_directories(dir / "bindings");
  const int stride = policies / kChangedPolicies;
  for (int p = 0; p < policies; ++p) {
    const bool changed = head && p % stride == 0;
    std::ofstream(dir / "policies" / ("p" + std::to_string(p) + ".hcl")) << Policy(p, changed);
  }
  std::mt19937 rng(42);
  std::ofstream k8s(dir / "bindings" / "kubernetes.yaml");
  k8s << "auth:\n  kubernetes:\n    roles:\n";
  for (int r = 0; r < kRoles; ++r) {
    const int n = std::uniform_int_distribution<int>(3, 5)(rng);
    std::string list;
    for (int k = 0; k < n; ++k) {
      list += (k == 0 ? "p" : ", p") + std::to_string(std::uniform_int_distribution<int>(0, policies - 1)(rng));
    }
    k8s << "      role-" << r << ":\n        bound_service_account_names: [default]\n"
        << "        bound_service_account_namespaces: [ns-" << r << "]\n        token_policies: [" << list << "]\n";
  }
}

struct Pair {
  Workspace base;
  Workspace head;
};

std::filesystem::path SideDir(int policies, const char* side) {
  return std::filesystem::temp_directory_path() /
         ("polcheck-diff-bench-" + std::to_string(policies) + "-" + side);
}

Workspace LoadOrDie(const std::filesystem::path& dir) {
  DiagnosticSink sink;
  Expected<Workspace> ws = LoadWorkspace({.directory = dir, .dialect = std::nullopt}, sink);
  if (!ws || ws->has_parse_errors) {
    std::abort();
  }
  return *std::move(ws);
}

const Pair& GetPair(int policies) {
  static std::map<int, Pair> cache;
  auto it = cache.find(policies);
  if (it == cache.end()) {
    WriteSide(SideDir(policies, "base"), policies, false);
    WriteSide(SideDir(policies, "head"), policies, true);
    it = cache.emplace(policies, Pair{LoadOrDie(SideDir(policies, "base")), LoadOrDie(SideDir(policies, "head"))})
             .first;
  }
  return it->second;
}

void BM_Diff_Workspaces(benchmark::State& state) {
  const Pair& pair = GetPair(static_cast<int>(state.range(0)));
  std::size_t principals = 0;
  std::size_t groups = 0;
  std::size_t regions = 0;
  for (auto _ : state) {
    Expected<DiffResult> d = DiffWorkspaces(pair.base, pair.head, {});
    if (!d) {
      state.SkipWithError(d.error().message.c_str());
      return;
    }
    principals = d->principals.size();
    groups = d->principal_groups_compared;
    regions = d->regions_evaluated;
    benchmark::DoNotOptimize(d);
  }
  state.counters["principals_changed"] = static_cast<double>(principals);
  state.counters["groups_compared"] = static_cast<double>(groups);
  state.counters["regions"] = static_cast<double>(regions);
}
BENCHMARK(BM_Diff_Workspaces)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Diff_Load(benchmark::State& state) {
  const int policies = static_cast<int>(state.range(0));
  GetPair(policies);
  for (auto _ : state) {
    Workspace a = LoadOrDie(SideDir(policies, "base"));
    Workspace b = LoadOrDie(SideDir(policies, "head"));
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_Diff_Load)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace polcheck::analysis

BENCHMARK_MAIN();
