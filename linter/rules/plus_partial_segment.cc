#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "plus-partial-segment",
    .category = Category::kValidity,
    .default_severity = Severity::kError,
    .summary = "a '+' inside a path segment (\"ab+\") is a literal '+', not a wildcard",
};

// The first segment of `key` that contains '+' without being exactly "+" (§1.4
// step 7, §3.4: only a whole "+" segment is a wildcard). Empty when none.
std::string_view PartialPlusSegment(std::string_view key) {
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) {
      slash = key.size();
    }
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.find('+') != std::string_view::npos && segment != "+" && segment.find("+*") == std::string_view::npos &&
        segment.find("{{") == std::string_view::npos) {
      return segment;
    }
    start = slash + 1;
  }
  return {};
}

class PlusPartialSegmentRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      const std::string_view segment = PartialPlusSegment(rule.pattern.key);
      if (segment.empty()) {
        continue;
      }
      report.At(rule.label_span,
                "'+' in segment \"{}\" of \"{}\" is a literal character: '+' is a wildcard only as a whole "
                "segment (e.g. \"secret/+/config\"); split the segment or use a '*' at the end",
                segment, rule.label);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakePlusPartialSegmentRule() { return std::make_unique<PlusPartialSegmentRule>(); }

}  // namespace polcheck::linter
