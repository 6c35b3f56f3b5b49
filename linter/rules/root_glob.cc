#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "root-glob",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "a path such as \"*\" or \"+/*\" grants on every mount, sys/ included",
    .security_severity = "9.1",
};

class RootGlobRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    static const parser::Pattern kSys = MakePattern("sys/*");
    for (const parser::PathRule& rule : file.policy.rules) {
      if (rule.templated || rule.capabilities.empty() || rule.capabilities.is_deny() || !IsGlob(rule) ||
          !LiteralPrefix(rule.pattern).empty() || !CommonPath(rule.pattern, kSys)) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}\" grants [{}] on every mount, including sys/ and auth/ (e.g. \"{}\"); name the mounts "
                "this policy needs",
                rule.label, fmt::join(rule.capabilities.SortedNames(), ", "), *CommonPath(rule.pattern, kSys));
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeRootGlobRule() { return std::make_unique<RootGlobRule>(); }

}  // namespace polcheck::linter
