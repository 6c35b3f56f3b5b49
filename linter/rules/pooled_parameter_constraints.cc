#include <algorithm>
#include <map>

#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using evaluator::Acl;
using evaluator::CompiledRule;
using evaluator::Operation;
using evaluator::RuleSource;
using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "pooled-parameter-constraints",
    .category = Category::kPrecedence,
    .default_severity = Severity::kWarning,
    .summary = "parameter or wrapping constraints of one policy restrict what another policy grants at the same path",
};

// Operations whose parameters Vault checks (§6.1 step 2), with their capability.
constexpr std::pair<Capability, Operation> kParamOps[] = {
    {Capability::kCreate, Operation::kCreate},
    {Capability::kUpdate, Operation::kUpdate},
    {Capability::kPatch, Operation::kPatch},
    {Capability::kRead, Operation::kRead},
};
// Operations a wrapping bound applies to (all do; LIST is left out because its
// path form differs), with their capability.
constexpr std::pair<Capability, Operation> kAllOps[] = {
    {Capability::kCreate, Operation::kCreate}, {Capability::kUpdate, Operation::kUpdate},
    {Capability::kPatch, Operation::kPatch},   {Capability::kRead, Operation::kRead},
    {Capability::kDelete, Operation::kDelete},
};

// A request that the constraints of `limit` refuse, for an operation `grant` allows.
struct Probe {
  Operation operation = Operation::kRead;
  evaluator::Params params;
  std::string what;  // which constraint of `limit`: "required_parameters [\"x\"]"
};

std::optional<Operation> FirstOp(const RuleSource& grant, std::span<const std::pair<Capability, Operation>> ops) {
  for (const auto& [cap, op] : ops) {
    if (grant.capabilities.Has(cap)) {
      return op;
    }
  }
  return std::nullopt;
}

// A parameter name the map does not mention.
std::string FreshName(const parser::ParameterMap& map) {
  std::string name = "example";
  while (map.count(name) != 0) {
    name += "_";
  }
  return name;
}

std::optional<Probe> MakeProbe(const parser::PathRule& limit, const RuleSource& grant) {
  if (limit.min_wrapping_ttl > 0 || limit.max_wrapping_ttl > 0) {
    if (std::optional<Operation> op = FirstOp(grant, kAllOps)) {
      return Probe{*op, {}, limit.min_wrapping_ttl > 0 ? "min_wrapping_ttl" : "max_wrapping_ttl"};
    }
  }
  const std::optional<Operation> op = FirstOp(grant, kParamOps);
  if (!op) {
    return std::nullopt;
  }
  if (!limit.required_parameters.empty()) {
    return Probe{*op, {}, fmt::format("required_parameters [\"{}\"]", fmt::join(limit.required_parameters, "\", \""))};
  }
  if (limit.allowed_parameters && !limit.allowed_parameters->empty() && limit.allowed_parameters->count("*") == 0) {
    Probe p{*op, {}, "allowed_parameters"};
    p.params.emplace(FreshName(*limit.allowed_parameters), parser::Value::String("x"));
    return p;
  }
  if (limit.denied_parameters && !limit.denied_parameters->empty()) {
    const auto& [name, values] = *limit.denied_parameters->begin();
    Probe p{*op, {}, "denied_parameters"};
    if (name == "*") {
      p.params.emplace(FreshName(*limit.denied_parameters), parser::Value::String("x"));
    } else {
      p.params.emplace(name, values.empty() ? parser::Value::String("x") : values.front());
    }
    return p;
  }
  return std::nullopt;
}

std::string Data(const evaluator::Params& params) {
  if (params.empty()) {
    return "no data";
  }
  std::string out = "data {";
  for (const auto& [name, value] : params) {
    out += fmt::format("{}\"{}\": {}", out.size() > 6 ? ", " : "", name, value.ToString());
  }
  return out + "}";
}

constexpr std::uint32_t kNoBlock = 0xFFFFFFFFu;
// Acls of one policy alone, keyed by (policy, block left out or kNoBlock).
using AloneCache = std::map<std::pair<std::uint32_t, std::uint32_t>, std::optional<Acl>>;

class PooledParameterConstraintsRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void CheckSet(const LintContext& ctx, Reporter& report) const override {
    const std::shared_ptr<const SetAcl> set = WholeSetAcl(ctx);
    if (!set) {
      return;
    }
    AloneCache alone;
    for (evaluator::RuleId id = 0; id < set->acl.rule_count(); ++id) {
      const CompiledRule& rule = set->acl.rule(id);
      if (rule.capabilities.is_deny() || !HasConstraints(ctx, rule)) {
        continue;
      }
      CheckKey(ctx, set->acl, id, alone, report);
    }
  }

 private:
  static const parser::PathRule& Block(const LintContext& ctx, const RuleSource& s) {
    return ctx.files[s.policy].policy.rules[s.block];
  }

  static bool Constrained(const parser::PathRule& b) {
    return b.min_wrapping_ttl > 0 || b.max_wrapping_ttl > 0 || !b.required_parameters.empty() ||
           (b.allowed_parameters && !b.allowed_parameters->empty()) ||
           (b.denied_parameters && !b.denied_parameters->empty());
  }

  static bool HasConstraints(const LintContext& ctx, const CompiledRule& rule) {
    if (rule.sources.size() < 2) {
      return false;
    }
    for (const RuleSource& s : rule.sources) {
      if (!s.ignored && Constrained(Block(ctx, s))) {
        return true;
      }
    }
    return false;
  }

  static void CheckKey(const LintContext& ctx, const Acl& acl, evaluator::RuleId id,
                       AloneCache& alone, Reporter& report) {
    const CompiledRule& rule = acl.rule(id);
    const parser::Pattern p = PatternOf(rule);
    const std::optional<std::string> path =
        p.kind == parser::PatternKind::kExact ? std::optional<std::string>(p.key) : CommonCanonicalPath(p, p);
    if (!path) {
      return;
    }
    for (const RuleSource& grant : rule.sources) {
      if (grant.ignored || grant.capabilities.empty()) {
        continue;
      }
      // Constraining blocks, nearest first: same policy, same directory, elsewhere.
      std::vector<std::pair<int, const RuleSource*>> limits;
      for (const RuleSource& limit : rule.sources) {
        if (!limit.ignored && !(limit.policy == grant.policy && limit.block == grant.block) &&
            Constrained(Block(ctx, limit))) {
          limits.emplace_back(Distance(ctx, limit, grant), &limit);
        }
      }
      std::stable_sort(limits.begin(), limits.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [distance, limit] : limits) {
        if (Broken(ctx, acl, id, *path, grant, *limit, alone, report)) {
          break;
        }
      }
    }
  }

  // Reports when the merged Acl refuses a probe that `grant`'s policy alone allows.
  static bool Broken(const LintContext& ctx, const Acl& acl, evaluator::RuleId id, const std::string& path,
                     const RuleSource& grant, const RuleSource& limit,
                     AloneCache& alone, Reporter& report) {
    const std::optional<Probe> probe = MakeProbe(Block(ctx, limit), grant);
    if (!probe) {
      return false;
    }
    const evaluator::Request request{.path = path, .operation = probe->operation, .params = &probe->params};
    const evaluator::Result merged = acl.Check(request);
    if (merged.allowed || merged.rule != id || merged.reason == evaluator::Reason::kCapabilityNotGranted) {
      return false;
    }
    const Acl* own = Alone(ctx, grant, limit, alone);
    if (own == nullptr || !own->Check(request).allowed) {
      return false;
    }
    const LineCol at = ctx.sources.file(limit.label_span.file).Locate(limit.label_span.begin);
    const bool same = limit.policy == grant.policy;
    Finding& f = report.At(
        grant.label_span,
        "this block grants [{}] on \"{}\", but {} sets {} on the same path (\"{}\", line {}) and Vault pools "
        "constraints per path: {} \"{}\" with {} is refused ({}), although {} allows it",
        fmt::join(grant.capabilities.SortedNames(), ", "), grant.label,
        same ? std::string("another block of this policy") : fmt::format("policy '{}'", acl.policy_name(limit.policy)),
        probe->what, limit.label, at.line, evaluator::OperationName(probe->operation), path, Data(probe->params),
        evaluator::ReasonText(merged.reason),
        same ? std::string("this block alone") : fmt::format("policy '{}' alone", acl.policy_name(grant.policy)));
    f.related.push_back({limit.label_span, "the constraint that applies to both"});
    return true;
  }

  // The grant's policy on its own, without the limiting block when that is in the same policy.
  static const Acl* Alone(const LintContext& ctx, const RuleSource& grant, const RuleSource& limit,
                          AloneCache& alone) {
    const std::uint32_t dropped = limit.policy == grant.policy ? limit.block : kNoBlock;
    auto [it, inserted] = alone.try_emplace({grant.policy, dropped});
    if (!inserted) {
      return it->second ? &*it->second : nullptr;
    }
    parser::Policy own = ctx.files[grant.policy].policy;
    if (dropped != kNoBlock) {
      own.rules.erase(own.rules.begin() + dropped);
    }
    const parser::Policy* policies[] = {&own};
    if (Expected<Acl> built = Acl::Build(policies, {.dialect = ctx.dialect})) {
      it->second.emplace(*std::move(built));
    }
    return it->second ? &*it->second : nullptr;
  }
};

}  // namespace

std::unique_ptr<Rule> MakePooledParameterConstraintsRule() {
  return std::make_unique<PooledParameterConstraintsRule>();
}

}  // namespace polcheck::linter
