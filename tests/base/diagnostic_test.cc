#include "base/diagnostic.h"

#include <gtest/gtest.h>

namespace polcheck {
namespace {

TEST(RenderDiagnostic, PrintsLocationExcerptCaretAndVaultText) {
  SourceSet sources;
  const FileId id = sources.Add("policies/ops.hcl", "# ops\npath \"sys/*\" {\n  capabilities = [\"sudo\"]\n}\n");
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.span = Span{id, 11, 18};
  d.message = "'sudo' granted on glob path \"sys/*\"";
  d.code = "sudo-on-glob";
  d.vault_message = "example";
  EXPECT_EQ(RenderDiagnostic(d, sources),
            "policies/ops.hcl:2:6: warning: 'sudo' granted on glob path \"sys/*\" [sudo-on-glob]\n"
            "  2 | path \"sys/*\" {\n"
            "    |      ^~~~~~~\n"
            "  = vault: example\n");
}

TEST(RenderDiagnostic, KeepsTabsSoTheCaretLinesUp) {
  SourceSet sources;
  const FileId id = sources.Add("a.hcl", "\tx = y\n");
  Diagnostic d{Severity::kError, Span{id, 5, 6}, "bad", "", "", {}};
  EXPECT_EQ(RenderDiagnostic(d, sources),
            "a.hcl:1:6: error: bad\n"
            "  1 | \tx = y\n"
            "    | \t    ^\n");
}

TEST(RenderDiagnostic, UnderlinesOnlyTheFirstLineOfAMultiLineSpan) {
  SourceSet sources;
  const FileId id = sources.Add("a.hcl", "path \"a\" {\n}\n");
  Diagnostic d{Severity::kError, Span{id, 9, 12}, "block", "", "", {{Span{id, 0, 4}, "related"}}};
  EXPECT_EQ(RenderDiagnostic(d, sources),
            "a.hcl:1:10: error: block\n"
            "  1 | path \"a\" {\n"
            "    |          ^\n"
            "a.hcl:1:1: note: related\n");
}

TEST(DiagnosticSink, CountsErrorsAndSortsByLocation) {
  DiagnosticSink sink;
  sink.Add(Severity::kWarning, Span{0, 10, 11}, "w", "later");
  sink.Add(Severity::kError, Span{0, 2, 3}, "e", "earlier");
  sink.Add(Severity::kError, Span{1, 0, 1}, "e", "other file");
  EXPECT_EQ(sink.error_count(), 2u);
  const std::vector<Diagnostic> sorted = sink.SortedByLocation();
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[0].message, "earlier");
  EXPECT_EQ(sorted[1].message, "later");
  EXPECT_EQ(sorted[2].message, "other file");
}

}  // namespace
}  // namespace polcheck
