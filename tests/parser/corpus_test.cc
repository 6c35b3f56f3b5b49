// Every policy of the shared corpus either parses or yields at least one error
// with file:line:col; nothing crashes. Parsing is deterministic.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tests/parser/corpus_files.h"
#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

using testing::CorpusFile;

std::string Describe(const Policy& policy) {
  std::string out;
  for (const PathRule& r : policy.rules) {
    out += r.label + "|" + r.pattern.key + "|" + std::string(PatternKindName(r.pattern.kind)) + "|" +
           std::to_string(r.capabilities.bits()) + "|" + std::to_string(r.min_wrapping_ttl) + "|" +
           std::to_string(r.max_wrapping_ttl) + "|" + (r.templated ? "t" : "-") + "\n";
    for (const auto* map : {&r.allowed_parameters, &r.denied_parameters}) {
      if (*map) {
        for (const auto& [k, values] : **map) {
          out += "  " + k + "=" + Value::MakeList(values).ToString() + "\n";
        }
      }
    }
  }
  return out;
}

TEST(Corpus, EveryPolicyParsesOrHasLocatedErrors) {
  const std::filesystem::path dir = POLCHECK_CORPUS_DIR;
  if (!testing::HasCorpus(dir)) {
    GTEST_SKIP() << "corpus not found at " << dir;
  }
  const std::vector<CorpusFile> files = testing::LoadPolicyCorpus(dir);
  ASSERT_FALSE(files.empty());
  for (Dialect dialect : testing::kAllDialects) {
    int parsed = 0, failed = 0, json = 0;
    for (const CorpusFile& f : files) {
      auto p = testing::Parse(f.text, dialect, f.path);
      json += p->file.is_json ? 1 : 0;
      if (p->file.ok) {
        ++parsed;
        EXPECT_TRUE(p->file.vault_error.empty()) << f.path;
        // Idempotence: parsing again gives the same normalised policy.
        auto again = testing::Parse(f.text, dialect, f.path);
        EXPECT_EQ(Describe(p->file.policy), Describe(again->file.policy)) << f.path;
        continue;
      }
      ++failed;
      EXPECT_TRUE(p->sink.has_errors()) << f.path;
      EXPECT_FALSE(p->file.vault_error.empty()) << f.path;
      EXPECT_EQ(p->file.vault_error.rfind("failed to parse policy", 0), 0u) << f.path;
      for (const Diagnostic& d : p->sink.diagnostics()) {
        const std::string rendered = RenderDiagnostic(d, p->sources);
        EXPECT_EQ(rendered.rfind(f.path + ":", 0), 0u) << rendered;
      }
    }
    std::cout << "[corpus] " << DialectName(dialect) << ": " << files.size() << " policies (" << json
              << " JSON): " << parsed << " parse, " << failed << " with errors\n";
  }
}

}  // namespace
}  // namespace polcheck::parser
