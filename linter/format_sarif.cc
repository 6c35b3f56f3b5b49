// SARIF 2.1.0 (validated against ../shared/schemas/sarif-schema-2.1.0.json in
// tests): one run; every catalog rule with its doc as help; results with
// repo-relative URIs, regions, related locations, partial fingerprints, fixes
// and in-source suppressions.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "linter/format_util.h"
#include "linter/json_util.h"

namespace polcheck::linter {
namespace {

using nlohmann::ordered_json;

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kSuggestion:
    case Severity::kNote:
      return "note";
  }
  return "warning";
}

// A URI reference for a relative path: percent-encode what RFC 3986 forbids.
std::string UriOf(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

ordered_json Region(const Span& span, const SourceSet& sources) {
  const Location l = LocationOf(span, sources);
  return {{"startLine", l.line}, {"startColumn", l.column}, {"endLine", l.end_line}, {"endColumn", l.end_column}};
}

ordered_json PhysicalLocation(const Span& span, const SourceSet& sources) {
  return {{"artifactLocation", {{"uri", UriOf(LocationOf(span, sources).file)}, {"uriBaseId", "%SRCROOT%"}}},
          {"region", Region(span, sources)}};
}

ordered_json RuleJson(const Rule& rule) {
  const RuleInfo& info = rule.info();
  ordered_json j;
  j["id"] = std::string(info.id);
  j["name"] = std::string(info.id);
  j["shortDescription"] = {{"text", std::string(info.summary)}};
  j["fullDescription"] = {{"text", std::string(info.summary)}};
  const std::string doc(RuleDoc(info.id));
  j["help"] = {{"text", doc.empty() ? std::string(info.summary) : doc},
               {"markdown", doc.empty() ? std::string(info.summary) : doc}};
  j["defaultConfiguration"] = {{"level", SarifLevel(info.default_severity)}};
  ordered_json tags = ordered_json::array({std::string(CategoryName(info.category))});
  ordered_json props;
  if (!info.security_severity.empty()) {
    tags.push_back("security");
    props["security-severity"] = std::string(info.security_severity);
  }
  props["tags"] = std::move(tags);
  props["precision"] = "high";
  j["properties"] = std::move(props);
  return j;
}

ordered_json ResultJson(const Finding& f, const SourceSet& sources, const std::map<std::string, int>& index) {
  ordered_json r;
  r["ruleId"] = f.rule;
  if (auto it = index.find(f.rule); it != index.end()) {
    r["ruleIndex"] = it->second;
  }
  r["level"] = SarifLevel(f.severity);
  r["message"] = {{"text", f.message}};
  r["locations"] = ordered_json::array({{{"physicalLocation", PhysicalLocation(f.span, sources)}}});
  if (!f.related.empty()) {
    ordered_json related = ordered_json::array();
    for (std::size_t i = 0; i < f.related.size(); ++i) {
      related.push_back({{"id", i + 1},
                         {"physicalLocation", PhysicalLocation(f.related[i].span, sources)},
                         {"message", {{"text", f.related[i].message}}}});
    }
    r["relatedLocations"] = std::move(related);
  }
  r["partialFingerprints"] = {{"polcheckFingerprint/v1", f.fingerprint}};
  if (f.fix) {
    ordered_json replacements = ordered_json::array();
    for (const Edit& e : f.fix->edits) {
      replacements.push_back({{"deletedRegion", Region(e.span, sources)}, {"insertedContent", {{"text", e.replacement}}}});
    }
    r["fixes"] = ordered_json::array(
        {{{"description", {{"text", f.fix->description}}},
          {"artifactChanges",
           ordered_json::array({{{"artifactLocation", {{"uri", UriOf(LocationOf(f.span, sources).file)},
                                                       {"uriBaseId", "%SRCROOT%"}}},
                                 {"replacements", std::move(replacements)}}})}}});
  }
  if (f.suppressed) {
    r["suppressions"] = ordered_json::array({{{"kind", "inSource"}, {"justification", f.suppression_reason}}});
  }
  return r;
}

}  // namespace

std::string FormatSarif(const LintResult& result, const SourceSet& sources) {
  ordered_json rules = ordered_json::array();
  std::map<std::string, int> index;
  for (const std::unique_ptr<Rule>& rule : Catalog()) {
    index[std::string(rule->info().id)] = static_cast<int>(rules.size());
    rules.push_back(RuleJson(*rule));
  }
  ordered_json results = ordered_json::array();
  for (const Finding& f : result.findings) {
    results.push_back(ResultJson(f, sources, index));
  }
  for (const Finding& f : result.suppressed) {
    results.push_back(ResultJson(f, sources, index));
  }
  ordered_json run;
  run["tool"] = {{"driver",
                  {{"name", "polcheck"},
                   {"version", kPolcheckVersion},
                   {"semanticVersion", kPolcheckVersion},
                   {"informationUri", "https://github.com/polcheck/polcheck"},
                   {"rules", std::move(rules)}}}};
  run["originalUriBaseIds"] = {{"%SRCROOT%", {{"description", {{"text", "the directory polcheck ran in"}}}}}};
  run["results"] = std::move(results);
  run["columnKind"] = "unicodeCodePoints";
  ordered_json out;
  out["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  out["version"] = "2.1.0";
  out["runs"] = ordered_json::array({std::move(run)});
  return out.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace polcheck::linter
