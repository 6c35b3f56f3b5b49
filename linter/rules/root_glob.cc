#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "root-glob",
    .category = Category::kPrivilege,
    .default_severity = Severity::kError,
    .summary = "a path such as \"*\", \"+/*\" or \"+/+\" grants on every mount, sys/ included",
    .security_severity = "9.1",
};

// Paths no mount-scoped policy should reach; a pattern with a wildcard first
// segment that matches one of them spans the whole server.
constexpr std::string_view kProbes[] = {"sys/policies/acl/x", "sys/policy/x", "sys/mounts", "sys/mounts/x",
                                        "sys/seal", "auth/token/create"};

// The first probe path the pattern matches, or "".
std::string_view Probe(const parser::Pattern& p) {
  for (std::string_view probe : kProbes) {
    if (Matches(p, probe)) {
      return probe;
    }
  }
  return {};
}

class RootGlobRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      if (rule.templated || rule.capabilities.empty() || rule.capabilities.is_deny() || !IsGlob(rule) ||
          !LiteralPrefix(rule.pattern).empty() || Probe(rule.pattern).empty()) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}\" grants [{}] on every mount, including sys/ and auth/ (e.g. \"{}\"); name the mounts "
                "this policy needs",
                rule.label, fmt::join(rule.capabilities.SortedNames(), ", "), Probe(rule.pattern));
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeRootGlobRule() { return std::make_unique<RootGlobRule>(); }

}  // namespace polcheck::linter
