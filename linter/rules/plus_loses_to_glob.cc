#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "plus-loses-to-glob",
    .category = Category::kPrecedence,
    .default_severity = Severity::kWarning,
    .summary = "a longer '+' pattern loses to a '*' pattern whose glob starts later (Vault priority rule 1)",
};

// Length of a key as the comparator counts it (§3.5 step 4): without a trailing '*'.
std::size_t KeyLength(const parser::Pattern& p) {
  return p.key.size() - (p.kind == parser::PatternKind::kSegment && p.key.ends_with('*') ? 1 : 0);
}

bool IsRule(const evaluator::CompiledRule& r, const parser::Pattern& p) { return r.kind == p.kind && r.key == p.key; }

class PlusLosesToGlobRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    std::optional<evaluator::Acl> acl;
    for (const parser::PathRule& plus : file.policy.rules) {
      // A "+/..." pattern spans every mount: its overlap with another mount's glob is incidental.
      if (plus.pattern.kind != parser::PatternKind::kSegment || plus.templated || LiteralPrefix(plus.pattern).empty()) {
        continue;
      }
      for (const parser::PathRule& glob : file.policy.rules) {
        if (glob.pattern.kind != parser::PatternKind::kPrefix || glob.templated ||
            KeyLength(glob.pattern) >= KeyLength(plus.pattern) || glob.capabilities == plus.capabilities) {
          continue;
        }
        const std::optional<std::string> path = CommonPath(plus.pattern, glob.pattern);
        if (!path || !Loses(file, ctx, *path, plus, glob, acl)) {
          continue;
        }
        Finding& f = report.At(plus.label_span,
                               "for \"{}\" Vault picks \"{}\" over the longer \"{}\": the glob starts later than "
                               "the first '+' (priority rule 1), so this block's [{}] do not apply there; put a "
                               "literal segment where the '+' is, or narrow \"{}\"",
                               *path, PatternText(glob), plus.label,
                               fmt::join(plus.capabilities.SortedNames(), ", "), PatternText(glob));
        f.related.push_back({glob.label_span, "this glob wins"});
        break;
      }
    }
  }

 private:
  // The evaluator, on this policy alone, selects `glob` for `path` although `plus` matched it.
  static bool Loses(const parser::PolicyFile& file, const LintContext& ctx, const std::string& path,
                    const parser::PathRule& plus, const parser::PathRule& glob, std::optional<evaluator::Acl>& acl) {
    if (!acl) {
      const parser::Policy* policies[] = {&file.policy};
      Expected<evaluator::Acl> built = evaluator::Acl::Build(policies, {.dialect = ctx.dialect});
      if (!built) {
        return false;
      }
      acl.emplace(*std::move(built));
    }
    const evaluator::Explanation why = acl->Explain({.path = path, .operation = evaluator::Operation::kRead});
    if (why.result.rule == evaluator::kNoRule || !IsRule(acl->rule(why.result.rule), glob.pattern)) {
      return false;
    }
    for (const evaluator::Candidate& c : why.candidates) {
      if (IsRule(acl->rule(c.rule), plus.pattern)) {
        return c.verdict == evaluator::Verdict::kLostFirstWildcard;
      }
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<Rule> MakePlusLosesToGlobRule() { return std::make_unique<PlusLosesToGlobRule>(); }

}  // namespace polcheck::linter
