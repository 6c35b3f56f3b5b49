// GitHub Actions workflow commands (one annotation per finding) and a Markdown
// job summary for $GITHUB_STEP_SUMMARY (GitHub shows only a few annotations of
// each type per step; the summary lists them all).
#include <fmt/format.h>

#include "linter/format_util.h"

namespace polcheck::linter {
namespace {

std::string EscapeData(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      default: out += c;
    }
  }
  return out;
}

std::string EscapeProperty(std::string_view s) {
  std::string out;
  for (char c : EscapeData(s)) {
    switch (c) {
      case ':': out += "%3A"; break;
      case ',': out += "%2C"; break;
      default: out += c;
    }
  }
  return out;
}

const char* Command(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kSuggestion:
    case Severity::kNote:
      return "notice";
  }
  return "warning";
}

std::string EscapeMarkdownCell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string FormatGithub(const LintResult& result, const SourceSet& sources) {
  std::string out;
  for (const Finding& f : result.findings) {
    const Location l = LocationOf(f.span, sources);
    out += fmt::format("::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n", Command(f.severity),
                       EscapeProperty(l.file), l.line, l.column, l.end_line, l.end_column,
                       EscapeProperty("polcheck " + f.rule), EscapeData(f.message));
  }
  return out;
}

std::string FormatGithubSummary(const LintResult& result, const SourceSet& sources) {
  const Summary& s = result.summary;
  std::string out = "## polcheck lint\n\n";
  out += fmt::format("| files | errors | warnings | suggestions | suppressed | in baseline |\n"
                     "| ---: | ---: | ---: | ---: | ---: | ---: |\n"
                     "| {} | {} | {} | {} | {} | {} |\n\n",
                     s.files, s.errors, s.warnings, s.suggestions, s.suppressed, s.baselined);
  if (result.findings.empty()) {
    return out + "No findings.\n";
  }
  out += "| severity | location | rule | message |\n| --- | --- | --- | --- |\n";
  for (const Finding& f : result.findings) {
    const Location l = LocationOf(f.span, sources);
    out += fmt::format("| {} | `{}:{}:{}` | `{}` | {} |\n", SeverityName(f.severity), l.file, l.line, l.column, f.rule,
                       EscapeMarkdownCell(f.message));
  }
  return out;
}

}  // namespace polcheck::linter
