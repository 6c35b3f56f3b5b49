#include "linter/suppressions.h"

#include <fmt/format.h>

#include <map>
#include <unordered_map>

namespace polcheck::linter {
namespace {

constexpr std::string_view kMarker = "polcheck:ignore";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Suppression {
  Span span;                 // the comment
  std::uint32_t line = 0;    // the comment's line
  std::uint32_t covers_from = 0, covers_to = 0;  // lines covered
  Span block;                // a whole block covered (size 0 = none)
  std::vector<std::string> rules;
  std::string reason;
  std::vector<bool> used;
};

// Parses the text of one comment; nullopt when it is not a suppression.
std::optional<Suppression> ParseComment(std::string_view text) {
  if (text.substr(0, 2) == "/*") {
    text.remove_prefix(2);
    if (text.size() >= 2 && text.substr(text.size() - 2) == "*/") {
      text.remove_suffix(2);
    }
  } else if (text.substr(0, 2) == "//") {
    text.remove_prefix(2);
  } else if (text.substr(0, 1) == "#") {
    text.remove_prefix(1);
  }
  text = Trim(text);
  if (text.substr(0, kMarker.size()) != kMarker) {
    return std::nullopt;
  }
  text.remove_prefix(kMarker.size());
  Suppression s;
  const std::size_t dashes = text.find("--");
  std::string_view ids = text.substr(0, dashes);
  if (dashes != std::string_view::npos) {
    s.reason = std::string(Trim(text.substr(dashes + 2)));
  }
  while (!ids.empty()) {
    const std::size_t comma = ids.find(',');
    const std::string_view id = Trim(ids.substr(0, comma));
    if (!id.empty()) {
      s.rules.emplace_back(id);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    ids.remove_prefix(comma + 1);
  }
  s.used.assign(s.rules.size(), false);
  return s;
}

bool OnlySpaceBefore(const SourceFile& file, std::uint32_t offset) {
  const LineCol at = file.Locate(offset);
  const std::string_view line = file.Line(at.line);
  const std::string_view before = line.substr(0, offset - static_cast<std::uint32_t>(line.data() - file.text().data()));
  return Trim(before).empty();
}

std::vector<Suppression> Collect(const parser::PolicyFile& pf, const SourceFile& file) {
  std::vector<Suppression> out;
  if (!pf.syntax) {
    return out;
  }
  for (const parser::ast::Comment& c : pf.syntax->comments) {
    const std::string_view text = std::string_view(file.text()).substr(c.span.begin, c.span.size());
    std::optional<Suppression> s = ParseComment(text);
    if (!s) {
      continue;
    }
    s->span = c.span;
    s->line = file.Locate(c.span.begin).line;
    const bool standalone = OnlySpaceBefore(file, c.span.begin);
    const std::uint32_t target = standalone ? s->line + 1 : s->line;
    s->covers_from = s->line;
    s->covers_to = target;
    for (const parser::ast::Item& item : pf.syntax->items) {
      if (file.Locate(item.span.begin).line == target) {
        s->block = item.span;
      }
    }
    out.push_back(std::move(*s));
  }
  return out;
}

bool Covers(const Suppression& s, const Finding& f, const SourceFile& file) {
  if (s.block.size() > 0 && f.span.begin >= s.block.begin && f.span.begin < s.block.end) {
    return true;
  }
  const std::uint32_t line = file.Locate(f.span.begin).line;
  return line >= s.covers_from && line <= s.covers_to;
}

}  // namespace

std::vector<Finding> ApplySuppressions(const LintContext& ctx, std::vector<Finding>& findings,
                                       const std::set<std::string>& enabled) {
  std::vector<Finding> out;
  auto add = [&](std::string rule, Severity severity, Span span, std::string message) {
    Finding f;
    f.rule = std::move(rule);
    f.severity = severity;
    f.span = span;
    f.message = std::move(message);
    out.push_back(std::move(f));
  };
  // Findings grouped by file once: matching them per file is then linear.
  std::unordered_map<FileId, std::vector<Finding*>> by_file;
  for (Finding& f : findings) {
    by_file[f.span.file].push_back(&f);
  }
  for (const parser::PolicyFile& pf : ctx.files) {
    const SourceFile& file = ctx.sources.file(pf.file);
    std::vector<Suppression> suppressions = Collect(pf, file);
    for (Finding* finding : by_file[pf.file]) {
      Finding& f = *finding;
      for (Suppression& s : suppressions) {
        for (std::size_t i = 0; i < s.rules.size(); ++i) {
          if (s.rules[i] == f.rule && Covers(s, f, file)) {
            f.suppressed = true;
            f.suppression_reason = s.reason;
            s.used[i] = true;
          }
        }
      }
    }
    for (const Suppression& s : suppressions) {
      if (s.rules.empty()) {
        add("invalid-suppression", Severity::kWarning, s.span,
            "suppression names no rule: write # polcheck:ignore rule-id -- reason");
        continue;
      }
      if (s.reason.empty()) {
        add("invalid-suppression", Severity::kWarning, s.span,
            fmt::format("suppression of {} gives no reason: add \" -- why this is acceptable\"", fmt::join(s.rules, ",")));
      }
      for (std::size_t i = 0; i < s.rules.size(); ++i) {
        if (FindRule(s.rules[i]) == nullptr) {
          add("invalid-suppression", Severity::kWarning, s.span, fmt::format("suppression names unknown rule \"{}\"", s.rules[i]));
        } else if (!s.used[i] && enabled.count(s.rules[i]) != 0) {
          add("unused-suppression", Severity::kWarning, s.span,
              fmt::format("suppression of \"{}\" matches no finding: remove it", s.rules[i]));
        }
      }
    }
  }
  return out;
}

}  // namespace polcheck::linter
