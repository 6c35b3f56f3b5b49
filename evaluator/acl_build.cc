// Acl::Build: merging path blocks into compiled rules exactly as Vault's
// NewACL does (SEMANTICS.md §4), rendering templated labels (§7), skipping
// expired OpenBao paths, and building the lookup indexes.
#include <algorithm>
#include <ctime>
#include <unordered_map>
#include <utility>

#include "evaluator/acl.h"
#include "evaluator/acl_impl.h"
#include "evaluator/go_text.h"
#include "evaluator/templating.h"

namespace polcheck::evaluator {

using parser::Capability;
using parser::CapabilitySet;
using parser::PatternKind;

std::vector<std::string_view> SplitSlash(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      return out;
    }
    start = slash + 1;
  }
}

namespace {

struct StoreKey {
  PatternKind kind;
  std::string key;
  bool operator==(const StoreKey&) const = default;
};
struct StoreKeyHash {
  std::size_t operator()(const StoreKey& k) const {
    return std::hash<std::string>()(k.key) ^ (static_cast<std::size_t>(k.kind) * 0x9E3779B97F4A7C15ull);
  }
};

void AddGranting(CompiledRule& rule, CapabilitySet caps, std::uint32_t policy) {
  for (int c = 0; c < parser::kCapabilityCount; ++c) {
    if (caps.Has(static_cast<Capability>(c))) {
      rule.granting[static_cast<std::size_t>(c)].push_back(policy);
    }
  }
}

// Go strutil.RemoveDuplicates(items, false): unique and sorted.
std::vector<std::string> RemoveDuplicates(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

void MergeParameters(std::optional<parser::ParameterMap>& existing, const std::optional<parser::ParameterMap>& incoming) {
  if (!incoming || incoming->empty()) {
    return;
  }
  if (!existing) {
    existing = *incoming;
    return;
  }
  for (const auto& [key, values] : *incoming) {
    auto it = existing->find(key);
    if (values.empty() || (it != existing->end() && it->second.empty())) {
      (*existing)[key] = {};
      continue;
    }
    std::vector<parser::Value> merged = values;
    if (it != existing->end()) {
      merged.insert(merged.end(), it->second.begin(), it->second.end());
    }
    (*existing)[key] = std::move(merged);
  }
}

void MergeUnion(std::vector<std::string>& existing, const std::vector<std::string>& incoming) {
  if (existing.empty()) {
    existing = incoming;
    return;
  }
  for (const std::string& v : incoming) {
    if (std::find(existing.begin(), existing.end(), v) == existing.end()) {
      existing.push_back(v);
    }
  }
}

CompiledRule FirstRule(const parser::Pattern& pattern, const parser::PathRule& block, std::uint32_t policy) {
  CompiledRule rule;
  rule.key = pattern.key;
  rule.kind = pattern.kind;
  rule.capabilities = block.capabilities;
  rule.min_wrapping_ttl = block.min_wrapping_ttl;
  rule.max_wrapping_ttl = block.max_wrapping_ttl;
  rule.allowed_parameters = block.allowed_parameters;
  rule.denied_parameters = block.denied_parameters;
  rule.required_parameters = block.required_parameters;
  rule.mfa_methods = block.mfa_methods;
  rule.subscribe_event_types = block.subscribe_event_types;
  rule.has_control_group = block.has_control_group;
  rule.pagination_limit = block.pagination_limit;
  rule.list_scan_response_keys_filter_path = block.list_scan_response_keys_filter_path;
  AddGranting(rule, block.capabilities, policy);
  return rule;
}

// NewACL's merge of one more path block into an existing key (§4).
void MergeRule(CompiledRule& rule, const parser::PathRule& block, std::uint32_t policy) {
  if (block.capabilities.is_deny()) {
    rule.capabilities = CapabilitySet::Deny();
    rule.allowed_parameters.reset();
    rule.denied_parameters.reset();
    return;
  }
  rule.capabilities.AddAll(block.capabilities);
  AddGranting(rule, block.capabilities, policy);
  auto min_nonzero = [](std::int64_t& existing, std::int64_t incoming) {
    if (incoming > 0 && (existing == 0 || incoming < existing)) {
      existing = incoming;
    }
  };
  min_nonzero(rule.max_wrapping_ttl, block.max_wrapping_ttl);
  min_nonzero(rule.min_wrapping_ttl, block.min_wrapping_ttl);
  MergeParameters(rule.allowed_parameters, block.allowed_parameters);
  MergeParameters(rule.denied_parameters, block.denied_parameters);
  MergeUnion(rule.required_parameters, block.required_parameters);
  if (!block.mfa_methods.empty()) {
    std::vector<std::string> all = rule.mfa_methods;
    all.insert(all.end(), block.mfa_methods.begin(), block.mfa_methods.end());
    rule.mfa_methods = RemoveDuplicates(std::move(all));
  }
  rule.has_control_group = rule.has_control_group || block.has_control_group;
  if (!block.subscribe_event_types.empty()) {
    if (rule.subscribe_event_types.empty()) {
      rule.subscribe_event_types = block.subscribe_event_types;
    } else {
      std::vector<std::string> all = rule.subscribe_event_types;
      all.insert(all.end(), block.subscribe_event_types.begin(), block.subscribe_event_types.end());
      rule.subscribe_event_types = RemoveDuplicates(std::move(all));
    }
  }
  if (block.pagination_limit && *block.pagination_limit > 0 &&
      (!rule.pagination_limit || *rule.pagination_limit <= 0 || *block.pagination_limit < *rule.pagination_limit)) {
    rule.pagination_limit = block.pagination_limit;
  }
  if (rule.list_scan_response_keys_filter_path.empty()) {
    rule.list_scan_response_keys_filter_path = block.list_scan_response_keys_filter_path;
  }
}

// The namespace a parsed policy was written in, recovered from a templated
// rule: its pattern is NormalizePattern(label, namespace).
std::string PolicyNamespace(const parser::PathRule& block) {
  const std::optional<parser::Pattern> bare = parser::NormalizePattern(block.label, "");
  if (!bare || !block.pattern.key.ends_with(bare->key)) {
    return {};
  }
  return block.pattern.key.substr(0, block.pattern.key.size() - bare->key.size());
}

// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// RFC 3339 ("2026-01-02T15:04:05Z", "...05.5+02:00") to Unix nanoseconds.
std::optional<std::int64_t> ParseRfc3339(std::string_view s) {
  auto num = [&](std::size_t at, std::size_t len) -> std::optional<int> {
    if (at + len > s.size()) {
      return std::nullopt;
    }
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') {
        return std::nullopt;
      }
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto year = num(0, 4), month = num(5, 2), day = num(8, 2), hour = num(11, 2), minute = num(14, 2),
             second = num(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s.size() < 20 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t frac_ns = 0;
  if (s[at] == '.') {
    std::int64_t scale = 100000000;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at) {
      frac_ns += (s[at] - '0') * scale;
      scale /= 10;
    }
  }
  std::int64_t offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z') && at + 1 == s.size()) {
    offset = 0;
  } else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    const auto oh = num(at + 1, 2), om = num(at + 4, 2);
    if (!oh || !om) {
      return std::nullopt;
    }
    offset = (s[at] == '-' ? -1 : 1) * (*oh * 3600 + *om * 60);
  } else {
    return std::nullopt;
  }
  const std::int64_t days = DaysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  const std::int64_t secs = days * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
  return secs * 1000000000 + frac_ns;
}

