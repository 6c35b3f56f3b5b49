// Acl::Explain and RenderExplanation: the human side of the evaluator. Not a
// hot path; clarity over speed.
#include <algorithm>
#include <map>

#include "evaluator/acl.h"
#include "evaluator/acl_impl.h"

namespace polcheck::evaluator {
namespace {

using parser::Capability;
using parser::PatternKind;

struct Match {
  RuleId rule = kNoRule;
  std::string form;
  bool shorter_prefix = false;
};

// Every prefix and segment rule matching one path form.
void CollectNonExact(const Acl::Impl& a, std::string_view form, std::vector<Match>& out) {
  const PathKey key(form);
  const std::vector<PathTrie::PrefixMatch> prefixes = a.trie.AllPrefixes(key);
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    out.push_back({prefixes[i].rule, std::string(form), i + 1 != prefixes.size()});
  }
  a.trie.Match(key, [&](const TrieHit& hit) { out.push_back({hit.rule, std::string(form), false}); });
}

std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

std::string Seconds(std::int64_t nanos) {
  if (nanos % 1000000000 == 0) {
    return std::to_string(nanos / 1000000000) + "s";
  }
  return std::to_string(nanos) + "ns";
}

std::string CapabilityNames(parser::CapabilitySet caps) {
  std::string out;
  for (int c = 0; c < parser::kCapabilityCount; ++c) {
    if (caps.Has(static_cast<Capability>(c))) {
      out += out.empty() ? "" : ", ";
      out += parser::CapabilityName(static_cast<Capability>(c));
    }
  }
  return out.empty() ? "(none)" : out;
}

std::string WrapRefusal(const CompiledRule& rule, const Request& request, Reason reason) {
  const std::string ttl = request.wrap_ttl ? Seconds(request.wrap_ttl->count()) : "not wrapped";
  switch (reason) {
    case Reason::kWrappingRequired:
      return "the response must be wrapped: min_wrapping_ttl=" + std::to_string(rule.min_wrapping_ttl) +
             "s, max_wrapping_ttl=" + std::to_string(rule.max_wrapping_ttl) + "s (0 = unset), request " + ttl;
    case Reason::kWrapTtlAboveMax:
      return "wrap TTL " + ttl + " exceeds max_wrapping_ttl " + std::to_string(rule.max_wrapping_ttl) + "s";
    case Reason::kWrapTtlBelowMin:
      return "wrap TTL " + ttl + " is below min_wrapping_ttl " + std::to_string(rule.min_wrapping_ttl) + "s";
    default:
      return "merged max_wrapping_ttl " + std::to_string(rule.max_wrapping_ttl) + "s is less than min_wrapping_ttl " +
             std::to_string(rule.min_wrapping_ttl) + "s";
  }
}

std::string Refusal(const Acl& acl, const Explanation& e, const Request& request) {
  const Result& r = e.result;
  const std::string op(OperationName(request.operation));
  switch (r.reason) {
    case Reason::kAllowed:
    case Reason::kRoot:
    case Reason::kHelp:
      return {};
    case Reason::kRootOutsideNamespace:
      return "the root policy was built for another namespace and does not cover " +
             Quote(request.namespace_path);
    case Reason::kUnsupportedOperation:
      return "operation " + Quote(op) + " has no capability in " + std::string(DialectName(acl.dialect())) +
             "'s AllowOperation (SEMANTICS.md §2.3)" +
             (request.operation == Operation::kSubscribe ? "; event subscriptions consult sys/capabilities" : "");
    case Reason::kNoMatchingRule:
      return "no rule matches " + Quote(e.path) + " (deny by default)";
    case Reason::kExplicitDeny:
      return "rule " + Quote(acl.rule(r.rule).pattern()) + " is deny";
    case Reason::kCapabilityNotGranted: {
      const std::optional<Capability> needed = RequiredCapability(request.operation, acl.dialect());
      return "rule " + Quote(acl.rule(r.rule).pattern()) + " grants [" + CapabilityNames(r.capabilities) +
             "] but not " + Quote(needed ? parser::CapabilityName(*needed) : "?");
    }
    case Reason::kWrappingRequired:
    case Reason::kWrapTtlAboveMax:
    case Reason::kWrapTtlBelowMin:
    case Reason::kWrapBoundsConflict:
      return WrapRefusal(acl.rule(r.rule), request, r.reason);
    case Reason::kRequiredParameterMissing:
      return "required parameter " + Quote(r.parameter) + " is missing (request keys are not lower-cased)";
    case Reason::kAllParametersDenied:
      return "denied_parameters contains \"*\": a request with any parameter is refused";
    case Reason::kParameterDenied:
      return "parameter " + Quote(r.parameter) + " matches denied_parameters";
    case Reason::kParameterNotAllowed:
      return "parameter " + Quote(r.parameter) + " is not in allowed_parameters";
    case Reason::kParameterValueNotAllowed:
      return "the value of parameter " + Quote(r.parameter) + " is not in its allowed_parameters list";
    case Reason::kPaginationLimitRequired:
      return "limit is a required parameter and the request has none (pagination_limit)";
    case Reason::kPaginationLimitInvalid:
      return "limit is above pagination_limit, negative, or not an integer";
  }
  return std::string(ReasonText(r.reason));
}

bool IsCanonical(std::string_view path) {
  return path.find("//") == std::string_view::npos && path.find("/./") == std::string_view::npos &&
         path.find("/../") == std::string_view::npos && !path.ends_with("/..") && !path.ends_with("/.");
}

}  // namespace

