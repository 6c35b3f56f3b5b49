// libFuzzer target: any byte string, read as a policy in every dialect, must
// give either a policy or diagnostics with valid spans — never a crash, a hang
// or an invariant failure.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/check.h"
#include "parser/parser.h"
#include "parser/print.h"

namespace {

void ParseOnce(const std::string& text, polcheck::Dialect dialect) {
  polcheck::SourceSet sources;
  polcheck::DiagnosticSink sink;
  const polcheck::SourceFile& source = sources.file(sources.Add("fuzz.hcl", text));
  polcheck::parser::PolicyFile file = polcheck::parser::ParsePolicy(source, {.dialect = dialect}, sink);
  POLCHECK_CHECK(file.ok == (!sink.has_errors() && file.vault_error.empty()));
  POLCHECK_CHECK(!file.ok || file.vault_error.empty());
  POLCHECK_CHECK(file.ok || sink.has_errors());
  for (const polcheck::Diagnostic& d : sink.diagnostics()) {
    POLCHECK_CHECK(d.span.begin <= d.span.end && d.span.end <= text.size());
    (void)polcheck::RenderDiagnostic(d, sources);
  }
  std::vector<polcheck::parser::PolicyFile> files;
  files.push_back(std::move(file));
  (void)polcheck::parser::FormatPoliciesJson(files, sources, sink.diagnostics());
  (void)polcheck::parser::FormatPoliciesText(files, sources);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ParseOnce(text, polcheck::Dialect::kVault);
  ParseOnce(text, polcheck::Dialect::kVaultLegacy);
  ParseOnce(text, polcheck::Dialect::kOpenBao);
  return 0;
}
