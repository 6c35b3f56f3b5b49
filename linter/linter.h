// polcheck::linter — `polcheck lint`: a catalog of rules over parsed policies,
// with per-rule levels from the config file, inline suppressions, baselines
// and formatters for people and CI (text, JSON, SARIF, GitHub, JUnit).
//
//   LintInput input{sources, files, parse_sink.diagnostics(), config, Dialect::kVault};
//   LintResult result = Lint(input);
//   std::cout << FormatText(result, sources);
//   return result.Fails(config::Level::kError) ? 1 : 0;
//
// A rule lives in linter/rules/<id>.cc with its doc <id>.md and test data
// tests/linter/rules/<id>.hcl; catalog.cc lists every rule.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/diagnostic.h"
#include "base/dialect.h"
#include "base/source.h"
#include "config/config.h"
#include "parser/parser.h"

namespace polcheck::linter {

enum class Category { kValidity, kMount, kPrecedence, kPrivilege, kTemplating, kHygiene };
std::string_view CategoryName(Category category);

struct RuleInfo {
  std::string_view id;  // kebab-case, never reused
  Category category = Category::kValidity;
  Severity default_severity = Severity::kWarning;
  std::string_view summary;
  // Security rules are tagged "security" in SARIF and carry a CVSS-like score
  // (GitHub code scanning's `security-severity`), e.g. "8.8".
  std::string_view security_severity = "";
};

struct Edit {
  Span span;
  std::string replacement;
};

struct Fix {
  std::string description;
  std::vector<Edit> edits;
};

struct Finding {
  std::string rule;
  Severity severity = Severity::kWarning;
  Span span;
  std::string message;
  std::vector<RelatedLocation> related;
  std::optional<Fix> fix;
  std::string vault_message;  // what Vault answers, for findings that come from the parser
  std::string fingerprint;    // stable across line moves
  bool suppressed = false;
  std::string suppression_reason;
};

// What a rule sees.
struct LintContext {
  const SourceSet& sources;
  const std::vector<parser::PolicyFile>& files;
  const std::vector<Diagnostic>& parse_diagnostics;
  const config::Config& config;
  Dialect dialect;
};

// Collects the findings of one rule.
class Reporter {
 public:
  explicit Reporter(const RuleInfo& info) : info_(info) {}

  Finding& At(Span span, std::string message);
  template <typename... Args>
  Finding& At(Span span, fmt::format_string<Args...> format, Args&&... args) {
    return At(span, fmt::format(format, std::forward<Args>(args)...));
  }

  std::vector<Finding> Take() { return std::move(findings_); }

 private:
  const RuleInfo& info_;
  std::vector<Finding> findings_;
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual const RuleInfo& info() const = 0;
  // Checks one policy file that parsed (or partly parsed).
  virtual void Check(const parser::PolicyFile& /*file*/, const LintContext& /*ctx*/, Reporter& /*report*/) const {}
  // Checks the whole policy set (cross-policy rules, parser-backed rules).
  virtual void CheckSet(const LintContext& /*ctx*/, Reporter& /*report*/) const {}
};

// Every rule, in catalog order (linter/catalog.cc).
const std::vector<std::unique_ptr<Rule>>& Catalog();
const Rule* FindRule(std::string_view id);
// The rule's Markdown doc (Summary, Avoid, Prefer, Rationale, Options); empty if none.
std::string_view RuleDoc(std::string_view id);

struct LintInput {
  const SourceSet& sources;
  const std::vector<parser::PolicyFile>& files;
  const std::vector<Diagnostic>& parse_diagnostics;
  const config::Config& config;
  Dialect dialect = Dialect::kVault;
};

struct Summary {
  std::size_t files = 0;
  std::size_t errors = 0, warnings = 0, suggestions = 0;
  std::size_t suppressed = 0;
  std::size_t baselined = 0;
  bool parse_errors = false;  // some input does not parse (exit code 3)
};

struct LintResult {
  std::vector<Finding> findings;  // active (not suppressed, not baselined), by location
  std::vector<Finding> suppressed;
  Summary summary;

  // True when a finding is at or above `fail_level`.
  bool Fails(config::Level fail_level) const;
};

// Runs every enabled rule, applies levels, ignore globs and suppressions.
LintResult Lint(const LintInput& input);

// Removes findings whose fingerprint is in the baseline file's text; returns
// false (and leaves `result` alone) when the baseline is not valid JSON.
[[nodiscard]] Expected<void> ApplyBaseline(std::string_view baseline_json, LintResult& result);
std::string WriteBaseline(const LintResult& result, const SourceSet& sources);

// Formatters (linter/format_*.cc).
std::string FormatText(const LintResult& result, const SourceSet& sources);
std::string FormatJson(const LintResult& result, const SourceSet& sources);
std::string FormatSarif(const LintResult& result, const SourceSet& sources);
std::string FormatGithub(const LintResult& result, const SourceSet& sources);
std::string FormatGithubSummary(const LintResult& result, const SourceSet& sources);
std::string FormatJunit(const LintResult& result, const SourceSet& sources);

}  // namespace polcheck::linter
