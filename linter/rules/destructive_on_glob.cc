#include <algorithm>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "destructive-on-glob",
    .category = Category::kPrivilege,
    .default_severity = Severity::kWarning,
    .summary = "delete (or KV v2 destroy) on a glob that covers a whole mount",
};

// KV v2 endpoints below which a whole-mount glob stays whole-mount (§8).
constexpr std::string_view kKv2Areas[] = {"data/", "metadata/", "delete/", "destroy/"};

// True when the glob's fixed part stops at the mount (or, for KV v2, at one of
// its endpoint areas), or within the first path segment when no mount is known.
bool WholeMount(const LintContext& ctx, const parser::PathRule& rule) {
  const std::string_view literal = LiteralPrefix(rule.pattern);
  const config::Mount* mount = MountOf(ctx, rule);
  if (mount == nullptr) {
    return std::count(literal.begin(), literal.end(), '/') <= 1;
  }
  const std::string_view rest = literal.substr(mount->path.size());
  if (rest.empty()) {
    return true;
  }
  return mount->kv_version == 2 && std::find(std::begin(kKv2Areas), std::end(kKv2Areas), rest) != std::end(kKv2Areas);
}

// The destructive operation the rule grants, or "".
std::string_view Destructive(const LintContext& ctx, const parser::PathRule& rule) {
  if (GrantsAny(rule, {Capability::kDelete})) {
    return "delete";
  }
  const config::Mount* mount = Kv2MountOf(ctx, rule);
  if (mount != nullptr && GrantsAny(rule, {Capability::kUpdate}) &&
      LiteralPrefix(rule.pattern).starts_with(mount->path + "destroy/")) {
    return "update (destroy)";
  }
  return "";
}

class DestructiveOnGlobRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      // "*" and "+/..." are root-glob's findings.
      if (!IsGlob(rule) || rule.templated || LiteralPrefix(rule.pattern).empty()) {
        continue;
      }
      const std::string_view op = Destructive(ctx, rule);
      if (op.empty() || !WholeMount(ctx, rule)) {
        continue;
      }
      report.At(rule.label_span,
                "{} on \"{}\" can wipe everything below \"{}\" in one sweep; grant it on the specific subtrees "
                "that need it",
                op, rule.label, LiteralPrefix(rule.pattern));
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeDestructiveOnGlobRule() { return std::make_unique<DestructiveOnGlobRule>(); }

}  // namespace polcheck::linter
