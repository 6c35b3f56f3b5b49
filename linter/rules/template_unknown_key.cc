#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "template-unknown-key",
    .category = Category::kTemplating,
    .default_severity = Severity::kError,
    .summary = "a {{...}} selector Vault cannot resolve in an ACL path: the block is silently dropped",
};

class TemplateUnknownKeyRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      if (!rule.templated) {
        continue;
      }
      for (const Placeholder& p : Placeholders(rule.label)) {
        const Selector s = ParseSelector(p.selector);
        if (s.source != SelectorSource::kInvalid && s.source != SelectorSource::kUnusable) {
          continue;
        }
        report.At(rule.label_span,
                  "{{{{{}}}}} in \"{}\" cannot be resolved: {}; Vault accepts the policy but drops this path "
                  "block for every token",
                  p.selector, rule.label, s.problem);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeTemplateUnknownKeyRule() { return std::make_unique<TemplateUnknownKeyRule>(); }

}  // namespace polcheck::linter
