#include <fmt/format.h>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "glob-not-last",
    .category = Category::kValidity,
    .default_severity = Severity::kError,
    .summary = "a '*' that is not the last character of a path is a literal '*', not a glob",
};

// Index in the key of the first '*' Vault keeps as a literal character (§1.4
// step 8): for prefix keys every remaining '*', for segment-wildcard keys every
// '*' but a final one, for exact keys every '*'.
std::size_t LiteralStar(const parser::Pattern& p) {
  const std::size_t at = p.key.find('*');
  if (at == std::string::npos) {
    return at;
  }
  if (p.kind == parser::PatternKind::kSegment && at + 1 == p.key.size()) {
    return std::string::npos;
  }
  return at;
}

bool WholeSegment(std::string_view key, std::size_t at) {
  return (at == 0 || key[at - 1] == '/') && at + 1 < key.size() && key[at + 1] == '/';
}

class GlobNotLastRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    const std::string& text = ctx.sources.file(file.file).text();
    for (const parser::PathRule& rule : file.policy.rules) {
      const std::size_t at = LiteralStar(rule.pattern);
      if (at == std::string::npos || rule.pattern.key.find("{{") != std::string::npos) {
        continue;
      }
      const std::size_t shift = rule.label.starts_with('/') ? 1 : 0;
      const bool double_star = rule.pattern.kind == parser::PatternKind::kPrefix && at + 1 == rule.pattern.key.size();
      if (double_star) {
        Finding& f = report.At(rule.label_span,
                               "\"{}\" ends in \"**\": only the last '*' is a glob, so this matches only paths "
                               "starting with \"{}\" (a literal '*'); write a single '*'",
                               rule.label, rule.pattern.key);
        if (std::optional<std::uint32_t> off = LabelCharOffset(text, rule, at + shift)) {
          f.fix = Fix{"remove the extra '*'", {Edit{Span{file.file, *off, *off + 1}, ""}}};
        }
        continue;
      }
      Finding& f = report.At(rule.label_span,
                             "'*' at position {} of \"{}\" is a literal character (a glob only works as the last "
                             "character): this block matches no path you meant; use '+' for one segment",
                             at + shift + 1, rule.label);
      if (WholeSegment(rule.pattern.key, at)) {
        if (std::optional<std::uint32_t> off = LabelCharOffset(text, rule, at + shift)) {
          f.fix = Fix{"use the '+' segment wildcard", {Edit{Span{file.file, *off, *off + 1}, "+"}}};
        }
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeGlobNotLastRule() { return std::make_unique<GlobNotLastRule>(); }

}  // namespace polcheck::linter
