// JUnit XML: one <testsuite> per policy file, one failing <testcase> per
// finding at or above warning, one passing <testcase> for a clean file.
#include <fmt/format.h>

#include <map>

#include "base/markup.h"
#include "linter/format_util.h"

namespace polcheck::linter {
std::string FormatJunit(const LintResult& result, const SourceSet& sources) {
  std::map<std::string, std::vector<const Finding*>> by_file;
  for (const Finding& f : result.findings) {
    by_file[LocationOf(f.span, sources).file].push_back(&f);
  }
  std::size_t tests = 0;
  std::string suites;
  for (const auto& [file, findings] : by_file) {
    std::string cases;
    for (const Finding* f : findings) {
      const Location l = LocationOf(f->span, sources);
      cases += fmt::format(
          "    <testcase name=\"{}:{}:{} {}\" classname=\"{}\">\n"
          "      <failure message=\"{}\" type=\"{}\">{}:{}:{}: {}: {} [{}]</failure>\n"
          "    </testcase>\n",
          EscapeXml(l.file), l.line, l.column, EscapeXml(f->rule), EscapeXml(l.file), EscapeXml(f->message), SeverityName(f->severity),
          EscapeXml(l.file), l.line, l.column, SeverityName(f->severity), EscapeXml(f->message), EscapeXml(f->rule));
    }
    tests += findings.size();
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n{}  </testsuite>\n",
                          EscapeXml(file), findings.size(), findings.size(), cases);
  }
  const std::size_t clean = result.summary.files > by_file.size() ? result.summary.files - by_file.size() : 0;
  if (clean > 0) {
    suites += fmt::format(
        "  <testsuite name=\"clean files\" tests=\"{}\" failures=\"0\" errors=\"0\">\n"
        "    <testcase name=\"{} policy files without findings\" classname=\"polcheck.lint\"/>\n"
        "  </testsuite>\n",
        1, clean);
    tests += 1;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"polcheck lint\" tests=\"{}\" failures=\"{}\">\n{}"
      "</testsuites>\n",
      tests, result.findings.size(), suites);
}

}  // namespace polcheck::linter