namespace {

// Which path forms the dialect's procedure searched for this request (§3.3).
struct SearchPlan {
  std::string lookup;
  bool searched_full = true;
  bool searched_trim = false;
  bool pooled = false;         // Vault's LIST pool with deny preference
  bool exact_decided = false;  // an exact rule answered before any glob
};

SearchPlan Plan(const Acl::Impl& a, Operation op, std::string_view path, RuleId selected, RuleId exact_full,
                RuleId exact_trim) {
  const std::string_view trimmed = TrimOneSlash(path);
  const bool list = op == Operation::kList;
  const bool scan = op == Operation::kScan && a.dialect == Dialect::kOpenBao;
  const bool trailing = path.ends_with('/');
  SearchPlan plan;
  if (selected == kNoRule) {
    plan.lookup = "no exact, prefix or segment-wildcard rule matched";
  } else if (selected == exact_full || selected == exact_trim) {
    plan.exact_decided = true;
    plan.searched_full = false;
    plan.lookup = selected == exact_full ? "exact rule for the path (§3.3 step 1)"
                                         : "exact rule for the path without its trailing '/' (§3.3 step 2)";
  } else if (a.dialect == Dialect::kVault && list && trailing) {
    plan.pooled = plan.searched_trim = true;
    plan.lookup = "LIST pool over " + Quote(trimmed) + " and " + Quote(path) +
                  ": most specific deny if at least as specific as the best list-granter, else the best "
                  "list-granter, else the most specific candidate";
  } else if (a.dialect == Dialect::kVaultLegacy && list && trailing) {
    plan.searched_trim = true;
    plan.searched_full = a.BestNonExact(trimmed) == kNoRule;
    plan.lookup = plan.searched_full
                      ? "non-exact search on " + Quote(path) + " (nothing matched " + Quote(trimmed) + ")"
                      : "non-exact search on the trimmed path " + Quote(trimmed) + " first (vault-legacy)";
  } else if (a.dialect == Dialect::kOpenBao && (list || scan) && trailing) {
    plan.searched_trim = a.BestNonExact(path) == kNoRule;
    plan.lookup = plan.searched_trim
                      ? "non-exact search on " + Quote(trimmed) + " (nothing matched " + Quote(path) + ")"
                      : "non-exact search on the full path " + Quote(path) + " first (openbao)";
  } else {
    plan.lookup = "non-exact search on " + Quote(path) + " (§3.3, comparator §3.5)";
  }
  return plan;
}

// How a non-exact candidate fared against the selected rule.
Verdict Judge(const Acl::Impl& a, const SearchPlan& plan, RuleId selected, const Match& m, bool searched) {
  if (m.rule == selected) {
    return Verdict::kSelected;
  }
  if (selected == kNoRule || !searched) {
    return Verdict::kNotSearched;
  }
  if (plan.exact_decided) {
    return Verdict::kShadowedByExact;
  }
  if (m.shorter_prefix) {
    return Verdict::kShorterPrefix;
  }
  const Rank& winner = a.ranks[selected];
  const Rank& loser = a.ranks[m.rule];
  const bool deny_won = a.rules[selected].capabilities.is_deny();
  if (plan.pooled && LowerPriority(winner, loser)) {
    return deny_won ? Verdict::kListDenyPreferred : Verdict::kListGranterPreferred;
  }
  if (plan.pooled && deny_won && a.rules[m.rule].capabilities.Has(Capability::kList)) {
    return Verdict::kListDenyPreferred;
  }
  return ComparatorStep(winner, loser);
}

// One entry per rule; a rule seen in both forms keeps the form that was searched.
void AddCandidate(std::map<RuleId, Candidate>& by_rule, RuleId id, std::string_view form, Verdict verdict) {
  auto [it, inserted] = by_rule.try_emplace(id, Candidate{id, std::string(form), verdict});
  if (!inserted && it->second.verdict == Verdict::kNotSearched && verdict != Verdict::kNotSearched) {
    it->second = Candidate{id, std::string(form), verdict};
  }
}

std::string Notes(const Acl::Impl& a, const Result& result, std::string_view path) {
  std::string notes;
  for (const std::string& note : a.notes) {
    notes += note + "\n";
  }
  if (result.root_privs && !result.allowed) {
    notes += "the selected rule grants sudo, so root_privs is reported although the request is refused (§5)\n";
  }
  if (a.dialect == Dialect::kVault && !IsCanonical(path)) {
    notes += "Vault >= 1.19.16 rejects non-canonical paths ('//', '/./', '/../') before ACL evaluation (§3.2)\n";
  }
  return notes;
}

}  // namespace

