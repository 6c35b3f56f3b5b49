#include "parser/print.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace polcheck::parser {
namespace {

using nlohmann::ordered_json;

ordered_json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return nullptr;
    case Value::Kind::kString:
      return v.str();
    case Value::Kind::kNumber:
      return ordered_json::parse(v.str(), nullptr, false);
    case Value::Kind::kInt:
      return v.int_value();
    case Value::Kind::kFloat:
      return v.float_value();
    case Value::Kind::kBool:
      return v.bool_value();
    case Value::Kind::kList: {
      ordered_json out = ordered_json::array();
      for (const Value& e : v.list()) {
        out.push_back(ToJson(e));
      }
      return out;
    }
    case Value::Kind::kObject: {
      ordered_json out = ordered_json::object();
      for (const auto& [k, e] : v.object()) {
        out[k] = ToJson(e);
      }
      return out;
    }
  }
  return nullptr;
}

ordered_json ParamsJson(const ParameterMap& params) {
  ordered_json out = ordered_json::object();
  for (const auto& [name, values] : params) {
    ordered_json list = ordered_json::array();
    for (const Value& v : values) {
      list.push_back(ToJson(v));
    }
    out[name] = std::move(list);
  }
  return out;
}

std::string ParamsText(const ParameterMap& params) {
  std::string out;
  for (const auto& [name, values] : params) {
    std::string list;
    for (const Value& v : values) {
      list += (list.empty() ? "" : ", ") + v.ToString();
    }
    out += fmt::format("{}{}=[{}]", out.empty() ? "" : " ", name, list);
  }
  return out.empty() ? "{} (no restriction)" : out;
}

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view s : items) {
    out += (out.empty() ? "" : ", ") + std::string(s);
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}

std::string RuleText(const PathRule& rule, const SourceFile& source) {
  const LineCol at = source.Locate(rule.label_span.begin);
  std::string out = fmt::format("  {}:{}  path \"{}\"  {} \"{}\"{}\n", at.line, at.column, rule.label,
                                PatternKindName(rule.pattern.kind), rule.pattern.key,
                                rule.templated ? "  (templated)" : "");
  out += fmt::format("      capabilities: {}\n",
                     rule.capabilities.empty() ? "(none)" : Join(rule.capabilities.SortedNames()));
  if (rule.allowed_parameters) {
    out += fmt::format("      allowed_parameters: {}\n", ParamsText(*rule.allowed_parameters));
  }
  if (rule.denied_parameters) {
    out += fmt::format("      denied_parameters: {}\n", ParamsText(*rule.denied_parameters));
  }
  if (!rule.required_parameters.empty()) {
    out += fmt::format("      required_parameters: {}\n", Join(rule.required_parameters));
  }
  if (rule.min_wrapping_ttl != 0) {
    out += fmt::format("      min_wrapping_ttl: {}s\n", rule.min_wrapping_ttl);
  }
  if (rule.max_wrapping_ttl != 0) {
    out += fmt::format("      max_wrapping_ttl: {}s\n", rule.max_wrapping_ttl);
  }
  if (!rule.mfa_methods.empty()) {
    out += fmt::format("      mfa_methods: {}\n", Join(rule.mfa_methods));
  }
  if (!rule.subscribe_event_types.empty()) {
    out += fmt::format("      subscribe_event_types: {}\n", Join(rule.subscribe_event_types));
  }
  if (rule.has_control_group) {
    out += "      control_group: yes\n";
  }
  if (rule.pagination_limit) {
    out += fmt::format("      pagination_limit: {}\n", *rule.pagination_limit);
  }
  if (!rule.list_scan_response_keys_filter_path.empty()) {
    out += fmt::format("      list_scan_response_keys_filter_path: {}\n", rule.list_scan_response_keys_filter_path);
  }
  if (!rule.expiration.empty()) {
    out += fmt::format("      expiration: {}\n", rule.expiration);
  }
  return out;
}

