// polcheck::evaluator — compiles parsed policies into an immutable Acl that
// answers requests exactly as Vault / OpenBao do (../shared/SEMANTICS.md §2-§8),
// for the three dialects of base/dialect.h.
//
//   std::vector<const parser::Policy*> policies = {&file.policy};
//   Expected<evaluator::Acl> acl = evaluator::Acl::Build(policies, {.dialect = Dialect::kVault});
//   if (!acl) { /* e.g. "root policy is only allowed in root namespace" */ }
//
//   evaluator::Params data = {{"password", parser::Value::String("x")}};
//   evaluator::Request req{.path = "secret/data/app", .operation = evaluator::Operation::kUpdate,
//                          .params = &data};
//   evaluator::Result r = acl->Check(req);       // allocates nothing
//   if (!r.allowed) std::puts(evaluator::ReasonText(r.reason).data());
//
//   evaluator::CapabilityList caps = acl->Capabilities("secret/data/app");  // {"read", "update"}
//   evaluator::Explanation why = acl->Explain(req);                       // for humans; allocates
//   std::string text = evaluator::RenderExplanation(*acl, why, &sources);
//
// An Acl is immutable once built and safe to share between threads. Views and
// spans in a Result point into the Acl (and, for Result::parameter, into the
// request's Params) and live as long as those.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/dialect.h"
#include "base/expected.h"
#include "base/source.h"
#include "evaluator/identity.h"
#include "parser/policy.h"
#include "parser/value.h"

namespace polcheck::evaluator {

// Logical request operations (SEMANTICS.md §2.2-§2.3).
enum class Operation : std::uint8_t {
  kCreate,
  kRead,
  kUpdate,
  kPatch,
  kDelete,
  kList,
  kHelp,
  kScan,       // OpenBao
  kRecover,    // Vault >= 1.20
  kRevoke,
  kRenew,
  kRollback,
  kSubscribe,  // no AllowOperation case in Vault: always refused by Check (§2.3)
  kHeader,     // OpenBao HEAD: no capability maps to it
};
inline constexpr int kOperationCount = 14;

// "create", "read", ...
std::string_view OperationName(Operation operation);
// Parses an operation name (lower-case, as above); nullopt when unknown.
std::optional<Operation> ParseOperation(std::string_view name);

// Request data: parameter name (case as sent) -> value. Request numbers from a
// JSON body are parser::Value::Number and never equal a policy value (§6.2).
using Params = parser::Value::Object;

struct Request {
  std::string_view path;  // logical path; for list/scan with the trailing '/' the HTTP layer adds
  Operation operation = Operation::kRead;
  const Params* params = nullptr;  // nullptr or empty: the request carries no data
  // X-Vault-Wrap-TTL; nullopt = the response is not wrapped.
  std::optional<std::chrono::nanoseconds> wrap_ttl{};
  std::string_view namespace_path{};  // request namespace: "" (root) or "ns1/"
};

// Why a request was allowed or refused.
enum class Reason : std::uint8_t {
  kAllowed,
  kRoot,                      // root policy: everything allowed
  kHelp,                      // help is always allowed
  kRootOutsideNamespace,      // OpenBao root ACL asked about another namespace
  kUnsupportedOperation,      // no capability maps to the operation (§2.3)
  kNoMatchingRule,            // deny by default
  kExplicitDeny,              // the selected rule is deny
  kCapabilityNotGranted,      // the selected rule lacks the operation's capability
  kWrappingRequired,          // min/max_wrapping_ttl set, response not wrapped
  kWrapTtlAboveMax,
  kWrapTtlBelowMin,
  kWrapBoundsConflict,        // merged max_wrapping_ttl < min_wrapping_ttl
  kRequiredParameterMissing,  // Result::parameter = the required name (lower-cased)
  kAllParametersDenied,       // denied_parameters has "*" and the request has data
  kParameterDenied,           // Result::parameter = the request parameter
  kParameterNotAllowed,       // name not in allowed_parameters
  kParameterValueNotAllowed,  // value not in the allowed list
  kPaginationLimitRequired,   // OpenBao: limit is required but absent
  kPaginationLimitInvalid,    // OpenBao: limit above pagination_limit, negative or not an integer
};

// One-line description, e.g. "a parameter is not in allowed_parameters".
std::string_view ReasonText(Reason reason);
// Stable kebab-case code for machine output, e.g. "parameter-not-allowed".
std::string_view ReasonCode(Reason reason);

using RuleId = std::uint32_t;
inline constexpr RuleId kNoRule = 0xFFFFFFFFu;

struct Result {
  bool allowed = false;
  bool root_privs = false;  // sudo on the selected rule (or root), even when refused (§5)
  bool is_root = false;
  parser::CapabilitySet capabilities;  // bitmap of the selected rule (empty when none)
  RuleId rule = kNoRule;               // the selected compiled rule
  Reason reason = Reason::kNoMatchingRule;
  std::string_view parameter{};        // the parameter a parameter check refused
  // Indices (Acl::policy_name) of the policies that granted the operation's
  // capability at the selected key; set once the capability check passed, like
  // Vault's ACLResults.GrantingPolicies. One entry per contributing path block.
  std::span<const std::uint32_t> granting_policies{};
};

// One path block that contributed to a compiled rule.
struct RuleSource {
  std::uint32_t policy = 0;       // index into the Acl's policies
  std::uint32_t block = 0;        // index into that policy's rules
  std::string label;              // as written (before templating)
  parser::CapabilitySet capabilities;
  // Merged into a key that was already deny: Vault ignores it entirely (§4).
  bool ignored = false;
  Span block_span;
  Span label_span;
};

// Vault's ACLPermissions: every path block that landed on one key of one store,
// merged as §4 prescribes.
struct CompiledRule {
  std::string key;  // normalised; prefix rules without their '*'
  parser::PatternKind kind = parser::PatternKind::kExact;
  parser::CapabilitySet capabilities;
  std::int64_t min_wrapping_ttl = 0;  // seconds; 0 = unset
  std::int64_t max_wrapping_ttl = 0;
  std::optional<parser::ParameterMap> allowed_parameters;
  std::optional<parser::ParameterMap> denied_parameters;
  std::vector<std::string> required_parameters;
  std::vector<std::string> mfa_methods;
  std::vector<std::string> subscribe_event_types;
  bool has_control_group = false;
  std::optional<std::int64_t> pagination_limit;  // OpenBao
  std::string list_scan_response_keys_filter_path;
  // Granting policies per capability (indexed by parser::Capability).
  std::array<std::vector<std::uint32_t>, parser::kCapabilityCount> granting;
  std::vector<RuleSource> sources;  // in merge order