Explanation Acl::Explain(const Request& request) const {
  const Impl& a = *impl_;
  Explanation e;
  e.result = Check(request);
  e.dropped = a.dropped;
  PathBuffer buffer;
  const std::string_view path = buffer.Join(request.namespace_path, request.path);
  e.path = std::string(path);
  e.refusal = Refusal(*this, e, request);
  e.notes = Notes(a, e.result, path);
  if (a.root || request.operation == Operation::kHelp) {
    e.lookup = a.root ? "root policy: every request is allowed" : "help is always allowed; no rule is consulted";
    return e;
  }
  const std::string_view trimmed = TrimOneSlash(path);
  const bool list_like = request.operation == Operation::kList ||
                         (request.operation == Operation::kScan && a.dialect == Dialect::kOpenBao);
  const RuleId selected = e.result.rule;
  const RuleId exact_full = a.exact.Find(path);
  const RuleId exact_trim = list_like && trimmed != path ? a.exact.Find(trimmed) : kNoRule;
  const SearchPlan plan = Plan(a, request.operation, path, selected, exact_full, exact_trim);
  e.lookup = plan.lookup;

  std::map<RuleId, Candidate> by_rule;
  if (exact_full != kNoRule) {
    AddCandidate(by_rule, exact_full, path, selected == exact_full ? Verdict::kSelected : Verdict::kNotSearched);
  }
  if (exact_trim != kNoRule) {
    AddCandidate(by_rule, exact_trim, trimmed,
                 selected == exact_trim ? Verdict::kSelected
                                        : (selected == exact_full ? Verdict::kShadowedByExact : Verdict::kNotSearched));
  }
  std::vector<Match> matches;
  CollectNonExact(a, path, matches);
  for (const Match& m : matches) {
    AddCandidate(by_rule, m.rule, m.form, Judge(a, plan, selected, m, plan.searched_full || plan.exact_decided));
  }
  if (trimmed != path) {
    matches.clear();
    CollectNonExact(a, trimmed, matches);
    for (const Match& m : matches) {
      AddCandidate(by_rule, m.rule, m.form, Judge(a, plan, selected, m, plan.searched_trim || plan.exact_decided));
    }
  }
  if (selected != kNoRule && by_rule.count(selected) != 0) {
    e.candidates.push_back(by_rule[selected]);
  }
  for (const auto& [id, candidate] : by_rule) {
    if (id != selected) {
      e.candidates.push_back(candidate);
      if (a.rules[id].capabilities.is_deny()) {
        e.ignored_denies.push_back(id);
      }
    }
  }
  return e;
}

