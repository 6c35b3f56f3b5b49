#include "linter/linter.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "leading-slash",
    .category = Category::kHygiene,
    .default_severity = Severity::kSuggestion,
    .summary = "a path starts with '/', which Vault strips",
};

class LeadingSlashRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    const std::string& text = ctx.sources.file(file.file).text();
    for (const parser::PathRule& rule : file.policy.rules) {
      if (rule.label.empty() || rule.label.front() != '/') {
        continue;
      }
      Finding& f = report.At(rule.label_span, "path \"{}\" starts with '/': Vault strips it and stores \"{}\"",
                             rule.label, rule.label.substr(1));
      // The label token is "/...": delete the slash right after the opening quote.
      const Span label = rule.label_span;
      if (label.size() >= 2 && text[label.begin] == '"' && text[label.begin + 1] == '/') {
        f.fix = Fix{"remove the leading '/'", {Edit{Span{label.file, label.begin + 1, label.begin + 2}, ""}}};
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeLeadingSlashRule() { return std::make_unique<LeadingSlashRule>(); }

}  // namespace polcheck::linter
