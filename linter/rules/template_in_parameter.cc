#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "template-in-parameter",
    .category = Category::kTemplating,
    .default_severity = Severity::kError,
    .summary = "a {{...}} placeholder outside a path label is literal text: only path labels are templated",
};

using parser::ast::Node;

void CheckNode(const Node& node, std::string_view where, const std::string& label, Reporter& report) {
  switch (node.kind) {
    case Node::Kind::kLiteral:
      if (node.value.find("{{") != std::string::npos && node.value.find("}}") != std::string::npos) {
        report.At(node.span,
                  "\"{}\" in {} of \"{}\" is compared literally: Vault renders {{{{...}}}} only in path labels, "
                  "so this value matches only the text with the braces",
                  node.value, where, label);
      }
      return;
    case Node::Kind::kList:
      for (const Node& element : node.elements) {
        CheckNode(element, where, label, report);
      }
      return;
    case Node::Kind::kObject:
      for (const parser::ast::Item& item : node.items) {
        CheckNode(item.value, where, label, report);
      }
      return;
  }
}

class TemplateInParameterRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      for (std::string_view key : {"allowed_parameters", "denied_parameters", "required_parameters"}) {
        if (const parser::ast::Item* attr = FindAttribute(file, rule, key)) {
          CheckNode(attr->value, key, rule.label, report);
        }
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeTemplateInParameterRule() { return std::make_unique<TemplateInParameterRule>(); }

}  // namespace polcheck::linter
