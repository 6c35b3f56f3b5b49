#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

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

constexpr std::string_view kConsequence =
    "a holder can bind any policy to a login it controls; grant this only to administrators, or to exact role names";

}  // namespace

std::unique_ptr<Rule> MakeAuthRoleWriteEscalationRule() {
  return std::make_unique<WriteTargetRule>(kInfo, kTargets, kConsequence);
}

}  // namespace polcheck::linter
