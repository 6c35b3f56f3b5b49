#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "sys-sensitive-write",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "write or delete access to sensitive sys/ endpoints (audit, auth and secrets engines, raw storage, seal, plugins ...)",
    .security_severity = "8.1",
};

// sys/ endpoints whose writes disable auditing, reconfigure or remove engines,
// bypass the barrier or take the cluster down. Policies are policy-write-escalation.
constexpr Target kTargets[] = {
    {"sys/audit/{{path}}", "audit devices (disabling audit logs)"},
    {"sys/auth/{{path}}", "auth methods (enable, disable, tune)"},
    {"sys/mounts/{{path}}", "secrets engines (enable, disable, tune)"},
    {"sys/remount", "moving mounts"},
    {"sys/raw*", "raw storage (bypasses every policy)"},
    {"sys/generate-root*", "root token generation"},
    {"sys/generate-recovery-token*", "recovery token generation"},
    {"sys/rotate*", "barrier key rotation"},
    {"sys/rekey*", "unseal key rekeying"},
    {"sys/seal", "sealing the cluster"},
    {"sys/step-down", "forcing a leader step-down"},
    {"sys/replication/*", "replication"},
    {"sys/storage/raft/*", "raft storage (peers, snapshots)"},
    {"sys/plugins/catalog/*", "the plugin catalog (runs binaries on the server)"},
    {"sys/config/*", "server configuration"},
    {"sys/namespaces/{{ns}}", "namespaces"},
    {"sys/leases/revoke-prefix/*", "mass lease revocation"},
    {"sys/leases/revoke-force/*", "mass lease revocation"},
    {"sys/quotas/*", "rate-limit quotas"},
};

class SysSensitiveWriteRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      const std::string caps = GrantedNames(
          rule, {Capability::kCreate, Capability::kUpdate, Capability::kPatch, Capability::kDelete});
      if (caps.empty()) {
        continue;
      }
      const std::optional<TargetHit> hit = FirstTarget(rule, kTargets);
      if (!hit) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}\" grants {} on {} (e.g. \"{}\"); keep this in a break-glass admin policy and name the "
                "exact endpoints",
                rule.label, caps, hit->target->what, hit->path);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeSysSensitiveWriteRule() { return std::make_unique<SysSensitiveWriteRule>(); }

}  // namespace polcheck::linter
