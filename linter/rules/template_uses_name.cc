#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "template-uses-name",
    .category = Category::kTemplating,
    .default_severity = Severity::kWarning,
    .summary = "a templated path uses an entity or group name, which can be renamed or reused; prefer IDs",
};

// What makes the selector name-based, or "" when it is not.
std::string_view NameUse(const Selector& s) {
  switch (s.source) {
    case SelectorSource::kEntityName:
      return "the entity name";
    case SelectorSource::kGroupName:
      return "a group name";
    case SelectorSource::kGroupId:
    case SelectorSource::kGroupMetadata:
      return s.group_by_name ? "a group looked up by name" : "";
    case SelectorSource::kInvalid:
    case SelectorSource::kUnusable:
    case SelectorSource::kEntityId:
    case SelectorSource::kEntityMetadata:
    case SelectorSource::kAliasId:
    case SelectorSource::kAliasName:
    case SelectorSource::kAliasMetadata:
    case SelectorSource::kAliasCustomMetadata:
    case SelectorSource::kTime:
      return "";
  }
  return "";
}

class TemplateUsesNameRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      // The default policy's self-lookup: the name resolves the entity to itself.
      if (!rule.templated || rule.pattern.key == "identity/entity/name/{{identity.entity.name}}") {
        continue;
      }
      for (const Placeholder& p : Placeholders(rule.label)) {
        const std::string_view use = NameUse(ParseSelector(p.selector));
        if (use.empty()) {
          continue;
        }
        report.At(rule.label_span,
                  "{{{{{}}}}} in \"{}\" uses {}: names can be changed and reused, so a later entity or group "
                  "with that name inherits this access; use the .id selector instead",
                  p.selector, rule.label, use);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeTemplateUsesNameRule() { return std::make_unique<TemplateUsesNameRule>(); }

}  // namespace polcheck::linter
