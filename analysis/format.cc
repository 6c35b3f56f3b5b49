// Text, JSON, CSV and HTML output of simulate, who-can and matrix.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analysis/analysis.h"
#include "analysis/symbolic.h"
#include "base/markup.h"

namespace polcheck::analysis {
namespace {

using nlohmann::ordered_json;

std::string Join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const std::string& s : items) {
    out += (out.empty() ? "" : std::string(sep)) + s;
  }
  return out;
}

std::string Where(const std::optional<RuleLocation>& at) {
  if (!at) {
    return "";
  }
  return fmt::format(" [{}: path \"{}\", {}:{}]", at->policy, at->pattern, at->file, at->line);
}

std::string Indent(std::string_view text, std::string_view prefix) {
  std::string out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    out += std::string(prefix) + std::string(text.substr(0, nl)) + "\n";
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

ordered_json LocationJson(const std::optional<RuleLocation>& at) {
  if (!at) {
    return nullptr;
  }
  return ordered_json{{"policy", at->policy}, {"pattern", at->pattern}, {"file", at->file}, {"line", at->line}};
}

ordered_json SubjectJson(const Subject& s) {
  ordered_json j;
  j["kind"] = std::string(SubjectKindName(s.kind));
  j["label"] = s.label;
  j["mount"] = s.mount;
  j["name"] = s.name;
  j["token_policies"] = s.token_policies;
  j["identity_policies"] = s.identity_policies;
  j["policies"] = s.policies;
  if (s.identity && s.identity->entity && !s.identity->entity->name.empty()) {
    j["entity"] = s.identity->entity->name;
  }
  if (s.identity && (s.open_placeholders.empty() || !s.identity->groups.empty())) {
    std::vector<std::string> groups;
    for (const evaluator::Group& g : s.identity->groups) {
      groups.push_back(g.name);
    }
    j["groups"] = groups;
  }
  if (!s.login_error.empty()) {
    j["login_error"] = s.login_error;
  }
  if (s.entity_disabled) {
    j["entity_disabled"] = true;
  }
  return j;
}

ordered_json ConditionsJson(const std::vector<Condition>& conditions) {
  ordered_json out = ordered_json::array();
  for (const Condition& c : conditions) {
    out.push_back({{"selector", c.selector}, {"value", c.value}});
  }
  return out;
}

// " (for logins where ...)" after a conditional grant.
std::string ForLogins(const std::vector<Condition>& conditions) {
  return conditions.empty() ? "" : fmt::format(" for logins where {}", ConditionsText(conditions));
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) {
    return std::string(s);
  }
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

std::string Cell(const std::vector<std::string>& caps) {
  return caps.empty() ? "-" : Join(caps, ",");
}

const std::vector<Condition>& CellConditions(const Matrix& m, std::size_t r, std::size_t c) {
  static const std::vector<Condition> kNone;
  return r < m.conditions.size() && c < m.conditions[r].size() ? m.conditions[r][c] : kNone;
}

// A text cell; a conditional one gets the next footnote number, "read [1]".
std::string MatrixCell(const Matrix& m, std::size_t r, std::size_t c, std::size_t& note) {
  if (CellConditions(m, r, c).empty()) {
    return Cell(m.cells[r][c]);
  }
  return fmt::format("{} [{}]", Cell(m.cells[r][c]), ++note);
}

}  // namespace

std::string FormatAnswersText(const Workspace& ws, const std::vector<Answer>& answers, bool explain) {
  std::string out;
  for (const Answer& a : answers) {
    const Subject& s = a.subject;
    if (!out.empty()) {
      out += "\n";
    }
    out += s.label + "\n";
    if (explain) {
      for (const std::string& line : s.chain) {
        out += "  " + line + "\n";
      }
      for (const std::string& line : OpenPlaceholderNotes(ws, s)) {
        out += "  " + line + "\n";
      }
    }
    out += "  policies: " + (s.policies.empty() ? std::string("(none)") : Join(s.policies)) + "\n";
    if (explain && ws.builtin_default &&
        std::find(s.policies.begin(), s.policies.end(), "default") != s.policies.end()) {
      out += fmt::format("  `default` is Vault's built-in policy ({})\n", DialectName(ws.dialect));
    }
    for (const std::string& p : a.missing_policies) {
      out += fmt::format("  note: policy \"{}\" is not in policies/ (Vault ignores a missing policy)\n", p);
    }
    if (a.capabilities) {
      out += fmt::format("  capabilities: {}{}{}\n", Join(*a.capabilities), ForLogins(a.conditions),
                         Where(a.capabilities_rule));
    }
    for (const StepAnswer& st : a.steps) {
      const std::string what = st.step.description.empty()
                                   ? fmt::format("{} {}", evaluator::OperationName(st.step.operation), st.step.path)
                                   : fmt::format("{}: {} {}", st.step.description,
                                                 st.step.mount_visibility
                                                     ? std::string("see mount")
                                                     : std::string(evaluator::OperationName(st.step.operation)),
                                                 st.step.path);
      if (st.allowed) {
        out += fmt::format("  {}: allowed{}{}\n", what, ForLogins(a.conditions), Where(st.deciding));
      } else {
        out += fmt::format("  {}: denied: {}{}\n", what, st.reason_text, Where(st.deciding));
      }
      if (explain && !st.explanation.empty()) {
        out += Indent(st.explanation, "    ");
      }
    }
  }
  return out;
}

