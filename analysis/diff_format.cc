// Formatters for polcheck diff: text, Markdown (a PR comment), JSON, HTML.
// Text, Markdown and HTML merge the regions of one principal that show the same
// change under the same name (e.g. the '/'-terminated and the other paths of a
// glob); JSON lists every signature region as computed.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/diff.h"
#include "base/markup.h"

namespace polcheck::analysis {
namespace {

using parser::CapabilitySet;

std::string Names(CapabilitySet caps) {
  std::string out;
  for (std::string_view n : caps.SortedNames()) {
    out += (out.empty() ? "" : ", ") + std::string(n);
  }
  return out;
}

// "+read, update -delete"
std::string ChangeText(const RegionChange& c) {
  std::string out;
  if (!c.gained().empty()) {
    out += "+" + Names(c.gained());
  }
  if (!c.lost().empty()) {
    out += (out.empty() ? "-" : " -") + Names(c.lost());
  }
  if (out.empty() && !c.constraint_changes.empty()) {
    out = "~constraints";
  }
  return out;
}

std::string RuleText(const std::optional<RuleLocation>& at) {
  if (!at) {
    return "no rule";
  }
  return fmt::format("{}:{} \"{}\"", at->file, at->line, at->pattern);
}

struct Shown {
  const RegionChange* change = nullptr;
  std::string region;
  std::size_t merged = 1;
};

// Regions with one name and one change shown once.
std::vector<Shown> Merge(const std::vector<RegionChange>& changes) {
  std::map<std::string, std::size_t> index;
  std::vector<Shown> out;
  std::vector<std::pair<bool, bool>> slash;  // saw ending in '/', saw not
  for (const RegionChange& c : changes) {
    std::string key = fmt::format("{}\x1f{}\x1f{}", c.core, c.before.bits(), c.after.bits());
    for (const std::string& k : c.constraint_changes) {
      key += "\x1f" + k;
    }
    auto [it, inserted] = index.try_emplace(key, out.size());
    if (inserted) {
      out.push_back({&c, c.description, 1});
      slash.emplace_back(c.ends_with_slash, !c.ends_with_slash);
      continue;
    }
    Shown& s = out[it->second];
    ++s.merged;
    slash[it->second].first |= c.ends_with_slash;
    slash[it->second].second |= !c.ends_with_slash;
    if (slash[it->second].first && slash[it->second].second) {
      s.region = c.core;
    }
    if (!c.ends_with_slash && s.change->ends_with_slash) {
      s.change = &c;  // prefer the example without the trailing '/'
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Shown& a, const Shown& b) {
    return !a.change->risks.empty() && b.change->risks.empty();
  });
  return out;
}

std::string RisksText(const RegionChange& c) {
  std::string out;
  for (const std::string& r : c.risks) {
    out += (out.empty() ? "" : "; ") + r;
  }
  return out;
}

std::string Summary(const DiffResult& r) {
  std::size_t risky = 0;
  for (const PrincipalChange& p : r.principals) {
    risky += p.risky() ? 1 : 0;
  }
  return fmt::format("{} of {} {} changed ({} with risky gains), {} {} changed", r.principals.size(),
                     r.principals_total, r.principals_total == 1 ? "principal" : "principals", risky,
                     r.policies.size(), r.policies.size() == 1 ? "policy" : "policies");
}

std::string PrincipalHeading(const PrincipalChange& p) {
  return fmt::format("{} ({}, {})", p.label, SubjectKindName(p.kind), ChangeStatusName(p.status));
}

void TextChanges(std::string& out, const std::vector<RegionChange>& changes) {
  for (const Shown& s : Merge(changes)) {
    const RegionChange& c = *s.change;
    const bool gain = !c.gained().empty();
    out += fmt::format("  {}  {}\n      e.g. {}  [{}]\n", ChangeText(c), s.region, c.example,
                       RuleText(gain || c.lost().empty() ? c.after_rule : c.before_rule));
    for (const std::string& k : c.constraint_changes) {
      out += fmt::format("      {}\n", k);
    }
    if (!c.risks.empty()) {
      out += fmt::format("      risky: {}\n", RisksText(c));
    }
  }
}

std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '`') {
      out += "'";
    } else {
      out += c;
    }
  }
  return out;
}

void MarkdownTable(std::string& out, const std::vector<RegionChange>& changes) {
  out += "| change | region | example | rule |\n| --- | --- | --- | --- |\n";
  for (const Shown& s : Merge(changes)) {
    const RegionChange& c = *s.change;
    std::string change = Cell(ChangeText(c));
    if (!c.risks.empty()) {
      change = "**" + change + "** :warning:";
    }
    for (const std::string& k : c.constraint_changes) {
      change += "<br>" + Cell(k);
    }
    const bool gain = !c.gained().empty();
    out += fmt::format("| {} | `{}` | `{}` | {} |\n", change, Cell(s.region), Cell(c.example),
                       Cell(RuleText(gain || c.lost().empty() ? c.after_rule : c.before_rule)));
  }
}

