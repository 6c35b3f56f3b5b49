// JSON output. Schema (stable; documented in README.md):
//   {"tool": {name, version}, "summary": {...},
//    "findings": [{rule, category, severity, message, location, related, fix, fingerprint}],
//    "suppressed": [... plus "reason"]}
#include <nlohmann/json.hpp>

#include "linter/format_util.h"
#include "linter/json_util.h"

namespace polcheck::linter {

nlohmann::ordered_json LocationJson(const Span& span, const SourceSet& sources) {
  const Location l = LocationOf(span, sources);
  return {{"file", l.file}, {"line", l.line}, {"column", l.column}, {"end_line", l.end_line},
          {"end_column", l.end_column}};
}

nlohmann::ordered_json FindingJson(const Finding& f, const SourceSet& sources) {
  nlohmann::ordered_json j;
  const RuleInfo* info = InfoOf(f);
  j["rule"] = f.rule;
  j["category"] = info ? std::string(CategoryName(info->category)) : "validity";
  j["severity"] = SeverityName(f.severity);
  j["message"] = f.message;
  j["location"] = LocationJson(f.span, sources);
  nlohmann::ordered_json related = nlohmann::ordered_json::array();
  for (const RelatedLocation& r : f.related) {
    related.push_back({{"message", r.message}, {"location", LocationJson(r.span, sources)}});
  }
  j["related"] = std::move(related);
  if (f.fix) {
    nlohmann::ordered_json edits = nlohmann::ordered_json::array();
    for (const Edit& e : f.fix->edits) {
      edits.push_back({{"location", LocationJson(e.span, sources)}, {"replacement", e.replacement}});
    }
    j["fix"] = {{"description", f.fix->description}, {"edits", std::move(edits)}};
  } else {
    j["fix"] = nullptr;
  }
  j["vault_message"] = f.vault_message;
  j["fingerprint"] = f.fingerprint;
  if (f.suppressed) {
    j["reason"] = f.suppression_reason;
  }
  return j;
}

std::string FormatJson(const LintResult& result, const SourceSet& sources) {
  nlohmann::ordered_json out;
  out["tool"] = {{"name", "polcheck"}, {"version", kPolcheckVersion}};
  const Summary& s = result.summary;
  out["summary"] = {{"files", s.files},
                    {"findings", result.findings.size()},
                    {"errors", s.errors},
                    {"warnings", s.warnings},
                    {"suggestions", s.suggestions},
                    {"suppressed", s.suppressed},
                    {"baselined", s.baselined},
                    {"parse_errors", s.parse_errors}};
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& f : result.findings) {
    findings.push_back(FindingJson(f, sources));
  }
  out["findings"] = std::move(findings);
  nlohmann::ordered_json suppressed = nlohmann::ordered_json::array();
  for (const Finding& f : result.suppressed) {
    suppressed.push_back(FindingJson(f, sources));
  }
  out["suppressed"] = std::move(suppressed);
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace polcheck::linter
