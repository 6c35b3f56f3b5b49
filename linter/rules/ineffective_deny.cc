#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using evaluator::Acl;
using evaluator::CompiledRule;
using evaluator::RuleId;
using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "ineffective-deny",
    .category = Category::kPrecedence,
    .default_severity = Severity::kError,
    .summary = "a deny is outranked by a granting pattern (in this or another policy) where it should apply",
    .security_severity = "7.5",
};

bool Grants(const CompiledRule& rule) { return !rule.capabilities.is_deny() && !rule.capabilities.empty(); }

std::string Caps(const CompiledRule& rule) { return fmt::format("{}", fmt::join(rule.capabilities.SortedNames(), ", ")); }

// "policy 'ops' (ops.hcl:3)" for the first source of a rule.
std::string Where(const LintContext& ctx, const Acl& acl, const CompiledRule& rule) {
  const evaluator::RuleSource* source = FirstSource(rule);
  if (source == nullptr) {
    return fmt::format("\"{}\"", rule.pattern());
  }
  const LineCol at = ctx.sources.file(source->label_span.file).Locate(source->label_span.begin);
  return fmt::format("\"{}\" (policy '{}', line {})", source->label, acl.policy_name(source->policy), at.line);
}

struct Finding1 {
  RuleId winner = evaluator::kNoRule;
  std::string message;
};

class IneffectiveDenyRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void CheckSet(const LintContext& ctx, Reporter& report) const override {
    const std::shared_ptr<const SetAcl> set = WholeSetAcl(ctx);
    if (!set) {
      return;
    }
    const Acl& acl = set->acl;
    std::optional<RuleIndex> index;
    for (RuleId id = 0; id < acl.rule_count(); ++id) {
      const CompiledRule& deny = acl.rule(id);
      if (!deny.capabilities.is_deny() || deny.kind == parser::PatternKind::kExact) {
        continue;  // an exact deny always decides its own path
      }
      if (!index) {
        index.emplace(acl);
      }
      std::optional<Finding1> found = Everywhere(ctx, acl, *index, id);
      if (!found) {
        found = Somewhere(ctx, acl, *index, id);
      }
      if (found) {
        Report(acl, deny, *found, report);
      }
    }
  }

 private:
  // A granting rule outranks the deny on every path the deny matches.
  static std::optional<Finding1> Everywhere(const LintContext& ctx, const Acl& acl, const RuleIndex& index, RuleId id) {
    const CompiledRule& deny = acl.rule(id);
    const std::optional<RuleId> w = Dominator(acl, index, id, Grants);
    if (!w) {
      return std::nullopt;
    }
    const parser::Pattern dp = PatternOf(deny);
    const std::optional<std::string> sample = CommonCanonicalPath(dp, dp);
    if (!sample) {
      return std::nullopt;
    }
    const evaluator::Result r = acl.Check({.path = *sample, .operation = evaluator::Operation::kRead});
    if (r.rule == evaluator::kNoRule || r.rule == id || acl.rule(r.rule).capabilities.is_deny()) {
      return std::nullopt;  // the evaluator must agree on the sample
    }
    const CompiledRule& winner = acl.rule(*w);
    // Vault's pooled LIST lookup prefers a deny over a winner that does not grant 'list' (§3.3).
    const bool list_caveat = acl.dialect() == Dialect::kVault && !winner.capabilities.Has(Capability::kList);
    return Finding1{*w, fmt::format("this deny never decides a request{}: {} matches every path it matches and "
                                    "outranks it because {}, granting [{}] (e.g. read \"{}\" is decided by \"{}\")",
                                    list_caveat ? " other than LIST" : "", Where(ctx, acl, winner),
                                    OutrankReason(PatternOf(winner), dp), Caps(winner), *sample,
                                    acl.rule(r.rule).pattern())};
  }

  // A granting rule that is not a carve-out of the deny (it also matches
  // paths the deny does not) outranks it on a concrete path, per the evaluator.
  static std::optional<Finding1> Somewhere(const LintContext& ctx, const Acl& acl, const RuleIndex& index, RuleId id) {
    const CompiledRule& deny = acl.rule(id);
    const parser::Pattern dp = PatternOf(deny);
    const std::string_view prefix = LiteralPrefix(dp);
    std::vector<RuleId> candidates = index.Within(prefix);
    for (RuleId other : index.Enclosing(prefix)) {
      if (LiteralPrefix(PatternOf(acl.rule(other))) != prefix) {  // Within() has those already
        candidates.push_back(other);
      }
    }
    for (RuleId other : candidates) {
      const CompiledRule& w = acl.rule(other);
      const parser::Pattern wp = PatternOf(w);
      if (other == id || !Grants(w) || !Outranks(wp, dp) || Covers(dp, wp)) {
        continue;
      }
      const std::optional<std::string> path = CommonCanonicalPath(dp, wp);
      if (!path) {
        continue;
      }
      const evaluator::Result r = acl.Check({.path = *path, .operation = evaluator::Operation::kRead});
      if (r.rule == evaluator::kNoRule || r.rule == id) {
        continue;
      }
      const CompiledRule& selected = acl.rule(r.rule);
      // An exact rule or a narrower glob inside the deny is a deliberate exception.
      if (!Grants(selected) || selected.kind == parser::PatternKind::kExact || Covers(dp, PatternOf(selected))) {
        continue;
      }
      return Finding1{r.rule, fmt::format("this deny does not apply to \"{}\": Vault selects {} there, which "
                                          "outranks the deny because {}, and grants [{}]; the deny only holds where "
                                          "no higher-priority pattern matches",
                                          *path, Where(ctx, acl, selected),
                                          OutrankReason(PatternOf(selected), dp), Caps(selected))};
    }
    return std::nullopt;
  }

  static void Report(const Acl& acl, const CompiledRule& deny, const Finding1& found, Reporter& report) {
    const evaluator::RuleSource* winner = FirstSource(acl.rule(found.winner));
    for (const evaluator::RuleSource& source : deny.sources) {
      if (source.ignored || !source.capabilities.is_deny()) {
        continue;
      }
      Finding& f = report.At(source.label_span, "{}", found.message);
      if (winner != nullptr) {
        f.related.push_back({winner->label_span, "this pattern wins"});
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeIneffectiveDenyRule() { return std::make_unique<IneffectiveDenyRule>(); }

}  // namespace polcheck::linter