ordered_json RuleJson(const PathRule& rule, const SourceFile& source) {
  const LineCol at = source.Locate(rule.label_span.begin);
  ordered_json r;
  r["label"] = rule.label;
  r["key"] = rule.pattern.key;
  r["kind"] = std::string(PatternKindName(rule.pattern.kind));
  r["templated"] = rule.templated;
  ordered_json caps = ordered_json::array();
  for (std::string_view c : rule.capabilities.SortedNames()) {
    caps.push_back(std::string(c));
  }
  r["capabilities"] = std::move(caps);
  r["allowed_parameters"] = rule.allowed_parameters ? ParamsJson(*rule.allowed_parameters) : ordered_json(nullptr);
  r["denied_parameters"] = rule.denied_parameters ? ParamsJson(*rule.denied_parameters) : ordered_json(nullptr);
  r["required_parameters"] = rule.required_parameters;
  r["min_wrapping_ttl"] = rule.min_wrapping_ttl;
  r["max_wrapping_ttl"] = rule.max_wrapping_ttl;
  r["mfa_methods"] = rule.mfa_methods;
  r["subscribe_event_types"] = rule.subscribe_event_types;
  r["control_group"] = rule.has_control_group;
  if (rule.pagination_limit) {
    r["pagination_limit"] = *rule.pagination_limit;
  }
  if (!rule.list_scan_response_keys_filter_path.empty()) {
    r["list_scan_response_keys_filter_path"] = rule.list_scan_response_keys_filter_path;
  }
  if (!rule.expiration.empty()) {
    r["expiration"] = rule.expiration;
  }
  r["location"] = {{"file", source.name()}, {"line", at.line}, {"column", at.column}};
  return r;
}

}  // namespace

std::string FormatPoliciesText(const std::vector<PolicyFile>& files, const SourceSet& sources) {
  std::string out;
  for (const PolicyFile& f : files) {
    const SourceFile& source = sources.file(f.file);
    out += fmt::format("{}: policy \"{}\" ({}, {} {}{}{})\n", source.name(), f.policy.name, f.is_json ? "json" : "hcl",
                       f.policy.rules.size(), f.policy.rules.size() == 1 ? "rule" : "rules",
                       f.policy.templated ? ", templated" : "", f.ok ? "" : ", DOES NOT PARSE");
    for (const PathRule& rule : f.policy.rules) {
      out += RuleText(rule, source);
    }
    if (!f.vault_error.empty()) {
      out += fmt::format("  vault would answer: {}\n", f.vault_error);
    }
  }
  return out;
}

std::string FormatPoliciesJson(const std::vector<PolicyFile>& files, const SourceSet& sources,
                               const std::vector<Diagnostic>& diagnostics) {
  ordered_json out;
  ordered_json list = ordered_json::array();
  for (const PolicyFile& f : files) {
    const SourceFile& source = sources.file(f.file);
    ordered_json j;
    j["file"] = source.name();
    j["name"] = f.policy.name;
    j["format"] = f.is_json ? "json" : "hcl";
    j["dialect"] = std::string(DialectName(f.policy.dialect));
    j["ok"] = f.ok;
    j["templated"] = f.policy.templated;
    j["vault_error"] = f.vault_error;
    ordered_json rules = ordered_json::array();
    for (const PathRule& rule : f.policy.rules) {
      rules.push_back(RuleJson(rule, source));
    }
    j["rules"] = std::move(rules);
    list.push_back(std::move(j));
  }
  out["files"] = std::move(list);
  ordered_json diags = ordered_json::array();
  for (const Diagnostic& d : diagnostics) {
    const SourceFile& source = sources.file(d.span.file);
    const LineCol at = source.Locate(d.span.begin);
    const LineCol end = source.Locate(d.span.end);
    ordered_json j;
    j["severity"] = SeverityName(d.severity);
    j["code"] = d.code;
    j["message"] = d.message;
    j["location"] = {{"file", source.name()},     {"line", at.line},        {"column", at.column},
                     {"end_line", end.line},      {"end_column", end.column}};
    j["vault_message"] = d.vault_message;
    diags.push_back(std::move(j));
  }
  out["diagnostics"] = std::move(diags);
  // Policy text may hold invalid UTF-8 (Latin-1 files): replace it instead of throwing.
  return out.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace polcheck::parser
