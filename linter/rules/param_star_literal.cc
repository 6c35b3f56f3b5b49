#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "param-star-literal",
    .category = Category::kValidity,
    .default_severity = Severity::kError,
    .summary = "a parameter value \"*\" (or one with '*' in the middle) matches only that literal text",
};

using parser::ast::Node;

// Vault's GlobbedStringsMatch (§6.2): values shorter than 2 characters compare
// exactly; otherwise only a leading and/or trailing '*' is a glob.
bool LiteralStar(std::string_view v) {
  if (v == "*") {
    return true;
  }
  if (v.size() < 3) {
    return false;
  }
  return v.substr(1, v.size() - 2).find('*') != std::string_view::npos;
}

class ParamStarLiteralRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      for (std::string_view map : {"allowed_parameters", "denied_parameters"}) {
        const parser::ast::Item* attr = FindAttribute(file, rule, map);
        if (attr == nullptr || attr->value.kind != Node::Kind::kObject) {
          continue;
        }
        for (const parser::ast::Item& entry : attr->value.items) {
          // The value list of the "*" key is ignored altogether (param-star-nonempty).
          if (entry.keys.empty() || entry.keys.front().value == "*" || entry.value.kind != Node::Kind::kList) {
            continue;
          }
          CheckValues(map, entry, report);
        }
      }
    }
  }

 private:
  static void CheckValues(std::string_view map, const parser::ast::Item& entry, Reporter& report) {
    const bool allowed = map == "allowed_parameters";
    for (const Node& value : entry.value.elements) {
      if (value.kind != Node::Kind::kLiteral || value.token != parser::ast::TokenType::kString ||
          !LiteralStar(value.value)) {
        continue;
      }
      if (value.value == "*") {
        report.At(value.span,
                  "\"*\" in {} for \"{}\" matches only the literal value \"*\"; use [] to {} any value, or \"**\"",
                  map, entry.keys.front().value, allowed ? "allow" : "deny");
      } else {
        report.At(value.span,
                  "\"{}\" in {} for \"{}\": a '*' in the middle of a value is a literal character; only a leading "
                  "or trailing '*' is a glob",
                  value.value, map, entry.keys.front().value);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeParamStarLiteralRule() { return std::make_unique<ParamStarLiteralRule>(); }

}  // namespace polcheck::linter
