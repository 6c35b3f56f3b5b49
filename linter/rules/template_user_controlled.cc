#include <algorithm>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

constexpr RuleInfo kInfo = {
    .id = "template-user-controlled",
    .category = Category::kTemplating,
    .default_severity = Severity::kError,
    .summary = "a templated path draws from login-supplied alias data that may contain '/', '+' or '*'",
    .security_severity = "7.5",
};

// Auth methods whose alias names and metadata are restricted identifiers
// (Kubernetes DNS names and UIDs, AppRole role IDs, cloud principals, ...) or
// set by an administrator, not free text supplied by whoever logs in.
constexpr std::string_view kSafeMethods[] = {"kubernetes", "approle", "userpass", "aws", "gcp", "azure",
                                             "cert", "github", "token", "alicloud", "oci"};

// "auth_jwt_1a2b3c4d" -> "jwt"; "" when the accessor does not have that shape.
std::string_view MethodOf(std::string_view accessor) {
  if (!accessor.starts_with("auth_")) {
    return {};
  }
  const std::size_t last = accessor.rfind('_');
  return last <= 5 ? std::string_view() : accessor.substr(5, last - 5);
}

// Claims an end user can usually edit at the identity provider.
constexpr std::string_view kUserClaims[] = {"email",      "preferred_username", "username", "name",
                                            "nickname",   "upn",                "given_name", "family_name",
                                            "login",      "user",               "mail"};

// The metadata key of an alias metadata selector ("...metadata.email" -> "email").
std::string_view MetadataKey(std::string_view selector) {
  const std::size_t at = selector.find(".metadata.");
  return at == std::string_view::npos ? std::string_view() : selector.substr(at + 10);
}

bool UserControlled(const Selector& s, std::string_view selector) {
  if (s.source == SelectorSource::kAliasMetadata) {
    const std::string_view key = MetadataKey(selector);
    if (std::find(std::begin(kUserClaims), std::end(kUserClaims), key) == std::end(kUserClaims)) {
      return false;  // metadata set by the auth method's configuration (claim_mappings), not free text
    }
  } else if (s.source != SelectorSource::kAliasName) {
    return false;
  }
  const std::string_view method = MethodOf(s.accessor);
  return std::find(std::begin(kSafeMethods), std::end(kSafeMethods), method) == std::end(kSafeMethods);
}

class TemplateUserControlledRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    // OpenBao 2.6 rejects '/', '+' and '*' in template output by default (§7).
    if (ctx.dialect == Dialect::kOpenBao) {
      return;
    }
    for (const parser::PathRule& rule : file.policy.rules) {
      if (!rule.templated || rule.capabilities.empty() || rule.capabilities.is_deny()) {
        continue;
      }
      for (const Placeholder& p : Placeholders(rule.label)) {
        const Selector s = ParseSelector(p.selector);
        if (!UserControlled(s, p.selector)) {
          continue;
        }
        report.At(rule.label_span,
                  "{{{{{}}}}} in \"{}\" is filled from login data of mount accessor \"{}\" (e.g. a JWT claim): "
                  "a value such as \"bob/x\" adds path segments and can reach another user's tree (Vault splices '/' in unless "
                  "deny_slash_in_templated_paths is set; versions before the 2025 fixes also splice '+' and '*'); "
                  "use {{{{identity.entity.id}}}} or an admin-set entity metadata key",
                  p.selector, rule.label, s.accessor);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeTemplateUserControlledRule() { return std::make_unique<TemplateUserControlledRule>(); }

}  // namespace polcheck::linter
