#include "evaluator/acl.h"

#include <algorithm>
#include <bit>
#include <ctime>
#include <unordered_map>
#include <utility>

#include "base/check.h"
#include "evaluator/acl_impl.h"
#include "evaluator/go_text.h"
#include "evaluator/templating.h"

namespace polcheck::evaluator {

using parser::Capability;
using parser::CapabilitySet;
using parser::PatternKind;

// ------------------------------------------------------------------ names

namespace {

constexpr std::array<std::string_view, kOperationCount> kOperationNames = {
    "create", "read", "update", "patch", "delete", "list", "help",
    "scan", "recover", "revoke", "renew", "rollback", "subscribe", "header",
};

constexpr std::uint16_t Bit(Capability c) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c)); }

}  // namespace

std::string_view OperationName(Operation operation) {
  return kOperationNames[static_cast<std::size_t>(operation)];
}

std::optional<Operation> ParseOperation(std::string_view name) {
  for (std::size_t i = 0; i < kOperationNames.size(); ++i) {
    if (kOperationNames[i] == name) {
      return static_cast<Operation>(i);
    }
  }
  return std::nullopt;
}

std::string_view ReasonText(Reason reason) {
  switch (reason) {
    case Reason::kAllowed:
      return "allowed";
    case Reason::kRoot:
      return "allowed: root policy";
    case Reason::kHelp:
      return "allowed: help is always allowed";
    case Reason::kRootOutsideNamespace:
      return "the root policy only covers the namespace it was built in and its descendants";
    case Reason::kUnsupportedOperation:
      return "no capability grants this operation";
    case Reason::kNoMatchingRule:
      return "no rule matches the path (deny by default)";
    case Reason::kExplicitDeny:
      return "the selected rule is deny";
    case Reason::kCapabilityNotGranted:
      return "the selected rule does not grant the operation's capability";
    case Reason::kWrappingRequired:
      return "min_wrapping_ttl/max_wrapping_ttl require a wrapped response";
    case Reason::kWrapTtlAboveMax:
      return "the wrap TTL exceeds max_wrapping_ttl";
    case Reason::kWrapTtlBelowMin:
      return "the wrap TTL is below min_wrapping_ttl";
    case Reason::kWrapBoundsConflict:
      return "the merged max_wrapping_ttl is less than min_wrapping_ttl";
    case Reason::kRequiredParameterMissing:
      return "a required parameter is missing";
    case Reason::kAllParametersDenied:
      return "denied_parameters contains \"*\" and the request carries parameters";
    case Reason::kParameterDenied:
      return "a parameter value is in denied_parameters";
    case Reason::kParameterNotAllowed:
      return "a parameter is not in allowed_parameters";
    case Reason::kParameterValueNotAllowed:
      return "a parameter value is not in its allowed_parameters list";
    case Reason::kPaginationLimitRequired:
      return "limit is a required parameter under pagination_limit";
    case Reason::kPaginationLimitInvalid:
      return "limit is above pagination_limit, negative or not an integer";
  }
  return "unknown";
}

std::string_view ReasonCode(Reason reason) {
  switch (reason) {
    case Reason::kAllowed: return "allowed";
    case Reason::kRoot: return "root";
    case Reason::kHelp: return "help";
    case Reason::kRootOutsideNamespace: return "root-outside-namespace";
    case Reason::kUnsupportedOperation: return "unsupported-operation";
    case Reason::kNoMatchingRule: return "no-matching-rule";
    case Reason::kExplicitDeny: return "explicit-deny";
    case Reason::kCapabilityNotGranted: return "capability-not-granted";
    case Reason::kWrappingRequired: return "wrapping-required";
    case Reason::kWrapTtlAboveMax: return "wrap-ttl-above-max";
    case Reason::kWrapTtlBelowMin: return "wrap-ttl-below-min";
    case Reason::kWrapBoundsConflict: return "wrap-bounds-conflict";
    case Reason::kRequiredParameterMissing: return "required-parameter-missing";
    case Reason::kAllParametersDenied: return "all-parameters-denied";
    case Reason::kParameterDenied: return "parameter-denied";
    case Reason::kParameterNotAllowed: return "parameter-not-allowed";
    case Reason::kParameterValueNotAllowed: return "parameter-value-not-allowed";
    case Reason::kPaginationLimitRequired: return "pagination-limit-required";
    case Reason::kPaginationLimitInvalid: return "pagination-limit-invalid";
  }
  return "unknown";
}

