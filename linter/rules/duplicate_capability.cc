#include <set>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "duplicate-capability",
    .category = Category::kHygiene,
    .default_severity = Severity::kSuggestion,
    .summary = "a capability is listed twice in one capabilities list",
};

using parser::ast::Node;

class DuplicateCapabilityRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    const std::string& text = ctx.sources.file(file.file).text();
    for (const parser::PathRule& rule : file.policy.rules) {
      const parser::ast::Item* caps = FindAttribute(file, rule, "capabilities");
      if (caps == nullptr || caps->value.kind != Node::Kind::kList) {
        continue;
      }
      std::set<std::string> seen;
      const parser::ast::Seq<Node> elements = caps->value.elements;
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (elements[i].kind != Node::Kind::kLiteral || seen.insert(elements[i].value).second) {
          continue;
        }
        Finding& f = report.At(elements[i].span, "\"{}\" is listed twice in the capabilities of \"{}\"",
                               elements[i].value, rule.label);
        // Remove ", <dup>" when nothing but separators lies between the two.
        const Span gap{file.file, elements[i - 1].span.end, elements[i].span.end};
        const std::string_view between(text.data() + gap.begin, elements[i].span.begin - gap.begin);
        if (between.find_first_not_of(", \t\r\n") == std::string_view::npos) {
          f.fix = Fix{"remove the repeated capability", {Edit{gap, ""}}};
        }
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeDuplicateCapabilityRule() { return std::make_unique<DuplicateCapabilityRule>(); }

}  // namespace polcheck::linter
