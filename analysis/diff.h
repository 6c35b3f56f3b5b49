// polcheck::analysis diff — what access a change grants or removes, for whom,
// over the whole path space (analysis/regions.h), not over sampled paths.
//
//   DiagnosticSink sink;
//   Expected<analysis::Workspace> base = analysis::LoadWorkspace({.directory = "old"}, sink);
//   Expected<analysis::Workspace> head = analysis::LoadWorkspace({.directory = "new"}, sink);
//   Expected<analysis::DiffResult> d = analysis::DiffWorkspaces(*base, *head, {});
//   std::cout << analysis::FormatDiffMarkdown(*d);
//   if (analysis::GateTripped(*d, analysis::FailOn::kRisky)) return 1;
//
// Per principal (AllSubjects of each side, matched by label) the two sides'
// Acls are compared region by region: only patterns whose compiled rule differs
// between the sides can change an answer, so the automaton is confined to their
// subtrees, and every region there is evaluated on one example path on both
// sides. Per policy the same comparison runs on the policy alone, with every
// template placeholder rendered as a symbolic segment `<identity.entity.name>`.
//
// Capabilities on a region: those of the rule a non-LIST request selects
// (full-path lookup), plus `list` (OpenBao: `scan`) when a LIST request on the
// path is allowed — LIST paths always end in '/', so list only ever appears on
// regions of paths ending in '/'. Parameter and wrapping constraints of the
// selected rule are compared separately.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/regions.h"
#include "base/expected.h"

namespace polcheck::analysis {

struct RegionChange {
  std::string description;  // readable: "secret/data/aaa/* except secret/data/aaa/admin/*"
  std::string core;         // the same without the "(paths ending in '/')" note
  std::string example;      // a concrete path of the region
  bool ends_with_slash = false;
  bool canonical = true;
  // The exact signature: patterns matching every path of the region, and for
  // paths ending in '/' those matching the path without it. `within` names the
  // risk probes (sys/auth*, ...) the region lies in.
  std::vector<std::string> matches;
  std::vector<std::string> trimmed_matches;
  std::vector<std::string> within;
  parser::CapabilitySet before;
  parser::CapabilitySet after;
  std::vector<std::string> constraint_changes;  // "max_wrapping_ttl: unset -> 300s"
  std::vector<std::string> risks;               // why a gain is risky; empty = not risky
  std::optional<RuleLocation> before_rule;
  std::optional<RuleLocation> after_rule;

  parser::CapabilitySet gained() const { return parser::CapabilitySet(after.bits() & ~before.bits()); }
  parser::CapabilitySet lost() const { return parser::CapabilitySet(before.bits() & ~after.bits()); }
};

enum class ChangeStatus : std::uint8_t { kAdded, kRemoved, kChanged };
std::string_view ChangeStatusName(ChangeStatus status);

struct PrincipalChange {
  std::string label;  // e.g. "auth/kubernetes/role/aaa-role"
  SubjectKind kind = SubjectKind::kRole;
  ChangeStatus status = ChangeStatus::kChanged;
  std::vector<std::string> policies_before;
  std::vector<std::string> policies_after;
  std::vector<std::string> notes;  // binding changes: policies added/removed, login refused, entity disabled
  std::vector<RegionChange> changes;

  bool risky() const;
  bool gains() const;
};

struct PolicyChange {
  std::string name;
  ChangeStatus status = ChangeStatus::kChanged;
  std::string file;  // head file (base file when removed)
  bool templated = false;
  std::vector<RegionChange> changes;
};

struct DiffResult {
  std::string base_label;
  std::string head_label;
  std::vector<PrincipalChange> principals;  // changed principals only, by label
  std::vector<PolicyChange> policies;       // changed policies only, by name
  std::size_t principals_total = 0;         // distinct labels on either side
  std::size_t principal_groups_compared = 0;  // (base policy set, head policy set) pairs evaluated
  std::size_t regions_evaluated = 0;

  bool any_change() const { return !principals.empty() || !policies.empty(); }
  bool new_access() const;
  bool risky() const;
};

struct DiffOptions {
  std::string base_label = "base";
  std::string head_label = "head";
};

// Compares two loaded workspaces. Fails with kInvalidArgument when the
// evaluator refuses to build an Acl (a templated label rendering to "+*") or
// the path space is too large for the automaton.
[[nodiscard]] Expected<DiffResult> DiffWorkspaces(const Workspace& base, const Workspace& head,
                                                  const DiffOptions& options);

// Region-by-region comparison of two Acls built for one dialect: every region
// of the path space where their answers differ (capabilities or constraints).
// Rule locations are filled in when the workspaces the Acls' policies come from
// are given. Fails with kInvalidArgument when the path space is too large.
[[nodiscard]] Expected<std::vector<RegionChange>> CompareAcls(const evaluator::Acl& base, const evaluator::Acl& head,
                                                              const Workspace* base_ws = nullptr,
                                                              const Workspace* head_ws = nullptr);

// What an Acl grants on one path, as the diff counts it: the capabilities of
// the rule a non-LIST request selects, plus `list` / `scan` when such a
// request on `path` (ending in '/') is allowed; deny = none.
parser::CapabilitySet EffectiveCapabilities(const evaluator::Acl& acl, std::string_view path);

// Where compiled rule `id` of `acl` is written (the Acl's policies come from
// `ws`): its first deny block for a deny rule, else its first block Vault did
// not ignore. nullopt for kNoRule.
std::optional<RuleLocation> RuleLocationOf(const Workspace& ws, const evaluator::Acl& acl, evaluator::RuleId id);

enum class FailOn : std::uint8_t { kNever, kNewAccess, kAnyChange, kRisky };
// "new-access", "any-change", "risky"; nullopt when unknown.
std::optional<FailOn> ParseFailOn(std::string_view text);
bool GateTripped(const DiffResult& result, FailOn fail_on);

// A temporary directory removed (recursively) when the object dies.
class TempDir {
 public:
  [[nodiscard]] static Expected<TempDir> Create(std::string_view tag);
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Writes the tree of `directory` (a folder of the git repository the current
// directory is in) at revision `rev` into `into` with `git archive | tar -x`,
// and returns the folder holding it. Fails with kNotFound for an unknown
// revision or a folder absent at that revision, kIo when git cannot run.
[[nodiscard]] Expected<std::filesystem::path> ExportGitRevision(std::string_view rev,
                                                                const std::filesystem::path& directory,
                                                                const std::filesystem::path& into);

std::string FormatDiffText(const DiffResult& result);
std::string FormatDiffMarkdown(const DiffResult& result);
std::string FormatDiffJson(const DiffResult& result);
std::string FormatDiffHtml(const DiffResult& result);

}  // namespace polcheck::analysis