  // The pattern as a policy writes it: key, plus '*' for a prefix rule.
  std::string pattern() const;
};

// A templated path block left out of the Acl because a placeholder failed (§7).
struct DroppedBlock {
  std::uint32_t policy = 0;
  std::uint32_t block = 0;
  std::string label;
  std::string error;  // Vault's reason, e.g. "no value could be found for one of the template directives"
  Span label_span;
};

struct AclOptions {
  Dialect dialect = Dialect::kVault;
  // Identity for templated policies; nullptr = a token without an entity, so
  // every identity.* placeholder fails and its block is dropped. Only read
  // during Build.
  const Identity* identity = nullptr;
  // Namespace the ACL is built in: "" (root) or "ns1/". Vault refuses the root
  // policy outside the root namespace; OpenBao scopes it to this namespace (§5).
  std::string namespace_path{};
  // Wall clock for time.now placeholders and OpenBao path expiration, in Unix
  // seconds; 0 = the current time.
  std::int64_t now_unix = 0;
  // Vault server option deny_slash_in_templated_paths.
  bool deny_slash_in_templated_paths = false;
  // OpenBao per-policy opt-outs, applied to every policy.
  bool openbao_allow_wildcards_in_templates = false;
  bool openbao_allow_slashes_in_templates = false;
  // Add the built-in root policy (a root token): every other policy is then
  // discarded, as Vault's token policy assembly does (§4, §9.0).
  bool root = false;
};

// The answer of sys/capabilities: sorted names, ["root"] or ["deny"].
class CapabilityList {
 public:
  std::span<const std::string_view> names() const { return {names_.data(), size_}; }
  auto begin() const { return names().begin(); }
  auto end() const { return names().end(); }
  std::size_t size() const { return size_; }
  bool operator==(const CapabilityList& other) const;
  // "create, read" (comma-separated, as `vault token capabilities` prints).
  std::string Join(std::string_view separator = ", ") const;

  void Add(std::string_view name) { names_[size_++] = name; }

