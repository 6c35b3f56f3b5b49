// Helpers shared by the lint formatters (internal).
#pragma once

#include <filesystem>
#include <string>

#include "linter/linter.h"

namespace polcheck::linter {

struct Location {
  std::string file;  // as given on the command line, '/'-separated
  std::uint32_t line = 1, column = 1, end_line = 1, end_column = 1;
};

inline Location LocationOf(const Span& span, const SourceSet& sources) {
  const SourceFile& file = sources.file(span.file);
  const LineCol begin = file.Locate(span.begin);
  LineCol end = file.Locate(span.end);
  if (end.line == begin.line && end.column <= begin.column) {
    end.column = begin.column + 1;
  }
  return {std::filesystem::path(file.name()).lexically_normal().generic_string(), begin.line, begin.column, end.line,
          end.column};
}

inline const RuleInfo* InfoOf(const Finding& f) {
  const Rule* rule = FindRule(f.rule);
  return rule == nullptr ? nullptr : &rule->info();
}

inline Diagnostic ToDiagnostic(const Finding& f) {
  Diagnostic d;
  d.severity = f.severity;
  d.span = f.span;
  d.message = f.message;
  d.code = f.rule;
  d.related = f.related;
  d.vault_message = f.vault_message;
  return d;
}

}  // namespace polcheck::linter