std::string FormatAnswersJson(const std::vector<Answer>& answers) {
  ordered_json list = ordered_json::array();
  for (const Answer& a : answers) {
    ordered_json j;
    j["subject"] = SubjectJson(a.subject);
    j["allowed"] = a.allowed;
    if (!a.conditions.empty()) {
      j["conditions"] = ConditionsJson(a.conditions);
    }
    if (a.capabilities) {
      j["capabilities"] = *a.capabilities;
      j["capabilities_rule"] = LocationJson(a.capabilities_rule);
    }
    ordered_json steps = ordered_json::array();
    for (const StepAnswer& st : a.steps) {
      ordered_json s;
      if (!st.step.description.empty()) {
        s["step"] = st.step.description;
      }
      s["path"] = st.step.path;
      s["operation"] = st.step.mount_visibility ? "see-mount" : std::string(evaluator::OperationName(st.step.operation));
      s["allowed"] = st.allowed;
      s["reason"] = st.reason;
      s["deciding_rule"] = LocationJson(st.deciding);
      s["granting_policies"] = st.granting_policies;
      if (!st.explanation.empty()) {
        s["explanation"] = st.explanation;
      }
      steps.push_back(std::move(s));
    }
    if (!a.steps.empty()) {
      j["requests"] = std::move(steps);
    }
    j["missing_policies"] = a.missing_policies;
    j["chain"] = a.subject.chain;
    list.push_back(std::move(j));
  }
  return ordered_json{{"answers", list}}.dump(2) + "\n";
}

std::string FormatWhoCanText(const WhoCanResult& r) {
  const std::string what = r.query.operation ? std::string(evaluator::OperationName(*r.query.operation))
                                             : fmt::format("hold '{}' on", parser::CapabilityName(*r.query.capability));
  if (!r.unauthenticated.empty()) {
    return fmt::format("who can {} {}: everyone ({} of {} subjects, and clients without a token): {}\n", what,
                       r.query.path, r.allowed.size(), r.subjects_checked, r.unauthenticated);
  }
  std::string out = fmt::format("who can {} {}: {} of {} subjects\n", what, r.query.path, r.allowed.size(),
                                r.subjects_checked);
  std::size_t width = 0;
  for (const WhoCanEntry& e : r.allowed) {
    width = std::max(width, e.subject.label.size());
  }
  for (const WhoCanEntry& e : r.allowed) {
    out += fmt::format("  {:<{}}  {}{}{}\n", e.subject.label, width, Join(e.capabilities), ForLogins(e.conditions),
                       Where(e.deciding));
  }
  return out;
}

std::string FormatWhoCanJson(const WhoCanResult& r) {
  ordered_json j;
  j["path"] = r.query.path;
  if (r.query.operation) {
    j["operation"] = std::string(evaluator::OperationName(*r.query.operation));
  } else {
    j["capability"] = std::string(parser::CapabilityName(*r.query.capability));
  }
  j["subjects_checked"] = r.subjects_checked;
  if (!r.unauthenticated.empty()) {
    j["unauthenticated"] = r.unauthenticated;
  }
  ordered_json list = ordered_json::array();
  for (const WhoCanEntry& e : r.allowed) {
    ordered_json x;
    x["subject"] = SubjectJson(e.subject);
    x["capabilities"] = e.capabilities;
    x["deciding_rule"] = LocationJson(e.deciding);
    if (!e.conditions.empty()) {
      x["conditions"] = ConditionsJson(e.conditions);
    }
    list.push_back(std::move(x));
  }
  j["allowed"] = std::move(list);
  return j.dump(2) + "\n";
}

