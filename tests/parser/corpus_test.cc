// Every policy of the shared corpus either parses or yields at least one error
// with file:line:col; nothing crashes. Parsing is deterministic.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

struct CorpusFile {
  std::string path;
  std::string text;
};

// Policy files listed in MANIFEST.tsv (kind column starting with "policy").
std::vector<CorpusFile> LoadCorpus(const std::filesystem::path& dir) {
  std::vector<CorpusFile> files;
  std::ifstream manifest(dir / "MANIFEST.tsv");
  std::string line;
  std::getline(manifest, line);  // header
  while (std::getline(manifest, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string col; std::getline(ss, col, '\t');) {
      cols.push_back(col);
    }
    if (cols.size() < 6 || cols[5].rfind("policy", 0) != 0) {
      continue;
    }
    std::ifstream in(dir / cols[0], std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    files.push_back({(dir / cols[0]).string(), text.str()});
  }
  return files;
}

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
  if (!std::filesystem::exists(dir / "MANIFEST.tsv")) {
    GTEST_SKIP() << "corpus not found at " << dir;
  }
  const std::vector<CorpusFile> files = LoadCorpus(dir);
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