 private:
  std::array<std::string_view, parser::kCapabilityCount + 1> names_{};
  std::size_t size_ = 0;
};

// How a non-exact candidate fared against the selected rule.
enum class Verdict : std::uint8_t {
  kSelected,
  kLostFirstWildcard,    // §3.5 step 1: its first '+' / glob comes earlier
  kLostPrefix,           // step 2: it is a prefix rule, the winner is not
  kLostWildcardCount,    // step 3: more '+' segments
  kLostLength,           // step 4: shorter key
  kLostLexical,          // step 5: lexicographically smaller key
  kShadowedByExact,      // an exact rule decided before any glob was consulted
  kShorterPrefix,        // only the longest matching prefix rule takes part (§3.3)
  kNotSearched,          // matched a path form this dialect did not need to search
  kListDenyPreferred,    // Vault pooled LIST: a deny at least as specific wins
  kListGranterPreferred, // Vault pooled LIST: the best list-granter beats it
};
std::string_view VerdictText(Verdict verdict);

struct Candidate {
  RuleId rule = kNoRule;
  std::string matched_path;  // the path form it matched (full or trimmed)
  Verdict verdict = Verdict::kSelected;
};

struct Explanation {
  Result result;
  std::string path;    // as evaluated: namespace + path, leading '/' stripped
  std::string lookup;  // which lookup step selected the rule
  std::vector<Candidate> candidates;  // every rule that matched, selected one first
  std::vector<RuleId> ignored_denies; // deny rules that matched but did not decide
  std::vector<DroppedBlock> dropped;  // templated blocks left out
  std::string refusal;                // what refused the request; "" when allowed
  std::string notes;                  // anything else worth knowing
};

class Acl {
 public:
  // Compiles `policies` (in order; rules in source order, §4). Fails with
  // kInvalidArgument exactly where Vault's NewACL / templated policy parsing
  // fails: "root policy is only allowed in root namespace" (Vault), or a
  // rendered template label containing "+*".
  [[nodiscard]] static Expected<Acl> Build(std::span<const parser::Policy* const> policies,
                                           const AclOptions& options);

  Acl(Acl&&) noexcept;
  Acl& operator=(Acl&&) noexcept;
  ~Acl();

  // Vault's AllowOperation. Never allocates.
  Result Check(const Request& request) const;

  // sys/capabilities for `path` (§2.4): LIST lookup order, parameters ignored.
  // Never allocates.
  CapabilityList Capabilities(std::string_view path, std::string_view namespace_path = {}) const;
  // The capability bitmap Capabilities() is derived from, with root privileges.
  Result CapabilityCheck(std::string_view path, std::string_view namespace_path = {}) const;

  // Every rule that matched, which one decided and why, what refused.
  Explanation Explain(const Request& request) const;

  // §3.7: can the token "see" mount `mount_path` (e.g. "secret/")?
  bool CanSeeMount(std::string_view mount_path) const;

  Dialect dialect() const;
  bool is_root() const;
  std::size_t rule_count() const;
  const CompiledRule& rule(RuleId id) const;
  // The compiled rule stored under `key` in the store for `kind`, if any.
  std::optional<RuleId> FindRule(std::string_view key, parser::PatternKind kind) const;
  std::size_t policy_count() const;
  std::string_view policy_name(std::uint32_t policy) const;
  FileId policy_file(std::uint32_t policy) const;
  std::span<const DroppedBlock> dropped_blocks() const;
  // The path block that best accounts for `result`: the first deny source of a
  // deny rule, else the first source granting the operation's capability, else
  // the first source. nullptr when no rule was selected.
  const RuleSource* DecidingSource(const Result& result, Operation operation) const;
  // Bytes held by the compiled indexes and rules (approximate).
  std::size_t MemoryUsage() const;

  // Internal representation (evaluator/acl_impl.h).
  struct Impl;

 private:
  explicit Acl(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The capability an operation needs (§2.3), or nullopt when none maps to it in
// `dialect` (help needs none and is always allowed).
std::optional<parser::Capability> RequiredCapability(Operation operation, Dialect dialect);

// Multi-line text: decision, deciding rule with file:line (when `sources` is
// given), every other candidate and the comparator step that beat it, ignored
// denies, dropped template blocks and the refusing check.
std::string RenderExplanation(const Acl& acl, const Explanation& explanation,
                              const SourceSet* sources);

}  // namespace polcheck::evaluator