std::string_view VerdictText(Verdict verdict) {
  switch (verdict) {
    case Verdict::kSelected:
      return "selected";
    case Verdict::kLostFirstWildcard:
      return "lost at step 1: its first wildcard/glob comes earlier";
    case Verdict::kLostPrefix:
      return "lost at step 2: it ends in a glob and the winner does not";
    case Verdict::kLostWildcardCount:
      return "lost at step 3: more '+' segments";
    case Verdict::kLostLength:
      return "lost at step 4: shorter pattern";
    case Verdict::kLostLexical:
      return "lost at step 5: lexicographically smaller pattern";
    case Verdict::kShadowedByExact:
      return "not consulted: an exact rule decided";
    case Verdict::kShorterPrefix:
      return "not consulted: only the longest matching prefix rule takes part";
    case Verdict::kNotSearched:
      return "not consulted: this path form was not searched";
    case Verdict::kListDenyPreferred:
      return "LIST pool: a deny at least as specific as the best list-granter wins";
    case Verdict::kListGranterPreferred:
      return "LIST pool: the most specific list-granting rule wins";
  }
  return "unknown";
}

std::optional<Capability> RequiredCapability(Operation operation, Dialect dialect) {
  switch (operation) {
    case Operation::kCreate:
      return Capability::kCreate;
    case Operation::kRead:
      return Capability::kRead;
    case Operation::kUpdate:
    case Operation::kRevoke:
    case Operation::kRenew:
    case Operation::kRollback:
      return Capability::kUpdate;
    case Operation::kPatch:
      return Capability::kPatch;
    case Operation::kDelete:
      return Capability::kDelete;
    case Operation::kList:
      return Capability::kList;
    case Operation::kScan:
      return dialect == Dialect::kOpenBao ? std::optional(Capability::kScan) : std::nullopt;
    case Operation::kRecover:
      return dialect == Dialect::kOpenBao ? std::nullopt : std::optional(Capability::kRecover);
    case Operation::kHelp:
    case Operation::kSubscribe:
    case Operation::kHeader:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string CompiledRule::pattern() const { return kind == PatternKind::kPrefix ? key + "*" : key; }

bool CapabilityList::operator==(const CapabilityList& other) const {
  return std::equal(begin(), end(), other.begin(), other.end());
}

std::string CapabilityList::Join(std::string_view separator) const {
  std::string out;
  for (std::size_t i = 0; i < size_; ++i) {
    if (i > 0) {
      out += separator;
    }
    out += names_[i];
  }
  return out;
}

// ------------------------------------------------------------- comparator

bool LowerPriority(const Rank& a, const Rank& b) {
  if (a.first_wc != b.first_wc) {
    return a.first_wc < b.first_wc;
  }
  if (a.is_prefix != b.is_prefix) {
    return a.is_prefix;
  }
  if (a.wildcards != b.wildcards) {
    return a.wildcards > b.wildcards;
  }
  if (a.length != b.length) {
    return a.length < b.length;
  }
  return a.path < b.path;
}

std::uint64_t PackPriority(std::int64_t first_wc, bool is_prefix, std::int64_t wildcards, std::uint64_t length) {
  // first_wc: 20 bits, non-prefix: 1, 255 - wildcards: 8, length: 31; each
  // saturates, which only turns an order into a tie the full comparison breaks.
  const auto wc = static_cast<std::uint64_t>(std::clamp<std::int64_t>(first_wc, 0, (1 << 20) - 1));
  const auto plus = static_cast<std::uint64_t>(255 - std::clamp<std::int64_t>(wildcards, 0, 255));
  const std::uint64_t len = std::min<std::uint64_t>(length, (std::uint64_t{1} << 31) - 1);
  return (wc << 40) | (std::uint64_t{is_prefix ? 0u : 1u} << 39) | (plus << 31) | len;
}

Verdict ComparatorStep(const Rank& winner, const Rank& loser) {
  if (winner.first_wc != loser.first_wc) {
    return Verdict::kLostFirstWildcard;
  }
  if (winner.is_prefix != loser.is_prefix) {
    return Verdict::kLostPrefix;
  }
  if (winner.wildcards != loser.wildcards) {
    return Verdict::kLostWildcardCount;
  }
  if (winner.length != loser.length) {
    return Verdict::kLostLength;
  }
  return winner.path == loser.path ? Verdict::kSelected : Verdict::kLostLexical;
}

// ----------------------------------------------------------------- paths

std::string_view PathBuffer::Join(std::string_view namespace_path, std::string_view path) {
  if (namespace_path.empty() && (path.empty() || path.front() != '/')) {
    return path;
  }
  std::string_view joined = path;
  if (!namespace_path.empty()) {
    const std::size_t size = namespace_path.size() + path.size();
    if (size <= sizeof(buffer_)) {
      std::copy(namespace_path.begin(), namespace_path.end(), buffer_);
      std::copy(path.begin(), path.end(), buffer_ + namespace_path.size());
      joined = std::string_view(buffer_, size);
    } else {
      heap_.assign(namespace_path);
      heap_.append(path);
      joined = heap_;
    }
  }
  const std::size_t first = joined.find_first_not_of('/');
  return first == std::string_view::npos ? std::string_view() : joined.substr(first);
}

std::string_view TrimOneSlash(std::string_view path) {
  return path.ends_with('/') ? path.substr(0, path.size() - 1) : path;
}

// --------------------------------------------------------------- selection

namespace {

// Streaming maximum under the §3.5 comparator: packed priorities first, the
// rule arrays only on a tie.
struct Best {
  const std::vector<Rank>* ranks;
  RuleId rule = kNoRule;
  std::uint64_t packed = 0;

  void Offer(RuleId id, std::uint64_t priority) {
    if (rule == kNoRule || priority > packed ||
        (priority == packed && id != rule && LowerPriority((*ranks)[rule], (*ranks)[id]))) {
      rule = id;
      packed = priority;
    }
  }
  void Offer(const TrieHit& hit) { Offer(hit.rule, hit.priority); }
  void Offer(const PathTrie::PrefixMatch& m) {
    if (m.rule != kNoIndexRule) {
      Offer(m.rule, PackPriority(m.length, true, 0, m.length));
    }
  }
};

}  // namespace

RuleId Acl::Impl::BestNonExact(const PathKey& key) const {
  Best best{&ranks};
  best.Offer(trie.Match(key, [&](const TrieHit& hit) { best.Offer(hit); }));
  return best.rule;
}

RuleId Acl::Impl::BestNonExact(std::string_view path) const {
  const PathKey key(path);
  return BestNonExact(key);
}

Acl::Impl::BothForms Acl::Impl::BestNonExactBoth(const PathKey& key) const {
  Best trimmed{&ranks};
  Best full{&ranks};
  const PathTrie::PrefixMatches m = trie.MatchBoth(key, [&](const TrieHit& hit, std::uint8_t forms) {
    if ((forms & kFormTrimmed) != 0) {
      trimmed.Offer(hit);
    }
    if ((forms & kFormFull) != 0) {
      full.Offer(hit);
    }
  });
  trimmed.Offer(m.trimmed);
  full.Offer(m.full);
  return {trimmed.rule, full.rule};
}

RuleId Acl::Impl::PooledList(const PathKey& key) const {
  Best overall{&ranks};
  Best deny{&ranks};
  Best list{&ranks};
  auto offer = [&](RuleId id, std::uint64_t priority, std::uint16_t caps) {
    overall.Offer(id, priority);
    if ((caps & Bit(Capability::kDeny)) != 0) {
      deny.Offer(id, priority);
    }
    if ((caps & Bit(Capability::kList)) != 0) {
      list.Offer(id, priority);
    }
  };
  const PathTrie::PrefixMatches m = trie.MatchBoth(
      key, [&](const TrieHit& hit, std::uint8_t) { offer(hit.rule, hit.priority, hit.capabilities); });
  for (const PathTrie::PrefixMatch& p : {m.trimmed, m.full}) {
    if (p.rule != kNoIndexRule) {
      offer(p.rule, PackPriority(p.length, true, 0, p.length), p.capabilities);
    }
  }
  if (deny.rule != kNoRule &&
      (list.rule == kNoRule || deny.packed > list.packed ||
       (deny.packed == list.packed && LowerPriority(ranks[list.rule], ranks[deny.rule])))) {
    return deny.rule;
  }
  return list.rule != kNoRule ? list.rule : overall.rule;
}

RuleId Acl::Impl::Select(std::string_view path, Operation operation) const {
  if (const IndexRuleId id = exact.Find(path); id != kNoIndexRule) {
    return id;
  }
  const bool list = operation == Operation::kList;
  const bool scan = operation == Operation::kScan && dialect == Dialect::kOpenBao;
  const bool trailing = path.ends_with('/');
  if ((list || scan) && trailing) {
    if (const IndexRuleId id = exact.Find(path.substr(0, path.size() - 1)); id != kNoIndexRule) {
      return id;
    }
  }
  const PathKey key(path);
  switch (dialect) {
    case Dialect::kVault:
      return list && trailing ? PooledList(key) : BestNonExact(key);
    case Dialect::kVaultLegacy:
      if (list && trailing) {
        const BothForms both = BestNonExactBoth(key);
        return both.trimmed != kNoRule ? both.trimmed : both.full;
      }
      return BestNonExact(key);
    case Dialect::kOpenBao:
      if ((list || scan) && trailing) {
        const BothForms both = BestNonExactBoth(key);
        return both.full != kNoRule ? both.full : both.trimmed;
      }
      return BestNonExact(key);
  }
  return kNoRule;
}

// ------------------------------------------------------------- evaluation

namespace {

bool ParameterPhase(Operation operation, Dialect dialect) {
  switch (operation) {
    case Operation::kRead:
    case Operation::kUpdate:
    case Operation::kCreate:
    case Operation::kPatch:
      return true;
    case Operation::kRecover:
      return dialect != Dialect::kOpenBao;
    case Operation::kDelete:
    case Operation::kList:
    case Operation::kHelp:
    case Operation::kScan:
    case Operation::kRevoke:
    case Operation::kRenew:
    case Operation::kRollback:
    case Operation::kSubscribe:
    case Operation::kHeader:
      return false;
  }
  return false;
}

Reason WrapReason(const RuleChecks& rule, const std::optional<std::chrono::nanoseconds>& wrap_ttl) {
  if (rule.max_ttl_ns > 0) {
    if (!wrap_ttl) {
      return Reason::kWrappingRequired;
    }
    if (wrap_ttl->count() > rule.max_ttl_ns) {
      return Reason::kWrapTtlAboveMax;
    }
  }
  if (rule.min_ttl_ns > 0) {
    if (!wrap_ttl) {
      return Reason::kWrappingRequired;
    }
    if (wrap_ttl->count() < rule.min_ttl_ns) {
      return Reason::kWrapTtlBelowMin;
    }
  }
  if (rule.min_ttl_ns != 0 && rule.max_ttl_ns != 0 && rule.max_ttl_ns < rule.min_ttl_ns) {
    return Reason::kWrapBoundsConflict;
  }
  return Reason::kAllowed;
}

}  // namespace

Result Acl::Impl::Evaluate(RuleId id, const Request& request) const {
  const HotRule& rule = hot[id];
  Result r;
  r.rule = id;
  r.capabilities = CapabilitySet(rule.capabilities);
  r.root_privs = r.capabilities.Has(Capability::kSudo);
  const std::optional<Capability> needed = RequiredCapability(request.operation, dialect);
  if (!needed) {
    r.reason = Reason::kUnsupportedOperation;
    return r;
  }
  if (!r.capabilities.Has(*needed)) {
    r.reason = r.capabilities.is_deny() ? Reason::kExplicitDeny : Reason::kCapabilityNotGranted;
    return r;
  }
  const unsigned bit = static_cast<unsigned>(*needed);
  const std::uint32_t slot = rule.granting + static_cast<std::uint32_t>(
                                                 std::popcount(static_cast<unsigned>(rule.capabilities) & ((1u << bit) - 1)));
  const std::uint32_t begin = granting_offsets[slot];
  r.granting_policies = std::span<const std::uint32_t>(granting_policies.data() + begin, granting_offsets[slot + 1] - begin);
  if (rule.wrap_checks) {
    r.reason = WrapReason(checks[rule.checks], request.wrap_ttl);
    if (r.reason != Reason::kAllowed) {
      return r;
    }
  }
  if (rule.param_checks) {
    ParamVerdict verdict;
    if (ParameterPhase(request.operation, dialect)) {
      const ParamSemantics semantics{.list_valued = dialect == Dialect::kVault,
                                     .lower_policy_values = dialect == Dialect::kVault};
      verdict = CheckParameters(checks[rule.checks].params, request.params, semantics);
    } else if (dialect == Dialect::kOpenBao &&
               (request.operation == Operation::kList || request.operation == Operation::kScan)) {
      verdict = CheckPagination(checks[rule.checks].params, request.params);
    }
    r.reason = verdict.reason;
    r.parameter = verdict.parameter;
    if (r.reason != Reason::kAllowed) {
      return r;
    }
  }
  r.allowed = true;
  r.reason = Reason::kAllowed;
  return r;
}

bool Acl::Impl::RootCovers(std::string_view namespace_path) const {
  return dialect != Dialect::kOpenBao || namespace_path.starts_with(root_namespace);
}

Result Acl::Impl::RootResult(std::string_view namespace_path) const {
  Result r;
  if (!RootCovers(namespace_path)) {
    r.reason = Reason::kRootOutsideNamespace;
    return r;
  }
  r.allowed = true;
  r.root_privs = true;
  r.is_root = true;
  r.reason = Reason::kRoot;
  static constexpr std::uint32_t kRootPolicy[] = {0};
  r.granting_policies = kRootPolicy;
  return r;
}

Result Acl::Check(const Request& request) const {
  const Impl& a = *impl_;
  if (a.root) {
    return a.RootResult(request.namespace_path);
  }
  if (request.operation == Operation::kHelp) {
    Result r;
    r.allowed = true;
    r.reason = Reason::kHelp;
    return r;
  }
  PathBuffer buffer;
  const std::string_view path = buffer.Join(request.namespace_path, request.path);
  const RuleId id = a.Select(path, request.operation);
  if (id == kNoRule) {
    return Result{};
  }
  return a.Evaluate(id, request);
}

Result Acl::CapabilityCheck(std::string_view path, std::string_view namespace_path) const {
  const Impl& a = *impl_;
  if (a.root) {
    return a.RootResult(namespace_path);
  }
  PathBuffer buffer;
  const RuleId id = a.Select(buffer.Join(namespace_path, path), Operation::kList);
  Result r;
  if (id == kNoRule) {
    return r;
  }
  r.rule = id;
  r.capabilities = CapabilitySet(a.hot[id].capabilities);
  r.root_privs = r.capabilities.Has(Capability::kSudo);
  r.reason = Reason::kAllowed;
  return r;
}

CapabilityList Acl::Capabilities(std::string_view path, std::string_view namespace_path) const {
  const Result r = CapabilityCheck(path, namespace_path);
  CapabilityList out;
  if (r.is_root) {
    out.Add("root");
    return out;
  }
  // Vault appends these, Core sorts them: alphabetical order per dialect.
  static constexpr Capability kVaultOrder[] = {
      Capability::kCreate, Capability::kDelete,    Capability::kList, Capability::kPatch, Capability::kRead,
      Capability::kRecover, Capability::kSubscribe, Capability::kSudo, Capability::kUpdate};
  static constexpr Capability kOpenBaoOrder[] = {
      Capability::kCreate, Capability::kDelete, Capability::kList, Capability::kPatch,
      Capability::kRead,   Capability::kScan,   Capability::kSudo, Capability::kUpdate};
  if (!r.capabilities.is_deny()) {
    const std::span<const Capability> order =
        impl_->dialect == Dialect::kOpenBao ? std::span<const Capability>(kOpenBaoOrder)
                                            : std::span<const Capability>(kVaultOrder);
    for (Capability c : order) {
      if (r.capabilities.Has(c)) {
        out.Add(parser::CapabilityName(c));
      }
    }
  }
  if (out.size() == 0) {
    out.Add("deny");
  }
  return out;
}

// ------------------------------------------------------------ bare mount

namespace {


constexpr std::uint16_t kMountVisibleBits =
    Bit(Capability::kCreate) | Bit(Capability::kDelete) | Bit(Capability::kList) | Bit(Capability::kRead) |
    Bit(Capability::kSudo) | Bit(Capability::kUpdate) | Bit(Capability::kPatch);

// CheckAllowedFromNonExactPaths(path, bareMount=true) for one segment rule.
bool SegmentRuleCoversMount(std::string_view key, std::string_view path,
                            const std::vector<std::string_view>& parts) {
  const bool is_prefix = key.ends_with('*');
  const std::vector<std::string_view> acl_parts = SplitSlash(is_prefix ? key.substr(0, key.size() - 1) : key);
  std::string joined;
  for (std::size_t i = 0; i < acl_parts.size() && i < parts.size(); ++i) {
    const std::string_view acl_part = acl_parts[i];
    if (acl_part == "+" || acl_part == parts[i]) {
      joined += std::string(parts[i]) + "/";
    } else if (is_prefix && i == acl_parts.size() - 1 && parts[i].starts_with(acl_part)) {
      for (std::size_t k = i; k < parts.size(); ++k) {
        joined += std::string(parts[k]) + "/";
      }
    } else {
      return false;
    }
    if (i + 2 == parts.size()) {
      // Vault joins the segments with '/' and appends one '/'.
      return joined.starts_with(path);
    }
  }
  return false;
}

}  // namespace

bool Acl::CanSeeMount(std::string_view mount_path) const {
  const Impl& a = *impl_;
  std::string path(mount_path);
  if (!path.ends_with('/')) {
    path += '/';
  }
  const CapabilityList caps = Capabilities(path);
  if (!(caps.size() == 1 && caps.names()[0] == "deny")) {
    return true;
  }
  for (RuleId id = 0; id < a.rules.size(); ++id) {
    const CompiledRule& rule = a.rules[id];
    const std::uint16_t bits = a.hot[id].capabilities;
    if ((bits & Bit(Capability::kDeny)) != 0 || (bits & kMountVisibleBits) == 0) {
      continue;
    }
    if (rule.kind != PatternKind::kSegment && rule.key.starts_with(path)) {
      return true;
    }
  }
  const std::vector<std::string_view> parts = SplitSlash(path);
  for (RuleId id = 0; id < a.rules.size(); ++id) {
    const CompiledRule& rule = a.rules[id];
    const std::uint16_t bits = a.hot[id].capabilities;
    if (rule.kind != PatternKind::kSegment || (bits & Bit(Capability::kDeny)) != 0 || bits == 0) {
      continue;
    }
    if (SegmentRuleCoversMount(rule.key, path, parts)) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- accessors

Acl::Acl(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Acl::Acl(Acl&&) noexcept = default;
Acl& Acl::operator=(Acl&&) noexcept = default;
Acl::~Acl() = default;

Dialect Acl::dialect() const { return impl_->dialect; }
bool Acl::is_root() const { return impl_->root; }
std::size_t Acl::rule_count() const { return impl_->rules.size(); }
const CompiledRule& Acl::rule(RuleId id) const { return impl_->rules.at(id); }
std::size_t Acl::policy_count() const { return impl_->policies.size(); }
std::string_view Acl::policy_name(std::uint32_t policy) const { return impl_->policies.at(policy).name; }
FileId Acl::policy_file(std::uint32_t policy) const { return impl_->policies.at(policy).file; }
std::span<const DroppedBlock> Acl::dropped_blocks() const { return impl_->dropped; }

std::optional<RuleId> Acl::FindRule(std::string_view key, PatternKind kind) const {
  for (RuleId id = 0; id < impl_->rules.size(); ++id) {
    if (impl_->rules[id].kind == kind && impl_->rules[id].key == key) {
      return id;
    }
  }
  return std::nullopt;
}

const RuleSource* Acl::DecidingSource(const Result& result, Operation operation) const {
  if (result.rule == kNoRule) {
    return nullptr;
  }
  const CompiledRule& rule = impl_->rules.at(result.rule);
  const std::optional<Capability> needed = RequiredCapability(operation, impl_->dialect);
  auto first = [&](auto predicate) -> const RuleSource* {
    for (const RuleSource& source : rule.sources) {
      if (!source.ignored && predicate(source)) {
        return &source;
      }
    }
    return nullptr;
  };
  if (rule.capabilities.is_deny()) {
    if (const RuleSource* s = first([](const RuleSource& src) { return src.capabilities.is_deny(); })) {
      return s;
    }
  }
  if (needed) {
    if (const RuleSource* s = first([&](const RuleSource& src) { return src.capabilities.Has(*needed); })) {
      return s;
    }
  }
  const RuleSource* any = first([](const RuleSource&) { return true; });
  return any != nullptr ? any : &rule.sources.front();
}

std::size_t Acl::MemoryUsage() const {
  const Impl& a = *impl_;
  std::size_t bytes = sizeof(Impl) + a.exact.MemoryUsage() + a.trie.MemoryUsage();
  bytes += a.rules.capacity() * sizeof(CompiledRule) + a.hot.capacity() * sizeof(HotRule) +
           a.ranks.capacity() * sizeof(Rank) + a.checks.capacity() * sizeof(RuleChecks) +
           (a.granting_offsets.capacity() + a.granting_policies.capacity()) * sizeof(std::uint32_t);
  for (const CompiledRule& rule : a.rules) {
    bytes += rule.key.capacity() + rule.sources.capacity() * sizeof(RuleSource);
    for (const auto& g : rule.granting) {
      bytes += g.capacity() * sizeof(std::uint32_t);
    }
    for (const RuleSource& s : rule.sources) {
      bytes += s.label.capacity();
    }
  }
  return bytes;
}

}  // namespace polcheck::evaluator
