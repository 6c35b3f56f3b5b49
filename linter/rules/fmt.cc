#include <algorithm>

#include "linter/linter.h"
#include "parser/format.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "fmt",
    .category = Category::kHygiene,
    .default_severity = Severity::kSuggestion,
    .summary = "the file is not in the canonical layout `vault policy fmt` writes",
};

class FmtRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    if (file.is_json || !file.ok) {
      return;  // nothing the formatter can do
    }
    const SourceFile& source = ctx.sources.file(file.file);
    const parser::FormatResult formatted = parser::FormatPolicy(file, source);
    if (formatted.status != parser::FormatResult::Status::kOk || formatted.text == source.text()) {
      return;
    }
    const std::string& text = source.text();
    const auto diff = std::mismatch(text.begin(), text.end(), formatted.text.begin(), formatted.text.end());
    const auto first = static_cast<std::uint32_t>(diff.first - text.begin());
    const std::uint32_t line = source.Locate(first).line;
    const std::size_t newline = first == 0 ? std::string::npos : text.rfind('\n', first - 1);
    const auto line_begin = static_cast<std::uint32_t>(newline == std::string::npos ? 0 : newline + 1);
    const auto line_end = static_cast<std::uint32_t>(line_begin + source.Line(line).size());
    Finding& f = report.At(Span{file.file, line_begin, line_end},
                           "the file is not canonically formatted (first difference on this line); run `polcheck fmt "
                           "--write` to apply the layout `vault policy fmt` writes");
    f.fix = Fix{"reformat the file", {Edit{Span{file.file, 0, static_cast<std::uint32_t>(text.size())}, formatted.text}}};
  }
};

}  // namespace

std::unique_ptr<Rule> MakeFmtRule() { return std::make_unique<FmtRule>(); }

}  // namespace polcheck::linter
