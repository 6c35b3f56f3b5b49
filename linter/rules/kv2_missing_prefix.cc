#include <fmt/format.h>

#include <ranges>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;

constexpr RuleInfo kInfo = {
    .id = "kv2-missing-prefix",
    .category = Category::kMount,
    .default_severity = Severity::kError,
    .summary = "a path under a KV v2 mount lacks data/, metadata/ or another KV v2 endpoint prefix",
};

// Every API path of a KV v2 mount (§8), relative to the mount.
constexpr std::string_view kEndpoints[] = {"data/*",     "metadata/*", "delete/*",           "undelete/*",
                                           "destroy/*",  "subkeys/*",  "detailed-metadata/*", "config"};

// A placeholder renders to an ID or name, never to "data": make it opaque.
// (Built by appending: GCC 12 reports a false -Wrestrict on string::replace here.)
parser::Pattern Opaque(parser::Pattern p) {
  std::string key;
  std::size_t at = 0;
  for (const Placeholder& ph : Placeholders(p.key)) {
    key.append(p.key, at, ph.begin - at);
    key += '\x01';
    at = ph.end;
  }
  key.append(p.key, at, std::string::npos);
  p.key = std::move(key);
  return p;
}

bool ReachesEndpoint(const parser::PathRule& rule, std::string_view mount) {
  const parser::Pattern pattern = Opaque(rule.pattern);
  for (std::string_view endpoint : kEndpoints) {
    if (CommonPath(pattern, MakePattern(fmt::format("{}{}", mount, endpoint)))) {
      return true;
    }
  }
  return false;
}

class Kv2MissingPrefixRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    const std::string& text = ctx.sources.file(file.file).text();
    for (const parser::PathRule& rule : file.policy.rules) {
      const config::Mount* mount = Kv2MountOf(ctx, rule);
      if (mount == nullptr || rule.pattern.key.size() <= mount->path.size() || ReachesEndpoint(rule, mount->path)) {
        continue;
      }
      const bool list_only = rule.capabilities == parser::CapabilitySet(1u << static_cast<int>(Capability::kList));
      const std::string_view insert = list_only ? "metadata/" : "data/";
      const std::string rest = rule.pattern.key.substr(mount->path.size());
      Finding& f = report.At(rule.label_span,
                             "\"{}\" is in the KV v2 mount \"{}\", whose API paths start with data/ (read, write), "
                             "metadata/ (list, versions), delete/, undelete/ or destroy/: this block matches no "
                             "secret; write \"{}{}{}{}\"{}",
                             rule.label, mount->path, mount->path, insert, rest,
                             rule.pattern.kind == parser::PatternKind::kPrefix ? "*" : "",
                             list_only ? "" : fmt::format(" (and \"{}metadata/{}...\" for list)", mount->path, rest));
      const std::size_t shift = rule.label.starts_with('/') ? 1 : 0;
      if (std::optional<std::uint32_t> off = LabelCharOffset(text, rule, mount->path.size() + shift)) {
        f.fix = Fix{fmt::format("insert \"{}\" after the mount", insert),
                    {Edit{Span{file.file, *off, *off}, std::string(insert)}}};
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeKv2MissingPrefixRule() { return std::make_unique<Kv2MissingPrefixRule>(); }

}  // namespace polcheck::linter