struct Builder {
  const AclOptions& options;
  Acl::Impl& impl;
  std::int64_t now_unix;
  std::unordered_map<StoreKey, RuleId, StoreKeyHash> index;

  void Insert(const parser::Pattern& pattern, const parser::PathRule& block, std::uint32_t policy,
              std::uint32_t block_index) {
    RuleSource source{policy, block_index, block.label, block.capabilities, false, block.block_span,
                      block.label_span};
    auto [it, inserted] = index.try_emplace(StoreKey{pattern.kind, pattern.key},
                                            static_cast<RuleId>(impl.rules.size()));
    if (inserted) {
      impl.rules.push_back(FirstRule(pattern, block, policy));
      impl.rules.back().sources.push_back(std::move(source));
      return;
    }
    CompiledRule& rule = impl.rules[it->second];
    source.ignored = rule.capabilities.is_deny();
    if (!source.ignored) {
      MergeRule(rule, block, policy);
    }
    rule.sources.push_back(std::move(source));
  }

  bool Expired(const parser::PathRule& block) const {
    if (options.dialect != Dialect::kOpenBao || block.expiration.empty()) {
      return false;
    }
    const std::optional<std::int64_t> at = ParseRfc3339(block.expiration);
    return at && now_unix * 1000000000 > *at;
  }

