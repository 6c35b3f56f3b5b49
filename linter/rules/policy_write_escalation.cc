#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "policy-write-escalation",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "write access to sys/policy or sys/policies lets the holder rewrite policies, including its own",
    .security_severity = "9.1",
};

// Endpoints that create or change policies (sys/policy is the legacy alias).
constexpr Target kTargets[] = {
    {"sys/policy/{{name}}", "ACL policies"},
    {"sys/policies/acl/{{name}}", "ACL policies"},
    {"sys/policies/rgp/{{name}}", "Sentinel role governing policies"},
    {"sys/policies/egp/{{name}}", "Sentinel endpoint governing policies"},
};

constexpr std::string_view kConsequence =
    "a holder can rewrite a policy it is attached to and grant itself anything; limit this to an admin policy or to exact policy names that are never attached to the writer";

}  // namespace

std::unique_ptr<Rule> MakePolicyWriteEscalationRule() {
  return std::make_unique<WriteTargetRule>(kInfo, kTargets, kConsequence);
}

}  // namespace polcheck::linter
