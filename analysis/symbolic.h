// Internal to polcheck::analysis: templated policies for logins polcheck knows
// only in part (Subject::open_placeholders, SEMANTICS.md §7 and §9).
//
//   RenderedPolicies set = RenderPolicies(ws, role, {});  // open placeholders as "<selector>"
//   Expected<evaluator::Acl> acl = evaluator::Acl::Build(set.list, options);
//   for (const std::vector<Condition>& c : CandidateConditions(ws, role, {"secret/data/team-a/x"})) {
//     RenderedPolicies bound = RenderPolicies(ws, role, c);  // the logins with those values
//   }
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"
#include "parser/policy.h"

namespace polcheck::analysis {

// `s`'s policies as Acl::Build takes them. Templated rules of a subject with
// open placeholders are copied with each open placeholder replaced by its
// value in `conditions`, or else by the symbolic segment "<selector>" (no
// request path names it, so such a rule answers only for paths written with
// the segment: diff and verify regions). Placeholders the bindings pin, or
// that no login can fill, are left for the evaluator to render from
// Subject::identity. `list` points into `owned` and the workspace.
struct RenderedPolicies {
  std::vector<std::unique_ptr<parser::Policy>> owned;
  std::vector<const parser::Policy*> list;
  bool changed = false;  // some rule was rendered here (the Acl is the subject's own)
};
// Rendered policies by policy and placeholder values, shared across calls.
using RenderCache = std::map<std::string, std::unique_ptr<parser::Policy>>;
// With `cache`, rendered policies live there (and `owned` stays empty).
RenderedPolicies RenderPolicies(const Workspace& ws, const Subject& s,
                                const std::vector<Condition>& conditions, RenderCache* cache = nullptr);

// A key such that two subjects with equal keys get equal Acls (built from
// RenderPolicies(ws, s, conditions) and s.identity), dropped blocks and their
// reasons included: the policy names and, for templated rules, every
// placeholder's rendered value (or how it fails). nullopt when a placeholder
// is not an identity selector (time.*), which only the evaluator renders.
std::optional<std::string> AclKey(const Workspace& ws, const Subject& s,
                                  const std::vector<Condition>& conditions);

// The open placeholder of `s` covering `selector`, or nullptr.
const OpenPlaceholder* FindOpen(const Subject& s, std::string_view selector);

// One line per open placeholder that `s`'s templated rules use, for --explain:
// "templated rules: {{identity.entity.name}} differs per login (generated ...)".
std::vector<std::string> OpenPlaceholderNotes(const Workspace& ws, const Subject& s);

// "<identity.entity.name>": the segment an unbound open placeholder renders to.
std::string SymbolicSegment(std::string_view selector);

}  // namespace polcheck::analysis
