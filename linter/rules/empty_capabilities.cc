#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "empty-capabilities",
    .category = Category::kValidity,
    .default_severity = Severity::kWarning,
    .summary = "a path block grants no capability at all",
};

using parser::ast::Node;

class EmptyCapabilitiesRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      if (!rule.capabilities.empty() || FindAttribute(file, rule, "policy") != nullptr) {
        continue;
      }
      const parser::ast::Item* caps = FindAttribute(file, rule, "capabilities");
      if (caps == nullptr) {
        report.At(rule.label_span,
                  "path \"{}\" has no capabilities: it grants nothing, yet as the most specific match it "
                  "refuses every request to its paths; add capabilities, or write [\"deny\"] if that is the intent",
                  rule.label);
        continue;
      }
      if (caps->value.kind == Node::Kind::kList && caps->value.elements.empty()) {
        report.At(caps->span,
                  "capabilities = [] on \"{}\" grants nothing, yet as the most specific match it refuses every "
                  "request to its paths; list capabilities, or write [\"deny\"] if that is the intent",
                  rule.label);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeEmptyCapabilitiesRule() { return std::make_unique<EmptyCapabilitiesRule>(); }

}  // namespace polcheck::linter
