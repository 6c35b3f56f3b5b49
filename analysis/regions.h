// polcheck::analysis regions — exact symbolic analysis of the request-path space.
//
// For a fixed dialect the rule an Acl selects for a path p depends only on WHICH
// patterns match p, and, for a LIST request (p ends in '/'), which match p minus
// that '/' (../shared/SEMANTICS.md §3.3-§3.6). So a finite set of patterns cuts
// the space of all request paths into finitely many regions, each the set of
// paths with one signature (patterns matching p, whether p ends in '/', patterns
// matching the trimmed p). Every Acl compiled from those patterns answers alike
// on every path of one region, so evaluating one example path per region is
// exact: nothing is sampled.
//
//   std::vector<parser::Pattern> patterns = {{"secret/data/", kPrefix}, {"secret/data/+/config", kSegment}};
//   Expected<std::vector<analysis::Region>> regions = analysis::ComputeRegions(patterns, {});
//   for (const analysis::Region& r : *regions) {
//     std::cout << analysis::DescribeRegion(r, patterns) << "  e.g. " << r.example << "\n";
//   }
//
// The regions are computed with a character-level automaton: one small NFA per
// pattern (literal bytes, '+' = any run of non-'/' bytes, a trailing glob =
// anything), run in lock-step (subset construction, built lazily) over an
// alphabet of the bytes the patterns use, '/' and one byte no pattern uses.
// Paths never start with '/' (Vault strips it, §3.2); examples avoid empty
// segments ("a//b") whenever the region holds a path without one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"
#include "parser/policy.h"

namespace polcheck::analysis {

struct Region {
  std::string example;  // shortest path of the region (canonical when the region has one)
  std::vector<std::uint32_t> matches;  // indices of the patterns matching every path of the region
  bool ends_with_slash = false;
  // When ends_with_slash: the patterns matching the path minus its trailing '/'.
  std::vector<std::uint32_t> trimmed_matches;
  bool canonical = true;  // the example has no empty segment ("a//b", "a/" is fine)
};

struct RegionOptions {
  // Only regions where one of these patterns matches the path or its trimmed
  // form; the search never leaves their subtrees. Empty: every pattern.
  std::vector<std::uint32_t> focus;
  // Automaton states before giving up with kInvalidArgument (never truncates).
  std::size_t max_states = 4'000'000;
};

// Every region of the path space cut by `patterns` in which at least one focus
// pattern matches, ordered by example path. Regions no pattern matches (every
// Acl denies there) are never returned. Fails with kInvalidArgument when the
// automaton exceeds options.max_states.
[[nodiscard]] Expected<std::vector<Region>> ComputeRegions(std::span<const parser::Pattern> patterns,
                                                           const RegionOptions& options);

// Does `pattern` match request path `path`? A direct implementation of §3.3 /
// §3.4 (exact: equal; prefix: starts with; segment: per-segment), used to
// check the automaton and to describe regions.
bool PatternMatches(const parser::Pattern& pattern, std::string_view path);

// The pattern as a policy writes it: key, plus '*' for a prefix rule.
std::string PatternText(const parser::Pattern& pattern);

// Specificity order of §3.5 with exact patterns first: true when `a` would be
// selected over `b` if both matched.
bool MoreSpecific(const parser::Pattern& a, const parser::Pattern& b);

// A readable name for a region: its most specific matching pattern, the
// matching patterns that do not contain it ("and ..."), the more specific
// patterns under it that it does not match ("except ..."), and "(paths ending
// in '/')" for the LIST form when `slash_note`. Patterns whose index has
// hidden[i] set (probe patterns) are named as "within ..." instead. Not
// exact by itself: Region::matches is the exact signature.
std::string DescribeRegion(const Region& region, std::span<const parser::Pattern> patterns,
                           const std::vector<bool>& hidden = {}, bool slash_note = true);

}  // namespace polcheck::analysis