  TemplateOptions Templates(std::string_view policy_namespace) const {
    TemplateOptions t;
    t.policy_namespace = policy_namespace;
    t.now_unix = now_unix;
    switch (options.dialect) {
      case Dialect::kVault:
        t.reject_wildcards = true;
        t.reject_slashes = options.deny_slash_in_templated_paths;
        break;
      case Dialect::kVaultLegacy:
        t.reject_slashes = options.deny_slash_in_templated_paths;
        break;
      case Dialect::kOpenBao:
        t.openbao_messages = true;
        t.reject_wildcards = !options.openbao_allow_wildcards_in_templates;
        t.reject_slashes = !options.openbao_allow_slashes_in_templates;
        break;
    }
    return t;
  }

  // Adds one policy; fails only where Vault's templated parse fails.
  Expected<void> AddPolicy(const parser::Policy& policy, std::uint32_t policy_index) {
    for (std::uint32_t b = 0; b < policy.rules.size(); ++b) {
      const parser::PathRule& block = policy.rules[b];
      if (Expired(block)) {
        impl.notes.push_back("policy \"" + policy.name + "\": path \"" + block.label + "\" expired at " +
                             block.expiration + " and is skipped");
        continue;
      }
      if (!block.templated) {
        Insert(block.pattern, block, policy_index, b);
        continue;
      }
      const std::string ns = PolicyNamespace(block);
      RenderResult rendered = RenderTemplate(block.label, options.identity, Templates(ns));
      if (!rendered.ok) {
        impl.dropped.push_back({policy_index, b, block.label, std::move(rendered.error), block.label_span});
        continue;
      }
      std::optional<parser::Pattern> pattern = parser::NormalizePattern(rendered.text, ns);
      if (!pattern) {
        std::string_view key = rendered.text;
        if (key.starts_with('/')) {
          key.remove_prefix(1);
        }
        return Unexpected(Error::Code::kInvalidArgument,
                          "error parsing templated policy \"" + policy.name + "\": path \"" + ns + std::string(key) +
                              "\": invalid use of wildcards ('+*' is forbidden)");
      }
      Insert(*pattern, block, policy_index, b);
    }
    return {};
  }
};

Rank MakeRank(const CompiledRule& rule) {
  Rank rank;
  std::string_view key = rule.key;
  if (rule.kind == PatternKind::kPrefix) {
    rank.is_prefix = true;
    rank.first_wc = static_cast<std::int32_t>(key.size());
    rank.length = static_cast<std::uint32_t>(key.size());
    rank.path = key;
    rank.packed = PackPriority(rank.first_wc, true, 0, rank.length);
    return rank;
  }
  if (rule.kind != PatternKind::kSegment) {
    return rank;
  }
  rank.first_wc = static_cast<std::int32_t>(key.find('+'));
  if (key.ends_with('*')) {
    rank.is_prefix = true;
    key.remove_suffix(1);
  }
  rank.path = key;
  rank.length = static_cast<std::uint32_t>(key.size());
  for (std::string_view part : SplitSlash(key)) {
    rank.wildcards += part == "+" ? 1 : 0;
  }
  rank.packed = PackPriority(rank.first_wc, rank.is_prefix, rank.wildcards, rank.length);
  return rank;
}

RuleChecks MakeChecks(const CompiledRule& rule) {
  RuleChecks checks;
  if (rule.allowed_parameters) {
    checks.params.allowed = ParamTable(*rule.allowed_parameters);
  }
  if (rule.denied_parameters) {
    checks.params.denied = ParamTable(*rule.denied_parameters);
  }
  for (const std::string& required : rule.required_parameters) {
    checks.params.required_lower.push_back(GoToLower(required));
  }
  checks.params.pagination_limit = rule.pagination_limit;
  checks.min_ttl_ns = rule.min_wrapping_ttl * 1000000000;
  checks.max_ttl_ns = rule.max_wrapping_ttl * 1000000000;
  return checks;
}

