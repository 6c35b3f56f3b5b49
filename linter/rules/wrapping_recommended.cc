#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "wrapping-recommended",
    .category = Category::kPrivilege,
    .default_severity = Severity::kSuggestion,
    .summary = "an endpoint that mints login credentials (AppRole secret-id) is granted without wrapping TTLs",
};

constexpr Target kTargets[] = {
    {"auth/{{mount}}/role/{{role}}/secret-id", "AppRole secret IDs"},
    {"auth/{{mount}}/role/{{role}}/custom-secret-id", "AppRole custom secret IDs"},
};

class WrappingRecommendedRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      // Broad admin globs ("auth/*") are not credential issuers by intent.
      if (!GrantsAny(rule, {Capability::kUpdate}) || rule.min_wrapping_ttl != 0 || rule.max_wrapping_ttl != 0 ||
          rule.pattern.key.find("/role/") == std::string::npos) {
        continue;
      }
      const std::optional<TargetHit> hit = FirstTarget(rule, kTargets);
      if (!hit) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}\" mints {} (e.g. \"{}\") without min_wrapping_ttl/max_wrapping_ttl: the credential is "
                "returned in clear; set max_wrapping_ttl (e.g. \"300s\") so it is only handed out wrapped",
                rule.label, hit->target->what, hit->path);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeWrappingRecommendedRule() { return std::make_unique<WrappingRecommendedRule>(); }

}  // namespace polcheck::linter
