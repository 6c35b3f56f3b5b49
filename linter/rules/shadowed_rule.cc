#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using evaluator::Acl;
using evaluator::CompiledRule;
using evaluator::RuleId;
using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "shadowed-rule",
    .category = Category::kPrecedence,
    .default_severity = Severity::kWarning,
    .summary = "a block is never the deciding rule: a higher-priority pattern matches every path it matches",
};

class ShadowedRuleRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void CheckSet(const LintContext& ctx, Reporter& report) const override {
    const std::shared_ptr<const SetAcl> set = WholeSetAcl(ctx);
    if (!set) {
      return;
    }
    const Acl& acl = set->acl;
    std::optional<RuleIndex> index;
    for (RuleId id = 0; id < acl.rule_count(); ++id) {
      const CompiledRule& rule = acl.rule(id);
      // Deny rules are ineffective-deny's; an empty grant refuses anyway.
      if (rule.kind == parser::PatternKind::kExact || rule.capabilities.is_deny() || rule.capabilities.empty()) {
        continue;
      }
      if (!index) {
        index.emplace(acl);
      }
      const std::vector<RuleId> winners = Dominators(acl, *index, id, [](const CompiledRule&) { return true; });
      if (!winners.empty()) {
        Report(ctx, acl, id, winners, report);
      }
    }
  }

 private:
  static void Report(const LintContext& ctx, const Acl& acl, RuleId id, const std::vector<RuleId>& winners,
                     Reporter& report) {
    const CompiledRule& rule = acl.rule(id);
    const parser::Pattern p = PatternOf(rule);
    const std::optional<std::string> sample = CommonCanonicalPath(p, p);
    if (!sample) {
      return;
    }
    const evaluator::Result r = acl.Check({.path = *sample, .operation = evaluator::Operation::kRead});
    if (r.rule == evaluator::kNoRule || r.rule == id) {
      return;  // the evaluator must agree on the sample
    }
    // Vault's pooled LIST lookup may still pick this block as the best list granter (§3.3).
    bool list_caveat = acl.dialect() == Dialect::kVault && rule.capabilities.Has(Capability::kList);
    for (RuleId w : winners) {
      const parser::CapabilitySet caps = acl.rule(w).capabilities;
      list_caveat = list_caveat && !caps.Has(Capability::kList) && !caps.is_deny();
    }
    for (const evaluator::RuleSource& source : rule.sources) {
      if (source.ignored || source.capabilities.empty()) {
        continue;
      }
      // The winner nearest to this block: same policy, same directory, else any.
      const evaluator::RuleSource* ws = nullptr;
      RuleId w = evaluator::kNoRule;
      for (RuleId candidate : winners) {
        const evaluator::RuleSource* s = NearestSource(ctx, acl.rule(candidate), source);
        if (s != nullptr && (ws == nullptr || Distance(ctx, *s, source) < Distance(ctx, *ws, source))) {
          ws = s;
          w = candidate;
        }
      }
      if (ws == nullptr) {
        continue;
      }
      const CompiledRule& winner = acl.rule(w);
      const std::string what = winner.capabilities.is_deny()
                                   ? std::string("deny")
                                   : fmt::format("[{}]", fmt::join(winner.capabilities.SortedNames(), ", "));
      const LineCol at = ctx.sources.file(ws->label_span.file).Locate(ws->label_span.begin);
      Finding& f = report.At(
          source.label_span,
          "\"{}\" never decides a request{}: \"{}\" (policy '{}', line {}) matches every path it matches and outranks "
          "it because {}, so its {} applies instead (e.g. read \"{}\" is decided by \"{}\"); this block's [{}] are dead",
          source.label, list_caveat ? " other than LIST" : "", ws->label, acl.policy_name(ws->policy), at.line,
          OutrankReason(PatternOf(winner), p), what, *sample, acl.rule(r.rule).pattern(),
          fmt::join(source.capabilities.SortedNames(), ", "));
      f.related.push_back({ws->label_span, "this pattern wins"});
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeShadowedRuleRule() { return std::make_unique<ShadowedRuleRule>(); }

}  // namespace polcheck::linter
