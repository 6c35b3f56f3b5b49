// The timing loop behind `polcheck bench eval` and the evaluator benchmark:
// build an Acl, then time Check() and Capabilities() over a fixed request list.
//
//   Expected<std::vector<OwnedRequest>> requests = ParseRequestLines(jsonl);
//   Expected<EvalBenchmarkResult> r = RunEvalBenchmark(policies, *requests, {.reps = 5});
//   std::puts(EvalBenchmarkJson(*r).c_str());
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"
#include "evaluator/acl.h"

namespace polcheck::evaluator {

// A request that owns its strings (Request only holds views).
struct OwnedRequest {
  std::string path;
  Operation operation = Operation::kRead;
  std::optional<Params> params;
  std::optional<std::chrono::nanoseconds> wrap_ttl;

  // Views into *this; valid while it lives and is not modified.
  Request view() const {
    return Request{.path = path, .operation = operation, .params = params ? &*params : nullptr, .wrap_ttl = wrap_ttl};
  }
};

// Views of `requests` whose paths are copied, in order, into one contiguous
// `arena`, as a server would have a request it just parsed at hand: timing
// loops then measure the evaluator, not cache misses on scattered test data.
std::vector<Request> PackRequests(const std::vector<OwnedRequest>& requests, std::string& arena);

// JSON lines with "path", "operation" and optional "params" (object) and
// "wrap_ttl". Blank lines are skipped. Fails with the 1-based line number of
// the first bad line.
[[nodiscard]] Expected<std::vector<OwnedRequest>> ParseRequestLines(std::string_view text);

// The same requests back as JSON lines.
std::string RequestLinesJson(const std::vector<OwnedRequest>& requests);

struct EvalBenchmarkOptions {
  int reps = 5;  // timed passes over the request list (and ACL builds)
  AclOptions acl{};
};

struct EvalBenchmarkResult {
  std::size_t checks = 0;     // requests per pass
  std::size_t rules = 0;      // compiled rules
  std::size_t allowed = 0;    // allowed answers per pass
  double build_ms = 0;        // median Acl::Build time
  double ns_per_check_min = 0;
  double ns_per_check_median = 0;
  double ns_per_caps_median = 0;
  double peak_rss_mb = 0;     // of the whole process
  double acl_mb = 0;          // Acl::MemoryUsage
};

// Fails when the Acl does not build.
[[nodiscard]] Expected<EvalBenchmarkResult> RunEvalBenchmark(std::span<const parser::Policy* const> policies,
                                                             const std::vector<OwnedRequest>& requests,
                                                             const EvalBenchmarkOptions& options);

// {"checks":..,"build_ms":..,"ns_per_check_min":..,"ns_per_check_median":..,
//  "ns_per_caps_median":..,"peak_rss_mb":..,"rules":..,"allowed":..,"acl_mb":..}
std::string EvalBenchmarkJson(const EvalBenchmarkResult& result);

// Peak resident set size of this process, in MiB (getrusage).
double PeakRssMb();

}  // namespace polcheck::evaluator
