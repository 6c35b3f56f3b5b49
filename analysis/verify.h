// polcheck::analysis verify — invariants over a workspace, each proven over
// every path a pattern covers or refuted with a concrete request
// (analysis/regions.h: the path space is cut into regions on which every
// principal's answer is constant, so checking one path per region is a proof).
//
//   # invariants.yaml
//   - name: only platform may touch sys/auth
//     deny: { principals: ["*", "!group:platform"], path: "sys/auth/*", caps: [create, update, delete, sudo] }
//   - name: app roles read their own tree
//     allow: { principals: ["kubernetes/role:aaa-role"], path: "secret/data/service/aaa/*", caps: [read] }
//
//   DiagnosticSink sink;
//   std::vector<analysis::Invariant> inv = analysis::LoadInvariants(source, ws.dialect, sink);
//   Expected<analysis::VerifyResult> r = analysis::Verify(ws, inv, sink);  // unknown principals -> sink
//   std::cout << analysis::FormatVerifyText(*r);
//
// Principal selectors (a list; the union of the positive ones minus every
// `!`-prefixed one; NAME may use '*' as a wildcard):
//   *                    every principal of the workspace
//   MOUNT/role:NAME      auth/MOUNT/role/NAME (kubernetes, aws, jwt, approle roles)
//   user:MOUNT/NAME      auth/MOUNT/users/NAME (userpass)
//   token-role:NAME      auth/token/roles/NAME
//   entity:NAME          the entity, and logins that resolve to it
//   group:NAME           the group, and entities / logins that are members (directly or inherited)
//   github-team:MOUNT/T, github-user:MOUNT/L
//   auth/..., identity/...   a principal label as `who-can` prints it
//
// deny: no selected principal holds any of `caps` anywhere under `path`.
// allow: every selected principal holds all of `caps` everywhere under `path`
// (`list` / `scan` only on the paths ending in '/', where LIST requests go).
// Capabilities are counted as `polcheck diff` counts them (diff.h).
// With `op: update` (and optional `params: {name: value}`) instead of `caps`,
// the request itself must be refused (deny) / allowed (allow) on every path,
// parameter and wrapping constraints included; list/scan requests only on
// paths ending in '/'.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "base/diagnostic.h"
#include "base/source.h"

namespace polcheck::analysis {

struct PrincipalSelector {
  std::string text;  // as written
  bool negated = false;
  Span span;
};

struct Invariant {
  std::string name;
  bool allow = false;  // false: deny
  std::vector<PrincipalSelector> principals;
  std::string path;         // as written
  parser::Pattern pattern;  // normalised (§1.4)
  parser::CapabilitySet caps;
  // Instead of caps: one request, checked whole (capability, parameter and
  // wrapping constraints, §6) with these parameters (strings, as the CLI sends).
  std::optional<evaluator::Operation> op;
  evaluator::Params params;
  Span span;
};

// Reads an invariants file (YAML or JSON: a list of {name, deny|allow}).
// Every problem goes to `sink` with file:line:col: YAML syntax, unknown keys,
// unknown selector syntax, unknown capability, a path Vault would reject.
std::vector<Invariant> LoadInvariants(const SourceFile& source, Dialect dialect, DiagnosticSink& sink);

struct Counterexample {
  std::string principal;
  std::string path;                       // a concrete request path
  std::string region;                     // the region it stands for
  std::vector<std::string> capabilities;  // what the principal holds there
  std::vector<std::string> offending;     // deny: held caps that are forbidden; allow: required caps missing
  std::string refusal;                    // `op` invariants: the evaluator's reason code ("allowed" for deny)
  std::optional<RuleLocation> rule;       // the deciding rule, when one matched
  std::string note;                       // e.g. "login refused: ..."
  // The logins of a role it holds for: open placeholders bound to these values
  // (a templated rule renders under the path for them). Empty: every login.
  std::vector<Condition> conditions;
};

struct InvariantResult {
  std::string name;
  bool allow = false;
  std::string path;
  std::vector<std::string> caps;  // or {operation} for an `op` invariant
  bool proven = true;
  std::size_t principals = 0;  // selected
  std::size_t regions = 0;     // regions checked (summed over distinct policy sets)
  std::vector<Counterexample> counterexamples;  // one per refuting principal
};

struct VerifyResult {
  std::vector<InvariantResult> results;
  bool all_proven() const;
};

// Checks every invariant. A selector naming no principal is an error in
// `sink` (exit 2: a typo must not prove an invariant). Fails with
// kInvalidArgument when an Acl cannot be built or the path space is too large.
[[nodiscard]] Expected<VerifyResult> Verify(const Workspace& ws, const std::vector<Invariant>& invariants,
                                            DiagnosticSink& sink);

std::string FormatVerifyText(const VerifyResult& result);
std::string FormatVerifyJson(const VerifyResult& result);
std::string FormatVerifyJunit(const VerifyResult& result);

}  // namespace polcheck::analysis
