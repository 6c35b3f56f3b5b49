#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "sudo-on-glob",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "sudo is granted on a path that ends in a glob or has a '+' segment",
    .security_severity = "8.1",
};

class SudoOnGlobRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      if (rule.capabilities.Has(parser::Capability::kSudo) && IsGlob(rule)) {
        report.At(rule.label_span, "'sudo' granted on glob path \"{}\": every root-protected endpoint below it is "
                                   "open to this policy",
                  rule.label);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeSudoOnGlobRule() { return std::make_unique<SudoOnGlobRule>(); }

}  // namespace polcheck::linter
