#include <fmt/format.h>

#include "linter/format_util.h"

namespace polcheck::linter {

std::string FormatText(const LintResult& result, const SourceSet& sources) {
  std::string out;
  for (const Finding& f : result.findings) {
    out += RenderDiagnostic(ToDiagnostic(f), sources);
    if (f.fix) {
      out += fmt::format("  = fix: {}\n", f.fix->description);
    }
    out += '\n';
  }
  const Summary& s = result.summary;
  const std::size_t total = s.errors + s.warnings + s.suggestions;
  out += fmt::format("{} {} checked: {} {} ({} {}, {} {}, {} {})", s.files, s.files == 1 ? "file" : "files", total,
                     total == 1 ? "problem" : "problems", s.errors, s.errors == 1 ? "error" : "errors", s.warnings,
                     s.warnings == 1 ? "warning" : "warnings", s.suggestions,
                     s.suggestions == 1 ? "suggestion" : "suggestions");
  if (s.suppressed > 0) {
    out += fmt::format(", {} suppressed", s.suppressed);
  }
  if (s.baselined > 0) {
    out += fmt::format(", {} in baseline", s.baselined);
  }
  return out + "\n";
}

}  // namespace polcheck::linter
