// Small helpers shared by lint rules (internal to the linter).
//
// Path-set reasoning follows SEMANTICS.md §3: an exact key matches one path, a
// prefix key every path that starts with it, a '+' segment exactly one (possibly
// empty) segment, and a trailing '*' on a segment-wildcard key the rest of that
// segment and any further segments. A `{{...}}` placeholder in a templated label
// is treated as part of one segment (what Vault's template output filters allow).
//
//   const parser::Pattern target = MakePattern("sys/policy/+");
//   if (std::optional<std::string> path = CommonPath(rule.pattern, target)) {
//     report.At(rule.label_span, "... e.g. \"{}\"", *path);
//   }
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "linter/linter.h"
#include "parser/policy.h"

namespace polcheck::linter {

// The path block's attribute item named `key` (first one), or nullptr.
const parser::ast::Item* FindAttribute(const parser::PolicyFile& file, const parser::PathRule& rule,
                                       std::string_view key);

// The top-level syntax item of a rule's path block, or nullptr.
const parser::ast::Item* BlockItem(const parser::PolicyFile& file, const parser::PathRule& rule);

// True when the rule grants any of the capabilities (never for deny rules).
bool GrantsAny(const parser::PathRule& rule, std::initializer_list<parser::Capability> caps);

// The granted capabilities among `caps`, as "create, update" (empty when none).
std::string GrantedNames(const parser::PathRule& rule, std::initializer_list<parser::Capability> caps);

// True when the pattern can match more than one path (prefix or '+' segment).
inline bool IsGlob(const parser::PathRule& rule) { return rule.pattern.kind != parser::PatternKind::kExact; }

// The text a glob pattern covers, as written after normalisation ("sys/*", "auth/+/role/*").
std::string PatternText(const parser::PathRule& rule);

// A pattern written as in a policy label ("auth/+/role/*"); never "+*".
// `{{...}}` placeholders stand for one non-empty run of non-'/' characters.
parser::Pattern MakePattern(std::string_view label);

// Whether Vault matches the concrete request path `path` with pattern `p`
// (§3.3/§3.4; exact = byte-equal, prefix = string prefix, '+' = one segment).
bool Matches(const parser::Pattern& p, std::string_view path);

// A concrete path both patterns match, or nullopt when no path is matched by
// both. The witness is a shortest one; free characters are filled with 'x'.
std::optional<std::string> CommonPath(const parser::Pattern& a, const parser::Pattern& b);

// Some concrete path the pattern matches (placeholders filled in).
std::string SamplePath(const parser::Pattern& p);

// The literal text every matched path starts with: the key up to the first
// '+' segment or `{{` placeholder ("auth/+/role" -> "auth/").
std::string_view LiteralPrefix(const parser::Pattern& p);

// A family of sensitive endpoints, written as a pattern in which `{{name}}`
// stands for one non-empty segment part ("sys/policy/{{name}}").
struct Target {
  std::string_view label;
  std::string_view what;  // for messages: "ACL policies"
};
struct TargetHit {
  const Target* target = nullptr;
  std::string path;  // a concrete path both the rule and the target match
};
// The first target (in table order) that shares a path with the rule's pattern.
// For a pattern whose first segment is a wildcard, the target's placeholders are
// filled with realistic names instead ({{mount}} = "kubernetes"), so that
// "+/roles/+" does not hit "auth/{{mount}}/config" through a mount named "roles".
std::optional<TargetHit> FirstTarget(const parser::PathRule& rule, std::span<const Target> targets);

// Whether some path matched by `rule` starts with `prefix`.
bool MayMatchUnder(const parser::PathRule& rule, std::string_view prefix);

// The byte offset in `text` of character `index` of the rule's label, when the
// label token is a plain quoted string whose text equals the label (no escapes).
std::optional<std::uint32_t> LabelCharOffset(std::string_view text, const parser::PathRule& rule, std::size_t index);

// One `{{ ... }}` placeholder of a label.
struct Placeholder {
  std::string selector;  // trimmed text between the braces
  std::size_t begin = 0;  // offset of "{{" in the label
  std::size_t end = 0;    // offset just past "}}"
};
// Every balanced placeholder in `label`, in order.
std::vector<Placeholder> Placeholders(std::string_view label);

// The configured mount whose whole path the rule's literal prefix starts with
// (so every path the rule matches lies in it), or nullptr.
const config::Mount* MountOf(const LintContext& ctx, const parser::PathRule& rule);
// Same, only for KV version 2 mounts.
const config::Mount* Kv2MountOf(const LintContext& ctx, const parser::PathRule& rule);

// What a `{{...}}` selector draws from (SEMANTICS.md §7, ACL mode).
enum class SelectorSource {
  kInvalid,         // not a selector Vault knows: the block is always dropped
  kUnusable,        // known, but not available in ACL policies (JSON templating only)
  kEntityId,
  kEntityName,
  kEntityMetadata,
  kAliasId,
  kAliasName,
  kAliasMetadata,
  kAliasCustomMetadata,
  kGroupId,         // identity.groups.<ids|names>.<x>.id
  kGroupName,       // identity.groups.<ids|names>.<x>.name
  kGroupMetadata,
  kTime,
};
struct Selector {
  SelectorSource source = SelectorSource::kInvalid;
  std::string accessor;       // mount accessor (aliases) or group id/name (groups)
  bool group_by_name = false; // identity.groups.names.<name>...
  std::string problem;        // for kInvalid / kUnusable: what is wrong
};
// Classifies a trimmed selector as identitytpl.PopulateString does.
Selector ParseSelector(std::string_view text);

// The option `name` configured for rule `id`, or `fallback`.
std::string RuleOption(const LintContext& ctx, std::string_view id, std::string_view name, std::string_view fallback);
// Splits a comma-separated option value, trimming blanks and dropping empties.
std::vector<std::string> SplitList(std::string_view text);

}  // namespace polcheck::linter
