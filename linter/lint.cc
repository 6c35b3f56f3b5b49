#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "linter/linter.h"
#include "linter/suppressions.h"

namespace polcheck::linter {
namespace {

Severity ToSeverity(config::Level level) {
  switch (level) {
    case config::Level::kSuggestion:
      return Severity::kSuggestion;
    case config::Level::kWarning:
      return Severity::kWarning;
    case config::Level::kError:
    case config::Level::kOff:
      return Severity::kError;
  }
  return Severity::kError;
}

std::optional<config::Level> LevelFor(const RuleInfo& info, const config::Config& cfg) {
  auto rule = cfg.lint.rules.find(std::string(info.id));
  if (rule != cfg.lint.rules.end() && rule->second.level) {
    return *rule->second.level;
  }
  auto category = cfg.lint.categories.find(std::string(CategoryName(info.category)));
  if (category != cfg.lint.categories.end()) {
    return category->second;
  }
  return std::nullopt;
}

std::uint64_t Fnv1a(std::string_view text, std::uint64_t hash = 1469598103934665603ull) {
  for (unsigned char c : text) {
    hash = (hash ^ c) * 1099511628211ull;
  }
  return hash;
}

// The flagged line with white space folded: survives moves and re-indentation.
std::string NormalizedLine(const Finding& f, const SourceSet& sources) {
  const SourceFile& file = sources.file(f.span.file);
  const std::string_view line = file.Line(file.Locate(f.span.begin).line);
  std::string out;
  for (char c : line) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') {
        out += ' ';
      }
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

std::string DisplayPath(const std::string& name) {
  std::filesystem::path p(name);
  return p.lexically_normal().generic_string();
}

void AssignFingerprints(std::vector<Finding>& findings, const SourceSet& sources) {
  std::map<std::uint64_t, int> seen;
  for (Finding& f : findings) {
    std::uint64_t h = Fnv1a(f.rule);
    h = Fnv1a(std::string_view("\0", 1), h);
    h = Fnv1a(DisplayPath(sources.file(f.span.file).name()), h);
    h = Fnv1a(std::string_view("\0", 1), h);
    h = Fnv1a(NormalizedLine(f, sources), h);
    h = Fnv1a(std::string_view("\0", 1), h);
    h = Fnv1a(f.message, h);
    const int occurrence = seen[h]++;
    f.fingerprint = fmt::format("{:016x}:{}", h, occurrence);
  }
}

bool Ignored(const SourceFile& file, const config::Config& cfg) {
  if (cfg.lint.ignore.empty()) {
    return false;
  }
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(file.name(), ec);
  const std::filesystem::path base = std::filesystem::absolute(cfg.directory.empty() ? "." : cfg.directory, ec);
  const std::string rel = abs.lexically_normal().lexically_relative(base.lexically_normal()).generic_string();
  for (const std::string& glob : cfg.lint.ignore) {
    if (config::GlobMatch(glob, rel)) {
      return true;
    }
  }
  return false;
}

void Count(const std::vector<Finding>& findings, Summary& summary) {
  for (const Finding& f : findings) {
    switch (f.severity) {
      case Severity::kError:
        ++summary.errors;
        break;
      case Severity::kWarning:
        ++summary.warnings;
        break;
      case Severity::kSuggestion:
      case Severity::kNote:
        ++summary.suggestions;
        break;
    }
  }
}

}  // namespace

std::string_view CategoryName(Category category) {
  switch (category) {
    case Category::kValidity:
      return "validity";
    case Category::kMount:
      return "mount";
    case Category::kPrecedence:
      return "precedence";
    case Category::kPrivilege:
      return "privilege";
    case Category::kTemplating:
      return "templating";
    case Category::kHygiene:
      return "hygiene";
  }
  return "validity";
}

Finding& Reporter::At(Span span, std::string message) {
  Finding f;
  f.rule = std::string(info_.id);
  f.severity = info_.default_severity;
  f.span = span;
  f.message = std::move(message);
  findings_.push_back(std::move(f));
  return findings_.back();
}

bool LintResult::Fails(config::Level fail_level) const {
  if (fail_level == config::Level::kOff) {
    return false;
  }
  const Severity threshold = ToSeverity(fail_level);
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return static_cast<int>(f.severity) >= static_cast<int>(threshold); });
}

LintResult Lint(const LintInput& input) {
  LintResult result;
  std::vector<parser::PolicyFile> kept;
  for (const parser::PolicyFile& file : input.files) {
    if (!Ignored(input.sources.file(file.file), input.config)) {
      kept.push_back(file);
    }
  }
  std::set<FileId> kept_ids;
  for (const parser::PolicyFile& f : kept) {
    kept_ids.insert(f.file);
  }
  std::vector<Diagnostic> parse_diagnostics;
  for (const Diagnostic& d : input.parse_diagnostics) {
    if (kept_ids.count(d.span.file) != 0) {
      parse_diagnostics.push_back(d);
      result.summary.parse_errors = result.summary.parse_errors || d.severity == Severity::kError;
    }
  }
  result.summary.files = kept.size();
  const LintContext ctx{input.sources, kept, parse_diagnostics, input.config, input.dialect};

  std::vector<Finding> all;
  std::set<std::string> enabled;
  for (const std::unique_ptr<Rule>& rule : Catalog()) {
    const std::optional<config::Level> level = LevelFor(rule->info(), input.config);
    if (level == config::Level::kOff) {
      continue;
    }
    enabled.insert(std::string(rule->info().id));
    Reporter report(rule->info());
    for (const parser::PolicyFile& file : kept) {
      rule->Check(file, ctx, report);
    }
    rule->CheckSet(ctx, report);
    for (Finding& f : report.Take()) {
      if (level) {
        f.severity = ToSeverity(*level);
      }
      all.push_back(std::move(f));
    }
  }
  for (Finding& f : ApplySuppressions(ctx, all, enabled)) {
    if (enabled.count(f.rule) == 0) {
      continue;
    }
    if (const std::optional<config::Level> level = LevelFor(FindRule(f.rule)->info(), input.config)) {
      f.severity = ToSeverity(*level);
    }
    all.push_back(std::move(f));
  }
  std::stable_sort(all.begin(), all.end(), [](const Finding& a, const Finding& b) {
    if (a.span.file != b.span.file) {
      return a.span.file < b.span.file;
    }
    return a.span.begin != b.span.begin ? a.span.begin < b.span.begin : a.rule < b.rule;
  });
  AssignFingerprints(all, input.sources);
  for (Finding& f : all) {
    (f.suppressed ? result.suppressed : result.findings).push_back(std::move(f));
  }
  result.summary.suppressed = result.suppressed.size();
  Count(result.findings, result.summary);
  return result;
}

}  // namespace polcheck::linter
