// The rules about suppression comments themselves. Their findings are made by
// linter/suppressions.cc after every other rule ran; they are in the catalog
// so they have docs, levels and SARIF entries like any rule.
#include "linter/linter.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInvalid = {
    .id = "invalid-suppression",
    .category = Category::kHygiene,
    .default_severity = Severity::kWarning,
    .summary = "a polcheck:ignore comment names no or an unknown rule, or gives no reason",
};

constexpr RuleInfo kUnused = {
    .id = "unused-suppression",
    .category = Category::kHygiene,
    .default_severity = Severity::kWarning,
    .summary = "a polcheck:ignore comment suppresses nothing",
};

class SuppressionRule final : public Rule {
 public:
  explicit SuppressionRule(const RuleInfo& info) : info_(info) {}
  const RuleInfo& info() const override { return info_; }

 private:
  const RuleInfo& info_;
};

}  // namespace

std::unique_ptr<Rule> MakeInvalidSuppressionRule() { return std::make_unique<SuppressionRule>(kInvalid); }
std::unique_ptr<Rule> MakeUnusedSuppressionRule() { return std::make_unique<SuppressionRule>(kUnused); }

}  // namespace polcheck::linter
