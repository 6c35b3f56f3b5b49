#include <fmt/format.h>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "deny-with-other-caps",
    .category = Category::kValidity,
    .default_severity = Severity::kWarning,
    .summary = "'deny' is listed with other capabilities, which it discards",
};

using parser::ast::Node;

// The capability names in a `capabilities = [...]` list other than "deny",
// and whether "deny" is among them.
struct CapabilityListText {
  bool has_deny = false;
  std::vector<std::string> others;
};

CapabilityListText ReadList(const Node& list) {
  CapabilityListText out;
  for (const Node& element : list.elements) {
    if (element.kind != Node::Kind::kLiteral) {
      continue;
    }
    if (element.value == "deny") {
      out.has_deny = true;
    } else {
      out.others.push_back(element.value);
    }
  }
  return out;
}

class DenyWithOtherCapsRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      const parser::ast::Item* caps = FindAttribute(file, rule, "capabilities");
      if (caps == nullptr || caps->value.kind != Node::Kind::kList) {
        continue;
      }
      const CapabilityListText list = ReadList(caps->value);
      const parser::ast::Item* policy = FindAttribute(file, rule, "policy");
      const bool policy_deny = policy != nullptr && policy->value.value == "deny";
      if (list.others.empty() || !(list.has_deny || policy_deny)) {
        continue;
      }
      Finding& f = report.At(caps->span,
                             "\"{}\" is denied: 'deny' discards the other capabilities listed ({}); remove them, "
                             "or remove 'deny' if the path should be granted",
                             rule.label, fmt::join(list.others, ", "));
      if (list.has_deny && policy == nullptr) {
        f.fix = Fix{"keep only \"deny\"", {Edit{caps->value.span, "[\"deny\"]"}}};
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeDenyWithOtherCapsRule() { return std::make_unique<DenyWithOtherCapsRule>(); }

}  // namespace polcheck::linter