nlohmann::ordered_json LocationJson(const std::optional<RuleLocation>& at) {
  if (!at) {
    return nullptr;
  }
  return {{"policy", at->policy}, {"pattern", at->pattern}, {"file", at->file}, {"line", at->line}};
}

nlohmann::ordered_json CapsJson(CapabilitySet caps) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (std::string_view n : caps.SortedNames()) {
    out.push_back(std::string(n));
  }
  return out;
}

nlohmann::ordered_json ChangesJson(const std::vector<RegionChange>& changes) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const RegionChange& c : changes) {
    out.push_back({{"region", c.description},
                   {"example", c.example},
                   {"ends_with_slash", c.ends_with_slash},
                   {"canonical", c.canonical},
                   {"matches", c.matches},
                   {"trimmed_matches", c.trimmed_matches},
                   {"within", c.within},
                   {"before", CapsJson(c.before)},
                   {"after", CapsJson(c.after)},
                   {"gained", CapsJson(c.gained())},
                   {"lost", CapsJson(c.lost())},
                   {"constraint_changes", c.constraint_changes},
                   {"risks", c.risks},
                   {"before_rule", LocationJson(c.before_rule)},
                   {"after_rule", LocationJson(c.after_rule)}});
  }
  return out;
}

void HtmlTable(std::string& out, const std::vector<RegionChange>& changes) {
  out += "<table><tr><th>change</th><th>region</th><th>example</th><th>rule</th></tr>\n";
  for (const Shown& s : Merge(changes)) {
    const RegionChange& c = *s.change;
    std::string change = EscapeHtml(ChangeText(c));
    for (const std::string& k : c.constraint_changes) {
      change += "<br><small>" + EscapeHtml(k) + "</small>";
    }
    if (!c.risks.empty()) {
      change += "<br><small class=\"risk\">" + EscapeHtml(RisksText(c)) + "</small>";
    }
    const bool gain = !c.gained().empty();
    out += fmt::format("<tr class=\"{}\"><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                       !c.risks.empty() ? "risky" : gain ? "gain" : "loss", change, EscapeHtml(s.region), EscapeHtml(c.example),
                       EscapeHtml(RuleText(gain || c.lost().empty() ? c.after_rule : c.before_rule)));
  }
  out += "</table>\n";
}

}  // namespace

std::string FormatDiffText(const DiffResult& r) {
  std::string out = fmt::format("polcheck diff {} -> {}\n{}\n", r.base_label, r.head_label, Summary(r));
  if (!r.any_change()) {
    out += "no change in access\n";
    return out;
  }
  if (r.risky()) {
    out += "\nRisky gains:\n";
    for (const PrincipalChange& p : r.principals) {
      for (const Shown& s : Merge(p.changes)) {
        if (!s.change->risks.empty()) {
          out += fmt::format("  {}: +{} on {} (e.g. {}): {}\n", p.label, Names(s.change->gained()), s.region,
                             s.change->example, RisksText(*s.change));
        }
      }
    }
  }
  if (!r.principals.empty()) {
    out += "\nPrincipals:\n";
  }
  for (const PrincipalChange& p : r.principals) {
    out += PrincipalHeading(p) + "\n";
    for (const std::string& n : p.notes) {
      out += "  " + n + "\n";
    }
    TextChanges(out, p.changes);
  }
  if (!r.policies.empty()) {
    out += "\nPolicies:\n";
  }
  for (const PolicyChange& p : r.policies) {
    out += fmt::format("{} ({}, {}{})\n", p.name, ChangeStatusName(p.status), p.file,
                       p.templated ? ", templated: <selector> stands for the rendered value" : "");
    TextChanges(out, p.changes);
  }
  return out;
}

