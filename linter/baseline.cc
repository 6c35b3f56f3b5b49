// Baseline files: {"version": 1, "findings": [{"rule", "file", "fingerprint", "message"}]}.
// Fingerprints hash the rule, the file, the flagged line's text and the
// message, so they survive lines moving up or down.
#include <nlohmann/json.hpp>

#include <set>

#include "linter/format_util.h"

namespace polcheck::linter {

Expected<void> ApplyBaseline(std::string_view baseline_json, LintResult& result) {
  nlohmann::json j = nlohmann::json::parse(baseline_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("findings") || !j["findings"].is_array()) {
    return Unexpected(Error::Code::kInvalidArgument,
                      "not a polcheck baseline (expected {\"version\": 1, \"findings\": [...]})");
  }
  std::set<std::pair<std::string, std::string>> known;
  for (const nlohmann::json& f : j["findings"]) {
    if (f.is_object() && f.contains("rule") && f.contains("fingerprint") && f["rule"].is_string() &&
        f["fingerprint"].is_string()) {
      known.emplace(f["rule"].get<std::string>(), f["fingerprint"].get<std::string>());
    }
  }
  std::vector<Finding> kept;
  for (Finding& f : result.findings) {
    if (known.count({f.rule, f.fingerprint}) != 0) {
      ++result.summary.baselined;
      switch (f.severity) {
        case Severity::kError: --result.summary.errors; break;
        case Severity::kWarning: --result.summary.warnings; break;
        case Severity::kSuggestion:
        case Severity::kNote: --result.summary.suggestions; break;
      }
    } else {
      kept.push_back(std::move(f));
    }
  }
  result.findings = std::move(kept);
  return {};
}

std::string WriteBaseline(const LintResult& result, const SourceSet& sources) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& f : result.findings) {
    findings.push_back({{"rule", f.rule},
                        {"file", LocationOf(f.span, sources).file},
                        {"fingerprint", f.fingerprint},
                        {"message", f.message}});
  }
  nlohmann::ordered_json out;
  out["version"] = 1;
  out["findings"] = std::move(findings);
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace polcheck::linter