// The hot data of one rule, appending its checks and granting lists to `impl`.
HotRule MakeHot(const CompiledRule& rule, Acl::Impl& impl) {
  RuleChecks checks = MakeChecks(rule);
  HotRule hot;
  hot.capabilities = rule.capabilities.bits();
  hot.wrap_checks = rule.min_wrapping_ttl != 0 || rule.max_wrapping_ttl != 0;
  hot.param_checks = !checks.params.allowed.empty() || !checks.params.denied.empty() ||
                     !checks.params.required_lower.empty() ||
                     (checks.params.pagination_limit && *checks.params.pagination_limit > 0);
  if (hot.wrap_checks || hot.param_checks) {
    hot.checks = static_cast<std::uint32_t>(impl.checks.size());
    impl.checks.push_back(std::move(checks));
  }
  hot.granting = static_cast<std::uint32_t>(impl.granting_offsets.size());
  for (int c = 0; c < parser::kCapabilityCount; ++c) {
    if (rule.capabilities.Has(static_cast<Capability>(c))) {
      impl.granting_offsets.push_back(static_cast<std::uint32_t>(impl.granting_policies.size()));
      const std::vector<std::uint32_t>& list = rule.granting[static_cast<std::size_t>(c)];
      impl.granting_policies.insert(impl.granting_policies.end(), list.begin(), list.end());
    }
  }
  impl.granting_offsets.push_back(static_cast<std::uint32_t>(impl.granting_policies.size()));
  return hot;
}

void Finish(Acl::Impl& impl) {
  std::vector<std::pair<std::string_view, IndexRuleId>> exact;
  std::vector<TrieEntry> prefix;
  std::vector<TrieEntry> segment;
  impl.ranks.reserve(impl.rules.size());
  impl.hot.reserve(impl.rules.size());
  for (RuleId id = 0; id < impl.rules.size(); ++id) {
    const CompiledRule& rule = impl.rules[id];
    impl.ranks.push_back(MakeRank(rule));
    impl.hot.push_back(MakeHot(rule, impl));
    const TrieEntry entry{rule.key, id, impl.ranks.back().packed, rule.capabilities.bits()};
    switch (rule.kind) {
      case PatternKind::kExact:
        exact.emplace_back(rule.key, id);
        break;
      case PatternKind::kPrefix:
        prefix.push_back(entry);
        break;
      case PatternKind::kSegment:
        segment.push_back(entry);
        break;
    }
  }
  impl.exact.Build(exact);
  impl.trie.Build(prefix, segment);
}

}  // namespace

Expected<Acl> Acl::Build(std::span<const parser::Policy* const> policies, const AclOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dialect = options.dialect;
  const bool root = options.root || std::any_of(policies.begin(), policies.end(), [](const parser::Policy* p) {
                      return p != nullptr && p->name == "root";
                    });
  if (root) {
    if (options.dialect != Dialect::kOpenBao && !options.namespace_path.empty()) {
      return Unexpected(Error::Code::kInvalidArgument, "root policy is only allowed in root namespace");
    }
    impl->root = true;
    impl->root_namespace = options.namespace_path;
    impl->policies.push_back({"root", 0});
    if (policies.size() > (options.root ? 0u : 1u)) {
      impl->notes.push_back("the root policy is present: every other policy is discarded");
    }
    return Acl(std::move(impl));
  }
  const std::int64_t now = options.now_unix != 0 ? options.now_unix : static_cast<std::int64_t>(std::time(nullptr));
  Builder builder{options, *impl, now, {}};
  for (const parser::Policy* policy : policies) {
    if (policy == nullptr) {
      continue;
    }
    const auto index = static_cast<std::uint32_t>(impl->policies.size());
    impl->policies.push_back({policy->name, policy->file});
    if (Expected<void> added = builder.AddPolicy(*policy, index); !added) {
      return Unexpected(added.error());
    }
  }
  Finish(*impl);
  return Acl(std::move(impl));
}

}  // namespace polcheck::evaluator
