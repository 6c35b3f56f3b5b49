#include "base/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>

namespace polcheck {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The excerpt: "  12 | text" and "     |    ^~~~" (only the part of the span on
// its first line is underlined).
void AppendExcerpt(std::string& out, const Span& span, const SourceFile& file) {
  const LineCol at = file.Locate(span.begin);
  const std::string_view line = file.Line(at.line);
  const std::string number = std::to_string(at.line);
  const std::string gutter(number.size(), ' ');
  fmt::format_to(std::back_inserter(out), "  {} | {}\n", number, line);

  std::string marker;
  std::uint32_t column = 1;
  std::size_t i = 0;
  for (; i < line.size() && column < at.column; ++i) {
    if (IsContinuation(line[i])) {
      continue;
    }
    marker += line[i] == '\t' ? '\t' : ' ';
    ++column;
  }
  marker += '^';
  // Underline the remaining code points of the span that lie on this line.
  std::size_t width = 0;
  const std::string& text = file.text();
  for (std::uint32_t off = span.begin + 1; off < span.end && off < text.size(); ++off) {
    if (text[off] == '\n') {
      break;
    }
    if (!IsContinuation(text[off])) {
      ++width;
    }
  }
  marker.append(width, '~');
  fmt::format_to(std::back_inserter(out), "  {} | {}\n", gutter, marker);
}

}  // namespace

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kNote:
      return "note";
    case Severity::kSuggestion:
      return "suggestion";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

void DiagnosticSink::Add(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::kError) {
    ++errors_;
  }
  diagnostics_.push_back(std::move(diagnostic));
}

void DiagnosticSink::Add(Severity severity, Span span, std::string code, std::string message,
                         std::string vault_message) {
  Add(Diagnostic{severity, span, std::move(message), std::move(code), std::move(vault_message), {}});
}

std::vector<Diagnostic> DiagnosticSink::SortedByLocation() const {
  std::vector<Diagnostic> sorted = diagnostics_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.span.file != b.span.file ? a.span.file < b.span.file : a.span.begin < b.span.begin;
  });
  return sorted;
}

std::string FormatLocation(const Span& span, const SourceSet& sources) {
  const SourceFile& file = sources.file(span.file);
  const LineCol at = file.Locate(span.begin);
  return fmt::format("{}:{}:{}", file.name(), at.line, at.column);
}

std::string RenderDiagnostic(const Diagnostic& diagnostic, const SourceSet& sources) {
  std::string out = fmt::format("{}: {}: {}", FormatLocation(diagnostic.span, sources),
                                SeverityName(diagnostic.severity), diagnostic.message);
  if (!diagnostic.code.empty()) {
    fmt::format_to(std::back_inserter(out), " [{}]", diagnostic.code);
  }
  out += '\n';
  AppendExcerpt(out, diagnostic.span, sources.file(diagnostic.span.file));
  for (const RelatedLocation& related : diagnostic.related) {
    fmt::format_to(std::back_inserter(out), "{}: note: {}\n", FormatLocation(related.span, sources),
                   related.message);
  }
  if (!diagnostic.vault_message.empty()) {
    fmt::format_to(std::back_inserter(out), "  = vault: {}\n", diagnostic.vault_message);
  }
  return out;
}

}  // namespace polcheck
