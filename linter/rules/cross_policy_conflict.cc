#include <set>

#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using evaluator::CompiledRule;
using evaluator::RuleSource;

constexpr RuleInfo kInfo = {
    .id = "cross-policy-conflict",
    .category = Category::kPrecedence,
    .default_severity = Severity::kWarning,
    .summary = "a deny discards a grant of the same path in another block (typically another policy)",
};

constexpr std::size_t kMaxRelated = 3;

bool Grants(const RuleSource& s) { return !s.capabilities.is_deny() && !s.capabilities.empty(); }

// The grants a deny block discards: those of other policies, or when there are
// none, those of its own policy.
std::vector<const RuleSource*> Discarded(const CompiledRule& rule, const RuleSource& deny) {
  std::vector<const RuleSource*> other, same;
  for (const RuleSource& s : rule.sources) {
    if (Grants(s)) {
      (s.policy == deny.policy ? same : other).push_back(&s);
    }
  }
  return other.empty() ? same : other;
}

class CrossPolicyConflictRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void CheckSet(const LintContext& ctx, Reporter& report) const override {
    const std::shared_ptr<const SetAcl> set = WholeSetAcl(ctx);
    if (!set) {
      return;
    }
    const evaluator::Acl& acl = set->acl;
    for (evaluator::RuleId id = 0; id < acl.rule_count(); ++id) {
      const CompiledRule& rule = acl.rule(id);
      if (!rule.capabilities.is_deny() || rule.sources.size() < 2) {
        continue;
      }
      for (const RuleSource& deny : rule.sources) {
        if (deny.capabilities.is_deny()) {
          Report(ctx, acl, rule, deny, report);
        }
      }
    }
  }

 private:
  static void Report(const LintContext& ctx, const evaluator::Acl& acl, const CompiledRule& rule,
                     const RuleSource& deny, Reporter& report) {
    const std::vector<const RuleSource*> grants = Discarded(rule, deny);
    if (grants.empty()) {
      return;
    }
    const RuleSource& first = *grants.front();
    const bool same = first.policy == deny.policy;
    std::set<std::string_view> policies;
    for (const RuleSource* g : grants) {
      policies.insert(acl.policy_name(g->policy));
    }
    const LineCol at = ctx.sources.file(first.label_span.file).Locate(first.label_span.begin);
    const std::string more =
        grants.size() == 1 ? std::string()
                           : fmt::format(" and {} more block(s) in {} policies", grants.size() - 1, policies.size());
    Finding& f = report.At(
        deny.label_span,
        "this deny discards the grant of \"{}\" in {} (\"{}\" [{}], line {}){}: Vault merges blocks of the same path "
        "and a deny wins, so {} is denied \"{}\" whatever the grants say",
        rule.pattern(), same ? std::string("this policy") : fmt::format("policy '{}'", acl.policy_name(first.policy)),
        first.label, fmt::join(first.capabilities.SortedNames(), ", "), at.line, more,
        same ? "every token holding this policy" : "a token holding both", rule.pattern());
    for (std::size_t i = 0; i < grants.size() && i < kMaxRelated; ++i) {
      f.related.push_back({grants[i]->label_span, fmt::format("grant discarded (policy '{}')",
                                                              acl.policy_name(grants[i]->policy))});
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeCrossPolicyConflictRule() { return std::make_unique<CrossPolicyConflictRule>(); }

}  // namespace polcheck::linter
