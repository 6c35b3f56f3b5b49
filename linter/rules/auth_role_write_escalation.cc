#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "auth-role-write-escalation",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "write access to auth method roles, users, groups or config lets the holder choose the policies it logs in with",
    .security_severity = "8.8",
};

// Endpoints whose body sets token_policies (or decides who may log in).
constexpr Target kTargets[] = {
    {"auth/token/roles/{{role}}", "token roles"},
    {"auth/{{mount}}/role/{{role}}", "auth method roles"},
    {"auth/{{mount}}/users/{{user}}", "auth method users"},
    {"auth/{{mount}}/users/{{user}}/policies", "auth method user policies"},
    {"auth/{{mount}}/groups/{{group}}", "auth method groups"},
    {"auth/{{mount}}/certs/{{name}}", "trusted certificates"},
    {"auth/{{mount}}/map/teams/{{team}}", "GitHub team mappings"},
    {"auth/{{mount}}/map/users/{{user}}", "GitHub user mappings"},
    {"auth/{{mount}}/config", "auth method configuration"},
};

class AuthRoleWriteEscalationRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      const std::string caps = GrantedNames(rule, {Capability::kCreate, Capability::kUpdate, Capability::kPatch});
      if (caps.empty()) {
        continue;
      }
      const std::optional<TargetHit> hit = FirstTarget(rule, kTargets);
      if (!hit) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}\" grants {} on {} (e.g. \"{}\"): a holder can bind any policy to a login it controls; grant "
                "this only to administrators, or to exact role names",
                rule.label, caps, hit->target->what, hit->path);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeAuthRoleWriteEscalationRule() { return std::make_unique<AuthRoleWriteEscalationRule>(); }

}  // namespace polcheck::linter
