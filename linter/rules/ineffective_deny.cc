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

// What beats a deny: the winning rules (one for a concrete path; every
// dominating rule for "everywhere") and the message without the winner's name.
struct Loss {
  std::vector<RuleId> winners;
  bool everywhere = false;
  bool list_caveat = false;
  std::string path;      // the sample (everywhere) or witness (somewhere) path
  RuleId decided = evaluator::kNoRule;  // the rule the evaluator selected for `path`
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
      std::optional<Loss> loss = Everywhere(acl, *index, id);
      if (!loss) {
        loss = Somewhere(acl, *index, id);
      }
      if (loss) {
        Report(ctx, acl, deny, *loss, report);
      }
    }
  }

 private:
  // Granting rules outrank the deny on every path the deny matches.
  static std::optional<Loss> Everywhere(const Acl& acl, const RuleIndex& index, RuleId id) {
    Loss loss{Dominators(acl, index, id, Grants), true};
    if (loss.winners.empty()) {
      return std::nullopt;
    }
    const parser::Pattern dp = PatternOf(acl.rule(id));
    const std::optional<std::string> sample = CommonCanonicalPath(dp, dp);
    if (!sample) {
      return std::nullopt;
    }
    const evaluator::Result r = acl.Check({.path = *sample, .operation = evaluator::Operation::kRead});
    if (r.rule == evaluator::kNoRule || r.rule == id || acl.rule(r.rule).capabilities.is_deny()) {
      return std::nullopt;  // the evaluator must agree on the sample
    }
    loss.path = *sample;
    loss.decided = r.rule;
    // Vault's pooled LIST lookup prefers a deny over winners that do not grant 'list' (§3.3).
    loss.list_caveat = acl.dialect() == Dialect::kVault;
    for (RuleId w : loss.winners) {
      loss.list_caveat = loss.list_caveat && !acl.rule(w).capabilities.Has(Capability::kList);
    }
    return loss;
  }

  // A granting rule that is not a carve-out of the deny (it also matches paths
  // the deny does not) outranks it on a concrete path, per the evaluator.
  static std::optional<Loss> Somewhere(const Acl& acl, const RuleIndex& index, RuleId id) {
    const parser::Pattern dp = PatternOf(acl.rule(id));
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
      return Loss{{r.rule}, false, false, *path, r.rule};
    }
    return std::nullopt;
  }

  static void Report(const LintContext& ctx, const Acl& acl, const CompiledRule& deny, const Loss& loss,
                     Reporter& report) {
    const parser::Pattern dp = PatternOf(deny);
    for (const evaluator::RuleSource& source : deny.sources) {
      // A deny merged into a key that was already deny is "ignored" by Vault
      // with the same effect: it is reported as well.
      if (!source.capabilities.is_deny()) {
        continue;
      }
      // The winner nearest to this deny block: same policy, same directory, else any.
      const evaluator::RuleSource* ws = nullptr;
      RuleId w = evaluator::kNoRule;
      for (RuleId candidate : loss.winners) {
        const evaluator::RuleSource* s = NearestSource(ctx, acl.rule(candidate), source);
        if (s != nullptr && (ws == nullptr || Distance(ctx, *s, source) < Distance(ctx, *ws, source))) {
          ws = s;
          w = candidate;
        }
      }
      if (ws == nullptr) {
        continue;
      }
      const CompiledRule& winner = acl.rule(w);
      const LineCol at = ctx.sources.file(ws->label_span.file).Locate(ws->label_span.begin);
      const std::string where = fmt::format("\"{}\" (policy '{}', line {})", ws->label, acl.policy_name(ws->policy), at.line);
      Finding& f =
          loss.everywhere
              ? report.At(source.label_span,
                          "this deny never decides a request{}: {} matches every path it matches and outranks it "
                          "because {}, granting [{}] (e.g. read \"{}\" is decided by \"{}\")",
                          loss.list_caveat ? " other than LIST" : "", where, OutrankReason(PatternOf(winner), dp),
                          Caps(winner), loss.path, acl.rule(loss.decided).pattern())
              : report.At(source.label_span,
                          "this deny does not apply to \"{}\": Vault selects {} there, which outranks the deny "
                          "because {}, and grants [{}]; the deny only holds where no higher-priority pattern matches",
                          loss.path, where, OutrankReason(PatternOf(winner), dp), Caps(winner));
      f.related.push_back({ws->label_span, "this pattern wins"});
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeIneffectiveDenyRule() { return std::make_unique<IneffectiveDenyRule>(); }

}  // namespace polcheck::linter
