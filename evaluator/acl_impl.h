// Acl internals shared by acl.cc (build, Check) and explain.cc. Not a public header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evaluator/acl.h"
#include "evaluator/params.h"
#include "evaluator/path_index.h"

namespace polcheck::evaluator {

// The §3.5 comparator attributes of a prefix or segment-wildcard rule.
struct Rank {
  std::int32_t first_wc = 0;   // index of the first '+' (segment) or len(prefix)
  std::int32_t wildcards = 0;  // number of '+' segments
  std::uint32_t length = 0;    // key length without the trailing '*'
  bool is_prefix = false;
  std::string_view path;       // key without the trailing '*' (into CompiledRule::key)
  // Steps 1-4 packed so that a larger value has higher priority; equal values
  // need the full comparison (step 5, or saturated fields).
  std::uint64_t packed = 0;
};

// Rank::packed for the given attributes.
std::uint64_t PackPriority(std::int64_t first_wc, bool is_prefix, std::int64_t wildcards, std::uint64_t length);

// True when `a` has lower priority than `b` (Vault's less function).
bool LowerPriority(const Rank& a, const Rank& b);

// Which comparator step ranks `loser` below `winner` (kSelected when equal).
Verdict ComparatorStep(const Rank& winner, const Rank& loser);

// Hot per-rule data read by Check (12 bytes, so rules share cache lines).
struct HotRule {
  std::uint16_t capabilities = 0;
  bool wrap_checks = false;
  bool param_checks = false;
  std::uint32_t checks = 0;    // index into Impl::checks when wrap_checks or param_checks
  std::uint32_t granting = 0;  // first of popcount(capabilities) + 1 Impl::granting_offsets
};

// The wrapping and parameter constraints of a rule that has any.
struct RuleChecks {
  std::int64_t min_ttl_ns = 0;
  std::int64_t max_ttl_ns = 0;
  ParamConstraints params;
};

struct PolicyInfo {
  std::string name;
  FileId file = 0;
};

struct Acl::Impl {
  Dialect dialect = Dialect::kVault;
  bool root = false;
  std::string root_namespace;  // OpenBao: the namespace the root ACL covers
  std::vector<PolicyInfo> policies;
  std::vector<CompiledRule> rules;
  std::vector<HotRule> hot;
  std::vector<Rank> ranks;  // parallel to rules (exact rules: unused)
  std::vector<RuleChecks> checks;
  // Granting policies of every rule, per capability it grants, flattened:
  // policies [granting_offsets[g + k], granting_offsets[g + k + 1]) for the
  // k-th set capability bit of the rule whose HotRule::granting is g.
  std::vector<std::uint32_t> granting_offsets;
  std::vector<std::uint32_t> granting_policies;
  std::vector<DroppedBlock> dropped;
  std::vector<std::string> notes;  // build-time remarks (root discarding others, expired paths)
  ExactIndex exact;
  PathTrie trie;  // prefix and segment-wildcard rules

  // §3.3 step 1-3 for an already joined and stripped path.
  RuleId Select(std::string_view path, Operation operation) const;
  // The §3.3 "non-exact search" for one path form.
  RuleId BestNonExact(const PathKey& key) const;
  RuleId BestNonExact(std::string_view path) const;
  // The non-exact search for a path ending in '/' and for its trimmed form, in one pass.
  struct BothForms {
    RuleId trimmed = kNoRule;
    RuleId full = kNoRule;
  };
  BothForms BestNonExactBoth(const PathKey& key) const;
  // Vault (current): pooled LIST candidates of both forms with deny preference.
  RuleId PooledList(const PathKey& key) const;
  // The CHECK phase of AllowOperation for the selected rule.
  Result Evaluate(RuleId id, const Request& request) const;
  Result RootResult(std::string_view namespace_path) const;
  bool RootCovers(std::string_view namespace_path) const;
};

// Joins namespace and path and strips every leading '/', without allocating
// for paths up to 512 bytes.
class PathBuffer {
 public:
  std::string_view Join(std::string_view namespace_path, std::string_view path);

 private:
  char buffer_[512];
  std::string heap_;
};

std::string_view TrimOneSlash(std::string_view path);

// strings.Split(s, "/").
std::vector<std::string_view> SplitSlash(std::string_view s);

}  // namespace polcheck::evaluator
