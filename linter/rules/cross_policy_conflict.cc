#include <array>
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
      std::vector<const RuleSource*> grants;
      std::set<std::uint32_t> policies;
      for (const RuleSource& s : rule.sources) {
        if (Grants(s)) {
          grants.push_back(&s);
          policies.insert(s.policy);
        }
      }
      if (grants.empty()) {
        continue;
      }
      for (const RuleSource& deny : rule.sources) {
        if (deny.capabilities.is_deny()) {
          Report(ctx, acl, rule, deny, grants, policies, report);
        }
      }
    }
  }

 private:
  // Reports the grants `deny` discards: those of other policies, or when there
  // are none, those of its own policy; the nearest ones are named.
  static void Report(const LintContext& ctx, const evaluator::Acl& acl, const CompiledRule& rule,
                     const RuleSource& deny, const std::vector<const RuleSource*>& grants,
                     const std::set<std::uint32_t>& policies, Reporter& report) {
    const bool same = policies.size() == 1 && *policies.begin() == deny.policy;
    std::size_t discarded = 0;
    std::array<std::vector<const RuleSource*>, 3> nearest;  // by Distance, up to kMaxRelated each
    for (const RuleSource* g : grants) {
      if ((g->policy == deny.policy) != same) {
        continue;
      }
      ++discarded;
      std::vector<const RuleSource*>& bucket = nearest[static_cast<std::size_t>(Distance(ctx, *g, deny))];
      if (bucket.size() < kMaxRelated) {
        bucket.push_back(g);
      }
    }
    std::vector<const RuleSource*> named;
    for (const std::vector<const RuleSource*>& bucket : nearest) {
      for (const RuleSource* g : bucket) {
        if (named.size() < kMaxRelated) {
          named.push_back(g);
        }
      }
    }
    if (named.empty()) {
      return;
    }
    const RuleSource& first = *named.front();
    const std::size_t other_policies = policies.size() - (same || policies.count(deny.policy) == 0 ? 0 : 1);
    const LineCol at = ctx.sources.file(first.label_span.file).Locate(first.label_span.begin);
    const std::string more =
        discarded == 1 ? std::string()
                       : fmt::format(" and {} more ({} grants in {} policies in all)", discarded - 1, discarded,
                                     same ? std::size_t{1} : other_policies);
    Finding& f = report.At(
        deny.label_span,
        "this deny discards the grant of \"{}\" in {} (\"{}\" [{}], line {}){}: Vault merges blocks of the same path "
        "and a deny wins, so {} is denied \"{}\" whatever the grants say",
        rule.pattern(), same ? std::string("this policy") : fmt::format("policy '{}'", acl.policy_name(first.policy)),
        first.label, fmt::join(first.capabilities.SortedNames(), ", "), at.line, more,
        same ? "every token holding this policy" : "a token holding both", rule.pattern());
    for (const RuleSource* g : named) {
      f.related.push_back({g->label_span, fmt::format("grant discarded (policy '{}')", acl.policy_name(g->policy))});
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeCrossPolicyConflictRule() { return std::make_unique<CrossPolicyConflictRule>(); }

}  // namespace polcheck::linter
