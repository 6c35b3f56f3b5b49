#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

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

class PolicyWriteEscalationRule final : public Rule {
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
                "\"{}\" grants {} on {} (e.g. \"{}\"): a holder can rewrite a policy it is attached to and grant "
                "itself anything; limit this to an admin policy or to exact policy names that are never attached "
                "to the writer",
                rule.label, caps, hit->target->what, hit->path);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakePolicyWriteEscalationRule() { return std::make_unique<PolicyWriteEscalationRule>(); }

}  // namespace polcheck::linter
