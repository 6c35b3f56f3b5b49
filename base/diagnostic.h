// Diagnostics: problems in the user's input, each tied to a Span.
//
// Producers (parser, linter, config loaders) add Diagnostic values to a
// DiagnosticSink and carry on; they never throw. Printers render them:
//
//   policies/ops.hcl:3:6: error: unknown capability "banana" [invalid-capability]
//       3 | path "sys/*" { capabilities = ["banana"] }
//         |                                ^~~~~~~~
//     = vault: path "sys/*": invalid capability "banana"
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/source.h"

namespace polcheck {

enum class Severity { kNote, kSuggestion, kWarning, kError };

// "note", "suggestion", "warning", "error".
const char* SeverityName(Severity severity);

struct RelatedLocation {
  Span span;
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::kError;
  Span span;
  std::string message;  // in the user's terms
  std::string code;     // stable id, e.g. "hcl-syntax", "invalid-capability"
  // The text Vault itself would report for this problem (without the
  // "failed to parse policy: " wrapper), so users can match server messages.
  // Empty when Vault accepts the input silently.
  std::string vault_message;
  std::vector<RelatedLocation> related;
};

class DiagnosticSink {
 public:
  void Add(Diagnostic diagnostic);
  void Add(Severity severity, Span span, std::string code, std::string message,
           std::string vault_message = {});

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  // Diagnostics ordered by file, then position (stable for equal positions).
  std::vector<Diagnostic> SortedByLocation() const;
  std::size_t error_count() const { return errors_; }
  bool has_errors() const { return errors_ > 0; }

 private:
  std::vector<Diagnostic> diagnostics_;
  std::size_t errors_ = 0;
};

// Renders "file:line:col: severity: message [code]", the source line with a
// caret under the span, related locations as notes and the Vault message.
std::string RenderDiagnostic(const Diagnostic& diagnostic, const SourceSet& sources);

// "file:line:col" for the start of a span.
std::string FormatLocation(const Span& span, const SourceSet& sources);

}  // namespace polcheck
