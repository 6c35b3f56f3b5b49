// Validity rules whose check is the parser itself: each turns the parser's
// diagnostics with its id into findings (with Vault's own message attached).
// They are listed here together because they share one mechanism; each still
// has its doc (linter/rules/<id>.md) and test data (tests/linter/rules/<id>.hcl).
#include "linter/linter.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kParserRules[] = {
    {"hcl-syntax", Category::kValidity, Severity::kError, "the file is not valid HCL: Vault rejects the policy"},
    {"json-syntax", Category::kValidity, Severity::kError, "the file is not valid JSON: Vault rejects the policy"},
    {"unknown-key", Category::kValidity, Severity::kError,
     "a key Vault does not know, at the top level or in a path block: Vault rejects the policy"},
    {"unknown-capability", Category::kValidity, Severity::kError,
     "a capability this server does not have (names are case-sensitive): Vault rejects the policy"},
    {"invalid-policy", Category::kValidity, Severity::kError,
     "the legacy `policy` field holds a value other than deny, read, write or sudo"},
    {"invalid-type", Category::kValidity, Severity::kError,
     "a value of the wrong type (e.g. capabilities = \"read\" instead of a list)"},
    {"plus-star", Category::kValidity, Severity::kError, "a path contains `+*`, which Vault rejects"},
    {"invalid-duration", Category::kValidity, Severity::kError, "a wrapping TTL is not a valid duration"},
    {"wrapping-ttl-order", Category::kValidity, Severity::kError, "max_wrapping_ttl is less than min_wrapping_ttl"},
    {"template-syntax", Category::kTemplating, Severity::kError,
     "unbalanced `{{` / `}}` in a templated path: Vault rejects the policy"},
    {"duplicate-attribute", Category::kValidity, Severity::kError,
     "an attribute is set twice in one block: Vault 2.x rejects it, older versions merge silently"},
    {"extra-label", Category::kValidity, Severity::kWarning, "a path block has a second label, which Vault ignores"},
    {"json-quirk", Category::kValidity, Severity::kWarning,
     "Vault's JSON reader reads this differently from what the JSON says"},
    {"parameter-case-collision", Category::kValidity, Severity::kWarning,
     "two parameter names differ only in case: Vault keeps one of them at random"},
    {"list-filter-without-list", Category::kValidity, Severity::kError,
     "OpenBao's list_scan_response_keys_filter_path needs the list capability on the same path"},
    {"invalid-expiration", Category::kValidity, Severity::kError, "OpenBao `expiration` is not an RFC 3339 time"},
    {"expired-path", Category::kValidity, Severity::kWarning,
     "an OpenBao path block has expired: the server drops it silently"},
};

class ParserDiagnosticRule final : public Rule {
 public:
  explicit ParserDiagnosticRule(const RuleInfo& info) : info_(info) {}
  const RuleInfo& info() const override { return info_; }

  void CheckSet(const LintContext& ctx, Reporter& report) const override {
    for (const Diagnostic& d : ctx.parse_diagnostics) {
      if (d.code != info_.id) {
        continue;
      }
      Finding& f = report.At(d.span, d.message);
      f.severity = d.severity;
      f.related = d.related;
      f.vault_message = d.vault_message;
    }
  }

 private:
  const RuleInfo& info_;
};

}  // namespace

std::vector<std::unique_ptr<Rule>> MakeParserDiagnosticRules() {
  std::vector<std::unique_ptr<Rule>> rules;
  for (const RuleInfo& info : kParserRules) {
    rules.push_back(std::make_unique<ParserDiagnosticRule>(info));
  }
  return rules;
}

}  // namespace polcheck::linter
