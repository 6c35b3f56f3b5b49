// fmt on every policy of the shared corpus, in every dialect: each file that
// parses formats, the result formats to itself, and it parses to the same
// normalised policy (every field of every rule). JSON files are converted to HCL.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "parser/format.h"
#include "tests/parser/corpus_files.h"
#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

using testing::CorpusFile;

struct Tally {
  int parsed = 0;
  int formatted = 0;
  int idempotent = 0;
  int same_meaning = 0;
  int changed = 0;
};

void CheckFile(const CorpusFile& f, Dialect dialect, Tally& tally) {
  auto original = testing::Parse(f.text, dialect, f.path);
  if (!original->file.ok) {
    return;
  }
  ++tally.parsed;
  const FormatResult r =
      FormatPolicy(original->file, original->sources.file(original->file.file), {.json_to_hcl = true});
  ASSERT_EQ(r.status, FormatResult::Status::kOk) << f.path << ": " << r.message;
  ++tally.formatted;
  tally.changed += r.text != f.text ? 1 : 0;

  auto again = testing::Parse(r.text, dialect, f.path);
  ASSERT_TRUE(again->file.ok) << f.path << "\n" << again->Rendered() << r.text;
  const bool same = SameMeaning(original->file.policy, again->file.policy);
  EXPECT_TRUE(same) << f.path << "\n" << r.text;
  tally.same_meaning += same ? 1 : 0;

  const FormatResult twice = FormatPolicy(again->file, again->sources.file(again->file.file));
  ASSERT_EQ(twice.status, FormatResult::Status::kOk) << f.path << ": " << twice.message;
  EXPECT_EQ(twice.text, r.text) << f.path;
  tally.idempotent += twice.text == r.text ? 1 : 0;
  EXPECT_TRUE(IsFormatted(again->file, again->sources.file(again->file.file))) << f.path;
}

TEST(FormatCorpus, EveryParsingPolicyFormatsIdempotentlyWithoutChangingMeaning) {
  const std::filesystem::path dir = POLCHECK_CORPUS_DIR;
  if (!testing::HasCorpus(dir)) {
    GTEST_SKIP() << "corpus not found at " << dir << " (POLCHECK_CORPUS_DIR)";
  }
  const std::vector<CorpusFile> files = testing::LoadPolicyCorpus(dir);
  ASSERT_FALSE(files.empty());
  for (Dialect dialect : testing::kAllDialects) {
    Tally tally;
    for (const CorpusFile& f : files) {
      CheckFile(f, dialect, tally);
    }
    EXPECT_GT(tally.parsed, 0);
    EXPECT_EQ(tally.formatted, tally.parsed);
    EXPECT_EQ(tally.idempotent, tally.parsed);
    EXPECT_EQ(tally.same_meaning, tally.parsed);
    std::cout << "[fmt corpus] " << DialectName(dialect) << ": " << files.size() << " policies, "
              << tally.parsed << " parse, " << tally.formatted << " formatted, " << tally.idempotent
              << " idempotent, " << tally.same_meaning << " same meaning, " << tally.changed
              << " changed by fmt\n";
  }
}

}  // namespace
}  // namespace polcheck::parser