namespace {

std::string Where(const Acl& acl, const RuleSource& source, const SourceSet* sources) {
  std::string out = "policy " + Quote(acl.policy_name(source.policy));
  if (sources != nullptr && source.block_span.file < sources->size()) {
    const SourceFile& file = sources->file(source.block_span.file);
    out += " at " + file.name() + ":" + std::to_string(file.Locate(source.block_span.begin).line);
  }
  return out;
}

std::string DescribeRule(const Acl& acl, RuleId id, const SourceSet* sources) {
  const CompiledRule& rule = acl.rule(id);
  std::string out = Quote(rule.pattern()) + " (" + std::string(parser::PatternKindName(rule.kind)) + ", [" +
                    CapabilityNames(rule.capabilities) + "])";
  std::string from;
  for (const RuleSource& source : rule.sources) {
    from += from.empty() ? "" : "; ";
    from += Where(acl, source, sources) + (source.ignored ? " (ignored: key already deny)" : "");
  }
  return out + " from " + from;
}

}  // namespace

std::string RenderExplanation(const Acl& acl, const Explanation& e, const SourceSet* sources) {
  const Result& r = e.result;
  std::string out = std::string(r.allowed ? "allowed" : "denied") + " (" + std::string(DialectName(acl.dialect())) +
                    ")";
  out += r.root_privs ? ", root_privs" : "";
  out += "\n";
  if (!e.path.empty()) {
    out += "path: " + Quote(e.path) + "\n";
  }
  out += "lookup: " + e.lookup + "\n";
  if (r.rule != kNoRule) {
    out += "deciding rule: " + DescribeRule(acl, r.rule, sources) + "\n";
  }
  if (!r.granting_policies.empty()) {
    std::string names;
    for (std::uint32_t p : r.granting_policies) {
      names += (names.empty() ? "" : ", ") + std::string(acl.policy_name(p));
    }
    out += "granting policies: " + names + "\n";
  }
  if (!e.refusal.empty()) {
    out += "refused: " + e.refusal + "\n";
  }
  for (const Candidate& c : e.candidates) {
    if (c.rule == r.rule) {
      continue;
    }
    out += "other candidate: " + DescribeRule(acl, c.rule, sources) + " matched " + Quote(c.matched_path) + ": " +
           std::string(VerdictText(c.verdict)) + "\n";
  }
  for (RuleId id : e.ignored_denies) {
    out += "ignored deny: " + Quote(acl.rule(id).pattern()) + "\n";
  }
  for (const DroppedBlock& d : e.dropped) {
    out += "dropped template block: policy " + Quote(acl.policy_name(d.policy)) + " path " + Quote(d.label) + ": " +
           d.error + "\n";
  }
  if (!e.notes.empty()) {
    out += "note: ";
    std::string notes = e.notes;
    notes.pop_back();
    for (std::size_t at = notes.find('\n'); at != std::string::npos; at = notes.find('\n', at + 7)) {
      notes.replace(at, 1, "\nnote: ");
    }
    out += notes + "\n";
  }
  return out;
}

}  // namespace polcheck::evaluator
