#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "list-shadowed-by-exact",
    .category = Category::kPrecedence,
    .default_severity = Severity::kWarning,
    .summary = "an exact path without 'list' blocks a glob's list grant on the same folder",
};

// sys/ endpoints that answer LIST; the others ("sys/mounts", "sys/health") are
// not folders, so a refused LIST on them costs nothing.
constexpr std::string_view kSysListable[] = {
    "sys/policies/acl/", "sys/policies/rgp/", "sys/policies/egp/", "sys/policies/password/", "sys/leases/lookup/",
    "sys/namespaces/",   "sys/quotas/rate-limit/", "sys/quotas/lease-count/"};

bool Listable(std::string_view folder) {
  if (!folder.starts_with("sys/")) {
    return true;
  }
  for (std::string_view listable : kSysListable) {
    if (folder.starts_with(listable)) {
      return true;
    }
  }
  return false;
}

// The rule of `file` granting list on `folder` through a glob written for that
// folder ("secret/metadata/app/*", not a broad "secret/*"), or nullptr.
const parser::PathRule* GlobListGrant(const parser::PolicyFile& file, const std::string& folder) {
  for (const parser::PathRule& other : file.policy.rules) {
    if (IsGlob(other) && !other.templated && GrantsAny(other, {Capability::kList}) &&
        LiteralPrefix(other.pattern).starts_with(folder) && Matches(other.pattern, folder)) {
      return &other;
    }
  }
  return nullptr;
}

bool HasExact(const parser::PolicyFile& file, const std::string& key) {
  for (const parser::PathRule& other : file.policy.rules) {
    if (other.pattern.kind == parser::PatternKind::kExact && other.pattern.key == key) {
      return true;
    }
  }
  return false;
}

class ListShadowedByExactRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    std::optional<evaluator::Acl> acl;
    for (const parser::PathRule& rule : file.policy.rules) {
      const std::string& key = rule.pattern.key;
      if (rule.pattern.kind != parser::PatternKind::kExact || rule.templated || key.empty() || key.ends_with('/') ||
          rule.capabilities.Has(Capability::kList) || rule.capabilities.is_deny()) {
        continue;
      }
      const std::string folder = key + "/";
      const parser::PathRule* grant = GlobListGrant(file, folder);
      if (grant == nullptr || !Listable(folder) || HasExact(file, folder)) {
        continue;
      }
      if (!Confirmed(file, ctx, rule, acl)) {
        continue;
      }
      Finding& f = report.At(rule.label_span,
                             "LIST \"{}\" is refused: Vault consults the exact path \"{}\" (which has no 'list') "
                             "before any glob, so the list grant of \"{}\" never applies; add \"list\" here",
                             folder, rule.label, grant->label);
      f.related.push_back({grant->label_span, "this list grant is shadowed"});
    }
  }

 private:
  // The evaluator agrees: LIST of the folder is refused by this policy alone.
  static bool Confirmed(const parser::PolicyFile& file, const LintContext& ctx, const parser::PathRule& rule,
                        std::optional<evaluator::Acl>& acl) {
    if (!acl) {
      const parser::Policy* policies[] = {&file.policy};
      Expected<evaluator::Acl> built = evaluator::Acl::Build(policies, {.dialect = ctx.dialect});
      if (!built) {
        return false;
      }
      acl.emplace(*std::move(built));
    }
    const std::string folder = rule.pattern.key + "/";
    const evaluator::Result r = acl->Check({.path = folder, .operation = evaluator::Operation::kList});
    if (r.allowed || r.rule == evaluator::kNoRule) {
      return false;
    }
    const evaluator::CompiledRule& selected = acl->rule(r.rule);
    return selected.kind == parser::PatternKind::kExact && selected.key == rule.pattern.key;
  }
};

}  // namespace

std::unique_ptr<Rule> MakeListShadowedByExactRule() { return std::make_unique<ListShadowedByExactRule>(); }

}  // namespace polcheck::linter
