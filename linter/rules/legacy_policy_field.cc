#include <fmt/format.h>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "legacy-policy-field",
    .category = Category::kHygiene,
    .default_severity = Severity::kWarning,
    .summary = "the legacy `policy = \"...\"` shorthand hides which capabilities are granted",
};

std::string CapabilityList(const parser::PathRule& rule) {
  std::string out;
  for (std::string_view c : rule.capabilities.SortedNames()) {
    out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", c);
  }
  return "[" + out + "]";
}

class LegacyPolicyFieldRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      const parser::ast::Item* policy = FindAttribute(file, rule, "policy");
      if (policy == nullptr) {
        continue;
      }
      const std::string caps = CapabilityList(rule);
      Finding& f = report.At(policy->span, "legacy policy = \"{}\" grants {}; write the capabilities explicitly",
                             policy->value.value, caps);
      // Safe to rewrite only when `policy` is the only source of capabilities.
      if (FindAttribute(file, rule, "capabilities") == nullptr) {
        f.fix = Fix{fmt::format("replace with capabilities = {}", caps),
                    {Edit{policy->span, fmt::format("capabilities = {}", caps)}}};
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeLegacyPolicyFieldRule() { return std::make_unique<LegacyPolicyFieldRule>(); }

}  // namespace polcheck::linter
