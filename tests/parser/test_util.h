// Helpers shared by the parser table tests: parse a text, render every
// diagnostic the way the CLI prints it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "base/dialect.h"
#include "base/source.h"
#include "parser/parser.h"

namespace polcheck::parser::testing {

struct Parsed {
  SourceSet sources;
  DiagnosticSink sink;
  PolicyFile file;

  // Every diagnostic, in the order the parser reported them, rendered with
  // RenderDiagnostic and concatenated.
  std::string Rendered() const {
    std::string out;
    for (const Diagnostic& d : sink.diagnostics()) {
      out += RenderDiagnostic(d, sources);
    }
    return out;
  }
  // Only the diagnostics of `severity`.
  std::string Rendered(Severity severity) const {
    std::string out;
    for (const Diagnostic& d : sink.diagnostics()) {
      if (d.severity == severity) {
        out += RenderDiagnostic(d, sources);
      }
    }
    return out;
  }
  std::vector<std::string> VaultMessages() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : sink.diagnostics()) {
      out.push_back(d.vault_message);
    }
    return out;
  }
};

// Parses `text` as the file "p.hcl" (or `name`) in `dialect`.
inline std::unique_ptr<Parsed> Parse(std::string_view text, Dialect dialect = Dialect::kVault,
                                     std::string name = "p.hcl", std::string namespace_path = "") {
  auto parsed = std::make_unique<Parsed>();
  const FileId id = parsed->sources.Add(std::move(name), std::string(text));
  ParseOptions options;
  options.dialect = dialect;
  options.namespace_path = std::move(namespace_path);
  parsed->file = ParsePolicy(parsed->sources.file(id), options, parsed->sink);
  return parsed;
}

inline constexpr Dialect kAllDialects[] = {Dialect::kVault, Dialect::kVaultLegacy, Dialect::kOpenBao};

}  // namespace polcheck::parser::testing
