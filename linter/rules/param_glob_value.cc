#include <algorithm>
#include <cctype>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "param-glob-value",
    .category = Category::kPrivilege,
    .default_severity = Severity::kWarning,
    .summary = "a glob in allowed_parameters for a list-valued field also admits comma-joined extra values",
};

using parser::ast::Node;

// Request fields that Vault backends read as lists and accept as comma strings.
constexpr std::string_view kListFields[] = {
    "policies",          "token_policies",     "allowed_policies",     "disallowed_policies",
    "allowed_policies_glob", "identity_policies", "allowed_domains",   "alt_names",
    "ip_sans",           "uri_sans",           "other_sans",           "allowed_users",
    "allowed_roles",     "allowed_entity_aliases", "bound_service_account_names",
    "bound_service_account_namespaces", "bound_audiences", "bound_claims", "token_bound_cidrs",
    "secret_id_bound_cidrs", "bound_cidrs", "member_entity_ids", "member_group_ids", "groups",
    "allowed_extensions", "allowed_critical_options",
};

bool ListField(std::string_view name, const std::vector<std::string>& extra) {
  return std::find(std::begin(kListFields), std::end(kListFields), name) != std::end(kListFields) ||
         std::find(extra.begin(), extra.end(), name) != extra.end();
}

// A value GlobbedStringsMatch treats as a glob that does not already admit
// everything (§6.2).
bool NarrowGlob(std::string_view v) {
  return v.size() >= 2 && v != "**" && (v.front() == '*' || v.back() == '*');
}

class ParamGlobValueRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    const std::vector<std::string> extra = SplitList(RuleOption(ctx, kInfo.id, "fields", ""));
    for (const parser::PathRule& rule : file.policy.rules) {
      const parser::ast::Item* attr = FindAttribute(file, rule, "allowed_parameters");
      if (attr == nullptr || attr->value.kind != Node::Kind::kObject) {
        continue;
      }
      for (const parser::ast::Item& entry : attr->value.items) {
        if (entry.keys.empty() || entry.value.kind != Node::Kind::kList) {
          continue;
        }
        std::string name = entry.keys.front().value;
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        if (!ListField(name, extra)) {
          continue;
        }
        for (const Node& value : entry.value.elements) {
          if (value.kind == Node::Kind::kLiteral && value.token == parser::ast::TokenType::kString &&
              NarrowGlob(value.value)) {
            report.At(value.span,
                      "allowed value \"{}\" for \"{}\" is a glob over the whole value: it also admits a "
                      "comma-joined list such as \"{}\", which the endpoint splits into extra values; list the "
                      "exact values instead",
                      value.value, name, Example(value.value));
          }
        }
      }
    }
  }

 private:
  static std::string Example(std::string_view glob) {
    if (glob.back() == '*') {
      return std::string(glob.substr(0, glob.size() - 1)) + "x,admin";
    }
    return "admin,x" + std::string(glob.substr(1));
  }
};

}  // namespace

std::unique_ptr<Rule> MakeParamGlobValueRule() { return std::make_unique<ParamGlobValueRule>(); }

}  // namespace polcheck::linter
