// The evaluator benchmark workload (issue #3): N policies × 20 paths shaped like
// real KV v2 / database / transit / PKI / auth / sys policies for 40 teams × 10
// apps × 3 envs; 50% exact, 35% '*'-prefix, 15% '+'-segment paths; 10% with
// allowed_parameters; 3% deny. Requests: ≈85% derived from rules, 15% misses;
// 40% read, 20% list (trailing '/'), 20% update, 10% create, 10% delete.
// Deterministic for a given seed.
//
//   Workload w = GenerateWorkload({.policies = 1000});
//   Acl::Build(w.pointers(), {});  // or write w.hcl[i] to files for `polcheck bench eval`
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evaluator/timing.h"
#include "parser/policy.h"

namespace polcheck::evaluator {

struct WorkloadOptions {
  int policies = 1000;
  int paths_per_policy = 20;
  int requests = 100000;
  std::uint64_t seed = 20260523;
  bool plus_rules = true;  // false: the '+' share becomes exact rules (Vault's fast case)
};

struct Workload {
  std::vector<parser::Policy> policies;  // as the parser would produce them
  std::vector<std::string> hcl;          // the same policies as HCL text
  std::vector<OwnedRequest> requests;

  std::vector<const parser::Policy*> pointers() const;
};

Workload GenerateWorkload(const WorkloadOptions& options);

}  // namespace polcheck::evaluator
