#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "greedy-prefix-glob",
    .category = Category::kPrecedence,
    .default_severity = Severity::kWarning,
    .summary = "a glob right after a name (\"secret/foo*\") also matches siblings such as \"secret/foobar\"",
};

// Trees whose child names are fixed API endpoints, where "sys/mounts*" meaning
// "sys/mounts and below" cannot catch an unintended sibling.
constexpr std::string_view kDefaultSkip = "sys/,auth/token/";

bool EndsInName(std::string_view key) {
  if (key.empty() || key.ends_with("}}")) {
    return false;
  }
  const char c = key.back();
  return c != '/' && c != '-' && c != '_' && c != '.' && c != ':' && c != '=';
}

class GreedyPrefixGlobRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    const std::vector<std::string> skip = SplitList(RuleOption(ctx, kInfo.id, "skip", kDefaultSkip));
    for (const parser::PathRule& rule : file.policy.rules) {
      const std::string& key = rule.pattern.key;
      if (rule.pattern.kind != parser::PatternKind::kPrefix || !EndsInName(key) || Skipped(key, skip)) {
        continue;
      }
      report.At(rule.label_span,
                "\"{}*\" also matches every path that merely starts with \"{}\", such as \"{}-other\" and "
                "\"{}x/...\"; if you mean \"{}\" and what is below it, write \"{}\" and \"{}/*\"",
                key, key, key, key, key, key, key);
    }
  }

 private:
  static bool Skipped(std::string_view key, const std::vector<std::string>& skip) {
    for (const std::string& prefix : skip) {
      if (key.starts_with(prefix)) {
        return true;
      }
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<Rule> MakeGreedyPrefixGlobRule() { return std::make_unique<GreedyPrefixGlobRule>(); }

}  // namespace polcheck::linter
