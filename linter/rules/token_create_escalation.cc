#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "token-create-escalation",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "sudo on auth/token/create* lets the holder mint tokens with any policy, or orphan tokens",
    .security_severity = "8.8",
};

// With sudo the token store skips the "child policies must be a subset of the
// parent's" check and allows orphan and periodic tokens (§5).
constexpr Target kTargets[] = {
    {"auth/token/create", "token creation"},
    {"auth/token/create-orphan", "orphan token creation"},
    {"auth/token/create/{{role}}", "token creation against a role"},
};

class TokenCreateEscalationRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      if (!rule.capabilities.Has(Capability::kSudo) || !GrantsAny(rule, {Capability::kCreate, Capability::kUpdate})) {
        continue;
      }
      const std::optional<TargetHit> hit = FirstTarget(rule, kTargets);
      if (!hit) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}\" grants sudo on {} (e.g. \"{}\"): with sudo a holder can create tokens carrying any policy "
                "(not just a subset of its own) and orphan tokens that outlive it; drop sudo or use token roles",
                rule.label, hit->target->what, hit->path);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeTokenCreateEscalationRule() { return std::make_unique<TokenCreateEscalationRule>(); }

}  // namespace polcheck::linter
