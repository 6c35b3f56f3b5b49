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
};

// True when `a` has lower priority than `b` (Vault's less function).
bool LowerPriority(const Rank& a, const Rank& b);

// Which comparator step ranks `loser` below `winner` (kSelected when equal).
Verdict ComparatorStep(const Rank& winner, const Rank& loser);

// Hot per-rule data read by Check.
struct HotRule {
  std::uint16_t capabilities = 0;
  bool wrap_checks = false;
  bool param_checks = false;
  std::int64_t min_ttl_ns = 0;
  std::int64_t max_ttl_ns = 0;
  std::uint32_t constraints = 0;  // index into Impl::constraints
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
  std::vector<ParamConstraints> constraints;
  std::vector<DroppedBlock> dropped;
  std::vector<std::string> notes;  // build-time remarks (root discarding others, expired paths)
  ExactIndex exact;
  PrefixIndex prefix;
  SegmentIndex segment;

  // §3.3 step 1-3 for an already joined and stripped path.
  RuleId Select(std::string_view path, Operation operation) const;
  // The §3.3 "non-exact search" for one path form.
  RuleId BestNonExact(std::string_view path) const;
  // Vault (current): pooled LIST candidates with deny preference.
  RuleId PooledList(std::string_view trimmed, std::string_view full) const;
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

}  // namespace polcheck::evaluator
