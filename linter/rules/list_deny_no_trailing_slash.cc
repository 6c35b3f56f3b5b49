#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using evaluator::Acl;
using evaluator::CompiledRule;
using evaluator::RuleId;

constexpr RuleInfo kInfo = {
    .id = "list-deny-no-trailing-slash",
    .category = Category::kPrecedence,
    .default_severity = Severity::kError,
    .summary = "a deny meant to hide a folder still lets LIST of the folder through (dialect-aware)",
    .security_severity = "5.3",
};

// The folder a deny hides: "a/b" and "a/b*" hide "a/b/", "a/b/*" hides "a/b/",
// "a/+/b" and "a/+/b/*" hide "a/x/b/" (a canonical example).
std::optional<std::string> Folder(const CompiledRule& deny) {
  const parser::Pattern p = PatternOf(deny);
  std::string folder;
  if (p.kind == parser::PatternKind::kSegment) {
    std::optional<std::string> sample = CommonCanonicalPath(p, p);
    if (!sample) {
      return std::nullopt;
    }
    folder = *std::move(sample);
  } else {
    folder = p.key;
  }
  if (folder.empty()) {
    return std::nullopt;  // "*": not a folder
  }
  if (!folder.ends_with('/')) {
    folder += '/';
  }
  return folder;
}

std::string_view DialectNote(Dialect dialect) {
  switch (dialect) {
    case Dialect::kVaultLegacy:
      return "; Vault before the 2026 LIST fix searches the trimmed path first (GHSA-xp3c-3jw3-4vcr)";
    case Dialect::kVault:
    case Dialect::kOpenBao:
      return "";
  }
  return "";
}

// An exact rule for the folder without its '/' decides LIST before any glob
// (§3.3 step 2) in every dialect.
std::string Remedy(const CompiledRule& deny, std::string_view folder) {
  folder.remove_suffix(1);
  if (deny.kind == parser::PatternKind::kSegment) {
    return "add an exact deny for each folder name it must hide (LIST consults an exact rule without the trailing "
           "'/' first)";
  }
  return fmt::format("add path \"{}\" {{ capabilities = [\"deny\"] }} (LIST consults it before any glob)", folder);
}

class ListDenyNoTrailingSlashRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void CheckSet(const LintContext& ctx, Reporter& report) const override {
    const std::shared_ptr<const SetAcl> set = WholeSetAcl(ctx);
    if (!set) {
      return;
    }
    const Acl& acl = set->acl;
    for (RuleId id = 0; id < acl.rule_count(); ++id) {
      const CompiledRule& deny = acl.rule(id);
      if (deny.capabilities.is_deny()) {
        CheckDeny(ctx, acl, id, report);
      }
    }
  }

 private:
  static void CheckDeny(const LintContext& ctx, const Acl& acl, RuleId id, Reporter& report) {
    const CompiledRule& deny = acl.rule(id);
    const std::optional<std::string> folder = Folder(deny);
    if (!folder) {
      return;
    }
    const evaluator::Request list{.path = *folder, .operation = evaluator::Operation::kList};
    const evaluator::Result r = acl.Check(list);
    if (!r.allowed || r.rule == evaluator::kNoRule) {
      return;
    }
    const CompiledRule& winner = acl.rule(r.rule);
    // An exact "a/b/" rule, or a glob inside the denied area, grants the listing on purpose.
    if (winner.kind == parser::PatternKind::kExact || Covers(PatternOf(deny), PatternOf(winner))) {
      return;
    }
    const evaluator::Explanation why = acl.Explain(list);
    for (const evaluator::RuleSource& source : deny.sources) {
      const evaluator::RuleSource* ws = NearestSource(ctx, winner, source);
      if (!source.capabilities.is_deny() || ws == nullptr) {  // a deny "ignored" at a deny key is one too
        continue;
      }
      const LineCol at = ctx.sources.file(ws->label_span.file).Locate(ws->label_span.begin);
      Finding& f = report.At(source.label_span,
                             "this deny does not hide the folder: LIST \"{}\" is allowed by \"{}\" (policy '{}', "
                             "line {}) under {} ({}){}; {}",
                             *folder, ws->label, acl.policy_name(ws->policy), at.line, DialectName(ctx.dialect),
                             why.lookup, DialectNote(ctx.dialect), Remedy(deny, *folder));
      f.related.push_back({ws->label_span, "this rule grants the listing"});
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeListDenyNoTrailingSlashRule() { return std::make_unique<ListDenyNoTrailingSlashRule>(); }

}  // namespace polcheck::linter
