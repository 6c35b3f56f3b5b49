#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "param-star-nonempty",
    .category = Category::kValidity,
    .default_severity = Severity::kError,
    .summary = "the \"*\" parameter key lists values, which Vault ignores",
};

using parser::ast::Node;

class ParamStarNonemptyRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      for (std::string_view map : {"allowed_parameters", "denied_parameters"}) {
        const parser::ast::Item* attr = FindAttribute(file, rule, map);
        if (attr == nullptr || attr->value.kind != Node::Kind::kObject) {
          continue;
        }
        for (const parser::ast::Item& entry : attr->value.items) {
          if (entry.keys.empty() || entry.keys.front().value != "*" || entry.value.kind != Node::Kind::kList ||
              entry.value.elements.empty()) {
            continue;
          }
          Finding& f = report.At(entry.span, "{}", Message(map, rule.label));
          f.fix = Fix{"write \"*\" = []", {Edit{entry.value.span, "[]"}}};
        }
      }
    }
  }

 private:
  // §6.1 c/e/f, §6.4: the value list of "*" is never consulted.
  static std::string Message(std::string_view map, const std::string& label) {
    if (map == "allowed_parameters") {
      return fmt::format("the values listed for \"*\" in allowed_parameters of \"{}\" are ignored: \"*\" allows "
                         "every parameter with any value; write \"*\" = [] and list restricted names separately",
                         label);
    }
    return fmt::format("the values listed for \"*\" in denied_parameters of \"{}\" are ignored: \"*\" refuses every "
                       "request that carries any parameter; deny the specific names instead",
                       label);
  }
};

}  // namespace

std::unique_ptr<Rule> MakeParamStarNonemptyRule() { return std::make_unique<ParamStarNonemptyRule>(); }

}  // namespace polcheck::linter