std::string FormatDiffMarkdown(const DiffResult& r) {
  std::string out = fmt::format("## polcheck diff: `{}` → `{}`\n\n**{}**\n\n", Cell(r.base_label), Cell(r.head_label),
                                Summary(r));
  if (!r.any_change()) {
    out += "No change in access.\n";
    return out;
  }
  if (r.risky()) {
    out += "### :warning: Risky gains\n\n| principal | gained | region | example | why |\n| --- | --- | --- | --- | --- |\n";
    for (const PrincipalChange& p : r.principals) {
      for (const Shown& s : Merge(p.changes)) {
        if (!s.change->risks.empty()) {
          out += fmt::format("| `{}` | {} | `{}` | `{}` | {} |\n", Cell(p.label), Names(s.change->gained()),
                             Cell(s.region), Cell(s.change->example), Cell(RisksText(*s.change)));
        }
      }
    }
    out += "\n";
  }
  if (!r.principals.empty()) {
    out += "### Principals\n\n";
  }
  // GitHub refuses comments over 65,536 characters: stop well before.
  constexpr std::size_t kCommentBudget = 60000;
  std::size_t shown = 0;
  for (const PrincipalChange& p : r.principals) {
    if (out.size() > kCommentBudget) {
      out += fmt::format("… and {} more principals: the full report is in `--format html` or `--format json`.\n\n",
                         r.principals.size() - shown);
      break;
    }
    ++shown;
    out += fmt::format("#### `{}` ({}, {})\n\n", Cell(p.label), SubjectKindName(p.kind), ChangeStatusName(p.status));
    for (const std::string& n : p.notes) {
      out += "- " + Cell(n) + "\n";
    }
    if (!p.notes.empty()) {
      out += "\n";
    }
    if (!p.changes.empty()) {
      MarkdownTable(out, p.changes);
      out += "\n";
    }
  }
  if (!r.policies.empty()) {
    out += "### Policies\n\n";
  }
  for (const PolicyChange& p : r.policies) {
    if (out.size() > kCommentBudget) {
      out += "… more policies: the full report is in `--format html` or `--format json`.\n";
      break;
    }
    out += fmt::format("#### `{}` ({}, `{}`)\n\n", Cell(p.name), ChangeStatusName(p.status), Cell(p.file));
    if (p.templated) {
      out += "Templated: `<selector>` stands for the value the identity supplies.\n\n";
    }
    if (!p.changes.empty()) {
      MarkdownTable(out, p.changes);
      out += "\n";
    }
  }
  return out;
}

std::string FormatDiffJson(const DiffResult& r) {
  nlohmann::ordered_json principals = nlohmann::ordered_json::array();
  for (const PrincipalChange& p : r.principals) {
    principals.push_back({{"label", p.label},
                          {"kind", SubjectKindName(p.kind)},
                          {"status", ChangeStatusName(p.status)},
                          {"policies_before", p.policies_before},
                          {"policies_after", p.policies_after},
                          {"notes", p.notes},
                          {"risky", p.risky()},
                          {"changes", ChangesJson(p.changes)}});
  }
  nlohmann::ordered_json policies = nlohmann::ordered_json::array();
  for (const PolicyChange& p : r.policies) {
    policies.push_back({{"name", p.name},
                        {"status", ChangeStatusName(p.status)},
                        {"file", p.file},
                        {"templated", p.templated},
                        {"changes", ChangesJson(p.changes)}});
  }
  nlohmann::ordered_json out = {{"base", r.base_label},
                        {"head", r.head_label},
                        {"summary",
                         {{"principals_total", r.principals_total},
                          {"principals_changed", r.principals.size()},
                          {"policies_changed", r.policies.size()},
                          {"new_access", r.new_access()},
                          {"risky", r.risky()}}},
                        {"principals", principals},
                        {"policies", policies}};
  return out.dump(2) + "\n";
}

std::string FormatDiffHtml(const DiffResult& r) {
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>polcheck diff</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
      "table{border-collapse:collapse;margin:0.5em 0 1.5em}\n"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\n"
      "tr.gain td:first-child{color:#1a7f37}\n"
      "tr.loss td:first-child{color:#cf222e}\n"
      "tr.risky{background:#fff1e5}\n"
      ".risk{color:#bc4c00}\n"
      "code{font-size:90%}\n"
      "</style></head><body>\n";
  out += fmt::format("<h1>polcheck diff: <code>{}</code> &rarr; <code>{}</code></h1>\n<p><b>{}</b></p>\n",
                     EscapeHtml(r.base_label), EscapeHtml(r.head_label), EscapeHtml(Summary(r)));
  if (!r.any_change()) {
    out += "<p>No change in access.</p>\n</body></html>\n";
    return out;
  }
  if (!r.principals.empty()) {
    out += "<h2>Principals</h2>\n";
  }
  std::vector<const PrincipalChange*> order;
  for (const PrincipalChange& p : r.principals) {
    order.push_back(&p);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const PrincipalChange* a, const PrincipalChange* b) { return a->risky() && !b->risky(); });
  for (const PrincipalChange* p : order) {
    out += fmt::format("<h3><code>{}</code> ({}, {}){}</h3>\n", EscapeHtml(p->label), SubjectKindName(p->kind),
                       ChangeStatusName(p->status), p->risky() ? " <span class=\"risk\">risky</span>" : "");
    for (const std::string& n : p->notes) {
      out += "<p>" + EscapeHtml(n) + "</p>\n";
    }
    if (!p->changes.empty()) {
      HtmlTable(out, p->changes);
    }
  }
  if (!r.policies.empty()) {
    out += "<h2>Policies</h2>\n";
  }
  for (const PolicyChange& p : r.policies) {
    out += fmt::format("<h3><code>{}</code> ({}, <code>{}</code>)</h3>\n", EscapeHtml(p.name), ChangeStatusName(p.status),
                       EscapeHtml(p.file));
    if (!p.changes.empty()) {
      HtmlTable(out, p.changes);
    }
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace polcheck::analysis
