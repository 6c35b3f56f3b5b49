#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "kv2-param-constraints",
    .category = Category::kMount,
    .default_severity = Severity::kWarning,
    .summary = "parameter constraints on KV v2 data/ see only the top-level keys data, options and version",
};

using parser::ast::Node;

// The top-level request keys of KV v2 data/ reads and writes (§8, §12.11).
bool TopLevelKey(std::string_view name) {
  return name == "data" || name == "options" || name == "version" || name == "*";
}

std::string Effect(std::string_view attr) {
  if (attr == "allowed_parameters") {
    return "every write is refused, because its body carries \"data\", which is not allowed";
  }
  if (attr == "denied_parameters") {
    return "it never matches, so nothing is denied";
  }
  return "every request is refused, because the key is never present";
}

class Kv2ParamConstraintsRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      const config::Mount* mount = Kv2MountOf(ctx, rule);
      if (mount == nullptr || rule.capabilities.is_deny() ||
          !CommonPath(rule.pattern, MakePattern(mount->path + "data/*"))) {
        continue;
      }
      for (std::string_view attr : {"allowed_parameters", "denied_parameters", "required_parameters"}) {
        const parser::ast::Item* item = FindAttribute(file, rule, attr);
        if (item != nullptr) {
          CheckNames(*item, attr, rule, *mount, report);
        }
      }
    }
  }

 private:
  static void CheckNames(const parser::ast::Item& item, std::string_view attr, const parser::PathRule& rule,
                         const config::Mount& mount, Reporter& report) {
    std::vector<std::pair<std::string, Span>> names;
    if (item.value.kind == Node::Kind::kObject) {
      for (const parser::ast::Item& entry : item.value.items) {
        if (!entry.keys.empty()) {
          names.emplace_back(entry.keys.front().value, entry.keys.front().span);
        }
      }
    } else if (item.value.kind == Node::Kind::kList) {
      for (const Node& element : item.value.elements) {
        names.emplace_back(element.value, element.span);
      }
    }
    for (const auto& [name, span] : names) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (TopLevelKey(lower)) {
        continue;
      }
      report.At(span,
                "{} names \"{}\" on \"{}\", in the KV v2 mount \"{}\": Vault checks only the top-level body keys "
                "(data, options, version), never the secret's fields, so {}",
                attr, name, rule.label, mount.path, Effect(attr));
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeKv2ParamConstraintsRule() { return std::make_unique<Kv2ParamConstraintsRule>(); }

}  // namespace polcheck::linter
