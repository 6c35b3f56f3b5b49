// Text, JSON and JUnit output of `polcheck test`.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "analysis/policy_tests.h"
#include "base/markup.h"

namespace polcheck::analysis {
namespace {

using nlohmann::ordered_json;

constexpr const char* kVersion = "0.1.0";

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}

std::string Percent(double p) {
  return fmt::format("{:.1f}%", p);
}

std::string RuleText(const RuleLocation& at) {
  return fmt::format("{} path \"{}\" ({}:{})", at.policy, at.pattern, at.file, at.line);
}

// The lines under a FAIL: the failed expectations, then what happened.
std::vector<std::string> FailureDetails(const PolicyTestResult& r) {
  std::vector<std::string> lines = r.failures;
  const std::string who = r.subject.empty() ? std::string("(no login)") : r.subject;
  lines.push_back(fmt::format("as {}: {}{}", who, r.request, r.step.empty() ? "" : " [" + r.step + "]"));
  if (r.allowed) {
    const std::string why = r.reason.empty() ? "" : fmt::format("{} ({})", r.reason, r.reason_text);
    lines.push_back(r.deciding ? fmt::format("decided by {}: {}", RuleText(*r.deciding), why)
                               : fmt::format("no deciding rule: {}", why));
  }
  if (r.capabilities) {
    lines.push_back(fmt::format("capabilities [{}]{}", Join(*r.capabilities),
                                r.capabilities_rule ? " from " + RuleText(*r.capabilities_rule) : ""));
  }
  return lines;
}

std::string CoverageText(const Coverage& c, const PolicyTestFormat& format) {
  std::string out = fmt::format("\ncoverage: {} of {} rules decided at least one test ({})\n", c.covered,
                                c.total, Percent(c.percent));
  std::size_t width = 0;
  for (const FileCoverage& f : c.files) {
    width = std::max(width, f.file.size());
  }
  for (const FileCoverage& f : c.files) {
    out += fmt::format("  {:<{}}  {:>3}/{:<3} {:>6}\n", f.file, width, f.covered, f.rules.size(),
                       Percent(f.percent));
  }
  std::string uncovered;
  for (const FileCoverage& f : c.files) {
    for (const RuleCoverage& rule : f.rules) {
      if (!rule.covered) {
        uncovered += fmt::format("  {}:{}:{}: path \"{}\" ({})\n", f.file, rule.line, rule.column,
                                 rule.pattern, f.policy);
      }
    }
  }
  if (!uncovered.empty()) {
    out += "uncovered rules:\n" + uncovered;
  }
  if (format.coverage_min) {
    out += CoverageBelow(c, *format.coverage_min)
               ? fmt::format("coverage {} is below --coverage-min {}\n", Percent(c.percent),
                             Percent(*format.coverage_min))
               : fmt::format("coverage {} meets --coverage-min {}\n", Percent(c.percent),
                             Percent(*format.coverage_min));
  }
  return out;
}

ordered_json LocationJson(const std::optional<RuleLocation>& at) {
  if (!at) {
    return nullptr;
  }
  return ordered_json{{"policy", at->policy},
                      {"pattern", at->pattern},
                      {"file", at->file},
                      {"line", at->line},
                      {"column", at->column}};
}

template <typename T>
ordered_json Optional(const std::optional<T>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json CoverageJson(const Coverage& c, const PolicyTestFormat& format) {
  ordered_json files = ordered_json::array();
  for (const FileCoverage& f : c.files) {
    ordered_json uncovered = ordered_json::array();
    for (const RuleCoverage& rule : f.rules) {
      if (!rule.covered) {
        uncovered.push_back({{"pattern", rule.pattern}, {"line", rule.line}, {"column", rule.column}});
      }
    }
    files.push_back({{"file", f.file},
                     {"policy", f.policy},
                     {"covered", f.covered},
                     {"total", f.rules.size()},
                     {"percent", f.percent},
                     {"uncovered", std::move(uncovered)}});
  }
  return ordered_json{{"covered", c.covered},
                      {"total", c.total},
                      {"percent", c.percent},
                      {"minimum", Optional(format.coverage_min)},
                      {"below_minimum", format.coverage_min && CoverageBelow(c, *format.coverage_min)},
                      {"files", std::move(files)}};
}

}  // namespace

std::string FormatPolicyTestsText(const PolicyTestReport& report, const PolicyTestFormat& format) {
  std::string out;
  for (const PolicyTestResult& r : report.results) {
    if (r.passed) {
      out += fmt::format("PASS  {}\n", r.name);
      continue;
    }
    out += fmt::format("FAIL  {}  ({}:{})\n", r.name, r.file, r.line);
    for (const std::string& line : FailureDetails(r)) {
      out += "      " + line + "\n";
    }
  }
  out += fmt::format("\n{} test{} in {} file{}: {} passed, {} failed\n", report.results.size(),
                     report.results.size() == 1 ? "" : "s", report.files, report.files == 1 ? "" : "s",
                     report.passed, report.failed);
  if (format.coverage || format.coverage_min) {
    out += CoverageText(report.coverage, format);
  }
  return out;
}

std::string FormatPolicyTestsJson(const PolicyTestReport& report, const PolicyTestFormat& format) {
  ordered_json tests = ordered_json::array();
  for (const PolicyTestResult& r : report.results) {
    tests.push_back({{"name", r.name},
                     {"file", r.file},
                     {"line", r.line},
                     {"passed", r.passed},
                     {"failures", r.failures},
                     {"subject", r.subject},
                     {"request", r.request},
                     {"allowed", Optional(r.allowed)},
                     {"step", r.step},
                     {"reason", r.reason},
                     {"reason_text", r.reason_text},
                     {"deciding_rule", LocationJson(r.deciding)},
                     {"capabilities", Optional(r.capabilities)},
                     {"capabilities_rule", LocationJson(r.capabilities_rule)}});
    if (!r.conditions.empty()) {
      ordered_json conditions = ordered_json::array();
      for (const Condition& c : r.conditions) {
        conditions.push_back({{"selector", c.selector}, {"value", c.value}});
      }
      tests.back()["conditions"] = std::move(conditions);
    }
  }
  ordered_json j;
  j["tool"] = {{"name", "polcheck"}, {"version", kVersion}};
  j["summary"] = {{"tests", report.results.size()},
                  {"passed", report.passed},
                  {"failed", report.failed},
                  {"files", report.files}};
  j["tests"] = std::move(tests);
  j["coverage"] = CoverageJson(report.coverage, format);
  return j.dump(2) + "\n";
}

std::string FormatPolicyTestsJunit(const PolicyTestReport& report) {
  std::map<std::string, std::vector<const PolicyTestResult*>> by_file;
  for (const PolicyTestResult& r : report.results) {
    by_file[r.file].push_back(&r);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"polcheck test\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
                     report.results.size(), report.failed);
  for (const auto& [file, results] : by_file) {
    std::size_t failed = 0;
    for (const PolicyTestResult* r : results) {
      failed += r->passed ? 0 : 1;
    }
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
                       EscapeXml(file), results.size(), failed);
    for (const PolicyTestResult* r : results) {
      out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"", EscapeXml(r->name),
                         EscapeXml(file), EscapeXml(r->file), r->line);
      if (r->passed) {
        out += "/>\n";
        continue;
      }
      std::string details;
      for (const std::string& line : FailureDetails(*r)) {
        details += line + "\n";
      }
      out +=
          fmt::format(">\n      <failure message=\"{}\" type=\"policy-test\">{}</failure>\n    </testcase>\n",
                      EscapeXml(r->failures.empty() ? "failed" : r->failures.front()), EscapeXml(details));
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace polcheck::analysis
