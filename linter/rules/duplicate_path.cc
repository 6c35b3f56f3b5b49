#include <map>
#include <utility>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "duplicate-path",
    .category = Category::kHygiene,
    .default_severity = Severity::kWarning,
    .summary = "the same path pattern appears in two blocks of one policy, which Vault merges silently",
};

class DuplicatePathRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    // Vault merges blocks that land on the same key of the same store (§3.1, §4).
    std::map<std::pair<parser::PatternKind, std::string>, const parser::PathRule*> first;
    for (const parser::PathRule& rule : file.policy.rules) {
      auto [it, inserted] = first.try_emplace({rule.pattern.kind, rule.pattern.key}, &rule);
      if (inserted) {
        continue;
      }
      const parser::PathRule& earlier = *it->second;
      Finding& f = report.At(rule.label_span,
                             "path \"{}\" is already defined (as \"{}\"): Vault merges both blocks (a 'deny' in "
                             "either wins, parameter limits pool); keep one block",
                             rule.label, earlier.label);
      f.related.push_back({earlier.label_span, "first defined here"});
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeDuplicatePathRule() { return std::make_unique<DuplicatePathRule>(); }

}  // namespace polcheck::linter
