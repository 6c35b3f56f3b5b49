#include <algorithm>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "unknown-mount",
    .category = Category::kMount,
    .default_severity = Severity::kWarning,
    .summary = "a path lies in no configured mount and no built-in path (sys/, auth/, identity/, cubbyhole/ ...)",
};

// Paths every Vault and OpenBao server has.
constexpr std::string_view kBuiltin[] = {"sys/", "auth/", "identity/", "cubbyhole/"};

// True when the project configured its mounts (a config file whose mount map
// is not just the default KV v2 at secret/), or the rule is forced on.
bool MountsConfigured(const LintContext& ctx) {
  if (RuleOption(ctx, kInfo.id, "strict", "false") == "true") {
    return true;
  }
  const std::vector<config::Mount>& m = ctx.config.mounts;
  const bool only_default = m.size() == 1 && m[0].path == "secret/" && m[0].type == "kv" && m[0].kv_version == 2;
  return !ctx.config.file.empty() && !only_default;
}

bool Known(std::string_view literal, const LintContext& ctx, const std::vector<std::string>& extra) {
  if (ctx.config.MountFor(literal) != nullptr) {
    return true;
  }
  for (std::string_view prefix : kBuiltin) {
    if (literal.starts_with(prefix)) {
      return true;
    }
  }
  return std::any_of(extra.begin(), extra.end(), [&](const std::string& p) { return literal.starts_with(p); });
}

class UnknownMountRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    if (!MountsConfigured(ctx)) {
      return;
    }
    std::vector<std::string> extra = SplitList(RuleOption(ctx, kInfo.id, "mounts", ""));
    for (std::string& p : extra) {
      if (!p.ends_with('/')) {
        p += '/';
      }
    }
    for (const parser::PathRule& rule : file.policy.rules) {
      const std::string_view literal = LiteralPrefix(rule.pattern);
      // A path whose first segment is a wildcard or placeholder, or shorter than
      // any mount name ("se*"), may mean any mount: nothing to check.
      if (literal.find('/') == std::string_view::npos || Known(literal, ctx, extra)) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}\" is in no configured mount (first segment \"{}\"): a typo, or a mount missing from the "
                "config's mounts map; this block matches nothing on the server until such a mount exists",
                rule.label, literal.substr(0, literal.find('/') + 1));
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeUnknownMountRule() { return std::make_unique<UnknownMountRule>(); }

}  // namespace polcheck::linter