std::string FormatMatrixText(const Matrix& m) {
  std::vector<std::size_t> width(m.paths.size() + 1, 0);
  width[0] = std::string_view("subject").size();
  for (const Subject& s : m.subjects) {
    width[0] = std::max(width[0], s.label.size());
  }
  std::size_t counted = 0;
  for (std::size_t r = 0; r < m.subjects.size(); ++r) {
    for (std::size_t c = 0; c < m.paths.size(); ++c) {
      width[c + 1] = std::max({width[c + 1], m.paths[c].size(), MatrixCell(m, r, c, counted).size()});
    }
  }
  for (std::size_t c = 0; c < m.paths.size(); ++c) {
    width[c + 1] = std::max(width[c + 1], m.paths[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}  ", cells[i], width[i]);
    }
    return out + "\n";
  };
  std::vector<std::string> header = {"subject"};
  header.insert(header.end(), m.paths.begin(), m.paths.end());
  std::string out = line(header);
  std::string notes;
  std::size_t note = 0;
  for (std::size_t r = 0; r < m.subjects.size(); ++r) {
    std::vector<std::string> cells = {m.subjects[r].label};
    for (std::size_t c = 0; c < m.paths.size(); ++c) {
      cells.push_back(MatrixCell(m, r, c, note));
      if (!CellConditions(m, r, c).empty()) {
        notes += fmt::format("[{}] {} on {}: {}\n", note, m.subjects[r].label, m.paths[c],
                             ForLogins(CellConditions(m, r, c)).substr(1));
      }
    }
    out += line(cells);
  }
  return out + notes;
}

std::string FormatMatrixCsv(const Matrix& m) {
  std::string out = "subject";
  for (const std::string& p : m.paths) {
    out += "," + CsvField(p);
  }
  out += "\n";
  for (std::size_t r = 0; r < m.subjects.size(); ++r) {
    out += CsvField(m.subjects[r].label);
    for (std::size_t c = 0; c < m.paths.size(); ++c) {
      out += "," + CsvField(Join(m.cells[r][c], " ") + ForLogins(CellConditions(m, r, c)));
    }
    out += "\n";
  }
  return out;
}

std::string FormatMatrixJson(const Matrix& m) {
  ordered_json j;
  j["paths"] = m.paths;
  ordered_json rows = ordered_json::array();
  for (std::size_t r = 0; r < m.subjects.size(); ++r) {
    ordered_json row;
    row["subject"] = SubjectJson(m.subjects[r]);
    ordered_json cells = ordered_json::object();
    for (std::size_t c = 0; c < m.paths.size(); ++c) {
      cells[m.paths[c]] = m.cells[r][c];
    }
    row["capabilities"] = std::move(cells);
    ordered_json conditions = ordered_json::object();
    for (std::size_t c = 0; c < m.paths.size(); ++c) {
      if (!CellConditions(m, r, c).empty()) {
        conditions[m.paths[c]] = ConditionsJson(CellConditions(m, r, c));
      }
    }
    if (!conditions.empty()) {
      row["conditions"] = std::move(conditions);
    }
    rows.push_back(std::move(row));
  }
  j["rows"] = std::move(rows);
  return j.dump(2) + "\n";
}

std::string FormatMatrixHtml(const Matrix& m) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>polcheck matrix</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;margin:1.5em}\n"
      "table{border-collapse:collapse}\n"
      "th,td{border:1px solid #ccc;padding:.3em .6em;font-size:90%;text-align:left}\n"
      "th{background:#f3f3f3;position:sticky;top:0}\n"
      "td.deny{background:#fde2e2;color:#8a1c1c}\n"
      "td.read{background:#e5f0fb}\n"
      "td.write{background:#fff3cd}\n"
      "td.sudo{background:#f8d7f0}\n"
      "code{font-family:ui-monospace,monospace}\n"
      "</style>\n</head>\n<body>\n<h1>Capabilities by subject and path</h1>\n<table>\n<thead><tr><th>subject</th>";
  for (const std::string& p : m.paths) {
    out += "<th><code>" + EscapeHtml(p) + "</code></th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < m.subjects.size(); ++r) {
    out += "<tr><th><code>" + EscapeHtml(m.subjects[r].label) + "</code></th>";
    for (std::size_t c = 0; c < m.paths.size(); ++c) {
      const std::vector<std::string>& caps = m.cells[r][c];
      auto has = [&](std::string_view cap) { return std::find(caps.begin(), caps.end(), cap) != caps.end(); };
      std::string cls = "read";
      if (caps.empty() || has("deny")) {
        cls = "deny";
      } else if (has("sudo") || has("root")) {
        cls = "sudo";
      } else if (has("create") || has("update") || has("delete") || has("patch")) {
        cls = "write";
      }
      const std::string when = ForLogins(CellConditions(m, r, c));
      out += "<td class=\"" + cls + "\">" + EscapeHtml(Cell(caps)) +
             (when.empty() ? "" : "<br><small>" + EscapeHtml(when.substr(1)) + "</small>") + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n</body>\n</html>\n";
  return out;
}

}  // namespace polcheck::analysis
