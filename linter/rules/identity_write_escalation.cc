#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "identity-write-escalation",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "write access to identity entities, groups or aliases lets the holder join privileged groups or set its own policies",
    .security_severity = "8.8",
};

// Endpoints that set policies, group membership, aliases or the metadata that
// templated policies read.
constexpr Target kTargets[] = {
    {"identity/entity", "identity entities"},
    {"identity/entity/id/{{id}}", "identity entities"},
    {"identity/entity/name/{{name}}", "identity entities"},
    {"identity/entity/merge", "entity merging"},
    {"identity/group", "identity groups"},
    {"identity/group/id/{{id}}", "identity groups"},
    {"identity/group/name/{{name}}", "identity groups"},
    {"identity/entity-alias", "entity aliases"},
    {"identity/entity-alias/id/{{id}}", "entity aliases"},
    {"identity/alias", "entity aliases"},
    {"identity/alias/id/{{id}}", "entity aliases"},
    {"identity/group-alias", "group aliases"},
    {"identity/group-alias/id/{{id}}", "group aliases"},
};

constexpr std::string_view kConsequence =
    "a holder can add itself to a privileged group, attach policies or rewrite metadata used by templated policies; grant this only to administrators";

}  // namespace

std::unique_ptr<Rule> MakeIdentityWriteEscalationRule() {
  return std::make_unique<WriteTargetRule>(kInfo, kTargets, kConsequence);
}

}  // namespace polcheck::linter
