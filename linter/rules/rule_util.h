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

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "evaluator/acl.h"
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

// A rule that flags create/update/patch on any endpoint of a target table
// (the write-escalation rules). `consequence` completes the message
// "\"<label>\" grants <caps> on <what> (e.g. \"<path>\"): <consequence>".
class WriteTargetRule : public Rule {
 public:
  WriteTargetRule(const RuleInfo& info, std::span<const Target> targets, std::string_view consequence)
      : info_(info), targets_(targets), consequence_(consequence) {}
  const RuleInfo& info() const override { return info_; }
  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override;

 private:
  const RuleInfo& info_;
  std::span<const Target> targets_;
  std::string_view consequence_;
};

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

// ---- Precedence reasoning on patterns (SEMANTICS.md §3.5) and the policy set's Acl.

// The comparator attributes of a non-exact pattern: first '+' (segment) or
// len(prefix), trailing glob, number of '+' segments, key length without '*'.
struct PatternRank {
  std::size_t first_wc = 0;
  bool is_prefix = false;
  std::size_t wildcards = 0;
  std::size_t length = 0;
  std::string_view path;  // key without its trailing '*'; views p.key
};
PatternRank RankOf(const parser::Pattern& p);

// True when Vault's comparator puts non-exact `a` strictly above non-exact `b`.
bool Outranks(const parser::Pattern& a, const parser::Pattern& b);

// Why `winner` outranks `loser`, for messages, e.g. "its glob starts later
// (priority rule 1)". Only meaningful when Outranks(winner, loser).
std::string_view OutrankReason(const parser::Pattern& winner, const parser::Pattern& loser);

// True when every path `inner` matches is also matched by `outer`.
bool Covers(const parser::Pattern& outer, const parser::Pattern& inner);

// Like CommonPath, but the witness has no empty segment (no leading '/', no
// "//"): a path Vault accepts as canonical. nullopt when there is none.
std::optional<std::string> CommonCanonicalPath(const parser::Pattern& a, const parser::Pattern& b);

// The pattern a compiled rule was stored under.
inline parser::Pattern PatternOf(const evaluator::CompiledRule& rule) { return {rule.key, rule.kind}; }

// One Acl over every policy of the lint run (ctx.files, in order), for the
// cross-policy rules: the whole linted set is treated as policies a token may
// hold together. Policy index i of the Acl is ctx.files[i]. Built once per
// distinct input and shared; nullptr when Vault would refuse to build it.
struct SetAcl {
  evaluator::Acl acl;
};
std::shared_ptr<const SetAcl> WholeSetAcl(const LintContext& ctx);

// The non-exact compiled rules of an Acl by literal prefix, so that a rule is
// compared only with rules whose paths can overlap its own.
class RuleIndex {
 public:
  explicit RuleIndex(const evaluator::Acl& acl);
  // Rules whose literal prefix is a prefix of `prefix` (they may cover a rule with that prefix).
  std::vector<evaluator::RuleId> Enclosing(std::string_view prefix) const;
  // Rules whose literal prefix starts with `prefix` (strictly longer or equal).
  std::vector<evaluator::RuleId> Within(std::string_view prefix) const;

 private:
  std::map<std::string, std::vector<evaluator::RuleId>, std::less<>> by_prefix_;
};

// Every compiled rule other than `rule` that outranks it on every path it
// matches (Covers and Outranks) and satisfies `accept`. Then `rule` decides no
// request other than LIST (SEMANTICS.md §3.3, §3.5).
std::vector<evaluator::RuleId> Dominators(const evaluator::Acl& acl, const RuleIndex& index, evaluator::RuleId rule,
                                          const std::function<bool(const evaluator::CompiledRule&)>& accept);

// The block of `rule` that accounts for its decision (a deny block when the
// rule is deny, even one merged into an existing deny; else one Vault did not ignore), preferring one near `near`: in
// the same policy, else in the same directory. nullptr when there is none.
const evaluator::RuleSource* NearestSource(const LintContext& ctx, const evaluator::CompiledRule& rule,
                                           const evaluator::RuleSource& near);
// 0 = same policy, 1 = same directory, 2 = elsewhere.
int Distance(const LintContext& ctx, const evaluator::RuleSource& a, const evaluator::RuleSource& b);

// The first source block of a compiled rule that Vault did not ignore, with
// the policy file it comes from; nullptr when there is none.
const evaluator::RuleSource* FirstSource(const evaluator::CompiledRule& rule);

}  // namespace polcheck::linter
