#include <fmt/format.h>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "kv2-list-on-data",
    .category = Category::kMount,
    .default_severity = Severity::kWarning,
    .summary = "'list' on a KV v2 data/ path never applies: listing is on metadata/",
};

class Kv2ListOnDataRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    const std::string& text = ctx.sources.file(file.file).text();
    for (const parser::PathRule& rule : file.policy.rules) {
      const config::Mount* mount = Kv2MountOf(ctx, rule);
      if (mount == nullptr || !GrantsAny(rule, {Capability::kList})) {
        continue;
      }
      const std::string data = mount->path + "data/";
      if (!LiteralPrefix(rule.pattern).starts_with(data)) {
        continue;
      }
      const std::string metadata = mount->path + "metadata/" + PatternText(rule).substr(data.size());
      Finding& f = report.At(rule.label_span,
                             "'list' on \"{}\" never applies: KV v2 lists keys on metadata/ (vault kv list reads "
                             "\"{}\"); grant list on \"{}\" instead",
                             rule.label, metadata, metadata);
      const bool list_only = rule.capabilities == parser::CapabilitySet(1u << static_cast<int>(Capability::kList));
      const std::size_t shift = rule.label.starts_with('/') ? 1 : 0;
      const std::optional<std::uint32_t> off = LabelCharOffset(text, rule, mount->path.size() + shift);
      if (list_only && off) {
        f.fix = Fix{"list on metadata/ instead of data/", {Edit{Span{file.file, *off, *off + 4}, "metadata"}}};
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeKv2ListOnDataRule() { return std::make_unique<Kv2ListOnDataRule>(); }

}  // namespace polcheck::linter
