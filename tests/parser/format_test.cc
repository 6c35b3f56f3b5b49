// polcheck fmt's layout: input -> exact expected output, plus the invariants
// (idempotent, meaning preserved) on every table input.
#include "parser/format.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

struct FormatCase {
  const char* name;
  const char* input;
  const char* expected;
};

// Formats `text` as a policy; fails the test when it cannot.
std::string Format(const std::string& text, const std::string& name = "p.hcl", bool to_hcl = false) {
  auto parsed = testing::Parse(text, Dialect::kVault, name);
  EXPECT_TRUE(parsed->file.ok) << parsed->Rendered();
  const FormatResult r = FormatPolicy(parsed->file, parsed->sources.file(parsed->file.file), {.json_to_hcl = to_hcl});
  EXPECT_EQ(r.status, FormatResult::Status::kOk) << r.message;
  return r.text;
}

void ExpectSameMeaning(const std::string& a, const std::string& b, const std::string& name_a = "p.hcl") {
  for (Dialect dialect : testing::kAllDialects) {
    auto pa = testing::Parse(a, dialect, name_a);
    auto pb = testing::Parse(b, dialect, "p.hcl");
    EXPECT_EQ(pa->file.ok, pb->file.ok) << DialectName(dialect);
    EXPECT_TRUE(SameMeaning(pa->file.policy, pb->file.policy)) << DialectName(dialect) << "\n" << b;
  }
}

const FormatCase kCases[] = {
    {"AlignsAdjacentAttributes",
     "path \"secret/*\" {\ncapabilities = [\"read\",\"list\"]\n   min_wrapping_ttl = \"1h\"\n}\n",
     "path \"secret/*\" {\n  capabilities     = [\"read\", \"list\"]\n  min_wrapping_ttl = \"1h\"\n}\n"},
    {"BlankLineBeforeMultiLineAttribute",
     "path \"a\" {\n  capabilities = [\"read\"]\n  allowed_parameters = {\n    \"foo\" = [\"bar\"]\n  }\n}\n",
     "path \"a\" {\n  capabilities = [\"read\"]\n\n  allowed_parameters = {\n    \"foo\" = [\"bar\"]\n  }\n}\n"},
    {"MultiLineListOneElementPerLineWithTrailingComma",
     "path \"a\" {\n  capabilities = [\n  \"read\",\n      \"list\"\n  ]\n}\n",
     "path \"a\" {\n  capabilities = [\n    \"read\",\n    \"list\",\n  ]\n}\n"},
    {"OneLineListStaysOnOneLine",
     "path \"a\" {\n\tcapabilities = [ \"read\" ,\"list\",]\n}\n",
     "path \"a\" {\n  capabilities = [\"read\", \"list\"]\n}\n"},
    {"OneBlankLineBetweenTopLevelBlocks",
     "\n\npath \"a\" {\ncapabilities=[\"read\"]\n}\npath \"b\" {\ncapabilities=[\"list\"]\n}\n\n\n\npath \"c\" {\n"
     "capabilities=[\"deny\"]\n}\n\n\n",
     "path \"a\" {\n  capabilities = [\"read\"]\n}\n\npath \"b\" {\n  capabilities = [\"list\"]\n}\n\npath \"c\" {\n"
     "  capabilities = [\"deny\"]\n}\n"},
    {"AdjacentEmptyBlocksStayTogether",
     "path \"a\" {}\npath \"b\" {}\n\n\npath \"c\" {\ncapabilities=[\"read\"]\n}\n",
     "path \"a\" {}\npath \"b\" {}\n\npath \"c\" {\n  capabilities = [\"read\"]\n}\n"},
    {"NameAndPathSeparatedByBlankLine",
     "name = \"ops\"\npath \"a\" {\n  capabilities = [\"read\"]\n}\n",
     "name = \"ops\"\n\npath \"a\" {\n  capabilities = [\"read\"]\n}\n"},
    // hcl attaches `{ # c` to nothing: it becomes a standalone comment at the
    // top of the block. A comment ending the file is preceded by a blank line and
    // followed by one (hcl's printer ends it with a newline, Format adds one).
    {"CommentsEverywhere",
     "# lead of a\npath \"a\" { # line of a\n  # lead of caps\n  capabilities = [\"read\"] # line of caps\n\n"
     "  # standalone in a\n}\n# end\n",
     "# lead of a\npath \"a\" {\n  # line of a\n\n  # lead of caps\n  capabilities = [\"read\"] # line of caps\n\n"
     "  # standalone in a\n}\n\n# end\n\n"},
    {"StandaloneCommentBetweenBlocks",
     "path \"a\" {}\n# between\n\npath \"b\" {}\n",
     "path \"a\" {}\n\n# between\n\npath \"b\" {}\n"},
    {"LineCommentsAlignedInARun",
     "path \"a\" {\n  capabilities = [\"read\"] // r\n  comment = \"x\" /* c */\n}\n",
     "path \"a\" {\n  capabilities = [\"read\"] // r\n  comment      = \"x\"      /* c */\n}\n"},
    // hcl gives a comment after a comma to the next attribute.
    {"CommaBetweenAttributesMovesLineComment",
     "path \"a\" {\n  capabilities = [\"read\"], # c\n  comment = \"x\"\n}\n",
     "path \"a\" {\n  capabilities = [\"read\"]\n  comment      = \"x\"      # c\n}\n"},
    {"CommasBetweenAttributesOnOneLine",
     "path \"a\" { capabilities = [\"read\"], comment = \"x\" }\n",
     "path \"a\" {\n  capabilities = [\"read\"]\n\n  comment = \"x\"\n}\n"},
    {"ListCommentsLeadAndLine",
     "path \"a\" {\n  capabilities = [\n    \"read\", # r\n    # lead of list\n    \"list\",\n  ]\n}\n",
     "path \"a\" {\n  capabilities = [\n    \"read\", # r\n\n    # lead of list\n    \"list\",\n  ]\n}\n"},
    {"HeredocKeptVerbatim",
     "path \"a\" {\n  capabilities = [\"read\"]\n  comment = <<EOT\n  indented text\n\tand a tab\nEOT\n}\n",
     "path \"a\" {\n  capabilities = [\"read\"]\n\n  comment = <<EOT\n  indented text\n\tand a tab\nEOT\n}\n"},
    {"IndentedHeredocKeptVerbatim",
     "path \"a\" {\ncapabilities = [\"read\"]\n\n    comment = <<-EOT\n      text\n    EOT\n}\n",
     "path \"a\" {\n  capabilities = [\"read\"]\n\n  comment = <<-EOT\n      text\n    EOT\n}\n"},
    {"NestedParameterMaps",
     "path \"a\" {\n  capabilities = [\"create\"]\n  allowed_parameters = {\n    \"ttl\" = []\n"
     "    \"policies\" = [\"a\",\"b\"]\n  }\n  denied_parameters = {\n  \"*\" = [{\"x\" = 1}]\n  }\n}\n",
     "path \"a\" {\n  capabilities = [\"create\"]\n\n  allowed_parameters = {\n    \"ttl\"      = []\n"
     "    \"policies\" = [\"a\", \"b\"]\n  }\n\n  denied_parameters = {\n    \"*\" = [\n      {\n        \"x\" = 1\n"
     "      },\n    ]\n  }\n}\n"},
    {"BlockStyleParameterMap",
     "path \"a\" {\n  capabilities = [\"update\"]\n  allowed_parameters {\n    \"*\" = []\n  }\n}\n",
     "path \"a\" {\n  capabilities = [\"update\"]\n\n  allowed_parameters {\n    \"*\" = []\n  }\n}\n"},
    {"BareLabelsAndNumbersKept",
     "path secret {\n  capabilities = [\"read\"]\n  max_wrapping_ttl = 300\n}\n",
     "path secret {\n  capabilities     = [\"read\"]\n  max_wrapping_ttl = 300\n}\n"},
    {"CrlfBecomesLf",
     "path \"a\" {\r\n  capabilities = [\"read\"]\r\n}\r\n",
     "path \"a\" {\n  capabilities = [\"read\"]\n}\n"},
    {"EmptyFile", "", "\n"},
    {"CommentOnlyFile", "# nothing yet\n", "# nothing yet\n\n"},
    // Departures from hcl, pinned (see parser/format.cc): comments hcl would drop
    // or re-indent on every run are kept as written.
    {"MultiLineBlockCommentKeptVerbatim",
     "path \"a\" {\n  /* one\n     two */\n  capabilities = [\"read\"]\n}\n",
     "path \"a\" {\n  /* one\n     two */\n  capabilities = [\"read\"]\n}\n"},
    {"LeadCommentInOneLineListKept",
     "path \"a\" {\n  capabilities =\n  # why\n  [\"read\"]\n}\n",
     "path \"a\" {\n  capabilities = [\n    # why\n    \"read\",\n  ]\n}\n"},
};

class FormatTable : public ::testing::TestWithParam<FormatCase> {};

TEST_P(FormatTable, ProducesExpectedLayout) {
  const FormatCase& c = GetParam();
  EXPECT_EQ(Format(c.input), c.expected);
}

TEST_P(FormatTable, IsIdempotent) {
  const FormatCase& c = GetParam();
  EXPECT_EQ(Format(c.expected), c.expected);
}

TEST_P(FormatTable, KeepsMeaning) {
  const FormatCase& c = GetParam();
  ExpectSameMeaning(c.input, Format(c.input));
}

INSTANTIATE_TEST_SUITE_P(Layout, FormatTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<FormatCase>& p) { return p.param.name; });

TEST(Format, FormattedFileIsFormatted) {
  auto parsed = testing::Parse("path \"a\" {\n  capabilities = [\"read\"]\n}\n");
  EXPECT_TRUE(IsFormatted(parsed->file, parsed->sources.file(parsed->file.file)));
  auto messy = testing::Parse("path \"a\" {\ncapabilities = [\"read\"]\n}\n");
  EXPECT_FALSE(IsFormatted(messy->file, messy->sources.file(messy->file.file)));
}

TEST(Format, RefusesPolicyThatDoesNotParse) {
  auto parsed = testing::Parse("path \"a\" {\n  capabilities = [\"banana\"]\n}\n");
  const FormatResult r = FormatPolicy(parsed->file, parsed->sources.file(parsed->file.file));
  EXPECT_EQ(r.status, FormatResult::Status::kNotParsed);
  EXPECT_EQ(r.message, "failed to parse policy: path \"a\": invalid capability \"banana\"");
  EXPECT_TRUE(r.text.empty());
  EXPECT_TRUE(IsFormatted(parsed->file, parsed->sources.file(parsed->file.file)));
}

TEST(Format, RefusesSyntaxError) {
  auto parsed = testing::Parse("path \"a\" {\n  capabilities = [\"read\"\n}\n");
  EXPECT_EQ(FormatPolicy(parsed->file, parsed->sources.file(parsed->file.file)).status,
            FormatResult::Status::kNotParsed);
}

constexpr char kJson[] =
    "{\n  \"path\": {\n    \"secret/a\": {\n      \"capabilities\": [\"read\", \"list\"]\n    },\n"
    "    \"secret/b/*\": {\n      \"capabilities\": [\n        \"create\",\n        \"update\"\n      ],\n"
    "      \"allowed_parameters\": {\"x\": [\"1\"], \"with space\": []},\n"
    "      \"max_wrapping_ttl\": 300\n    }\n  }\n}\n";

TEST(Format, JsonIsRefusedWithoutToHcl) {
  auto parsed = testing::Parse(kJson, Dialect::kVault, "p.json");
  ASSERT_TRUE(parsed->file.ok);
  const FormatResult r = FormatPolicy(parsed->file, parsed->sources.file(parsed->file.file));
  EXPECT_EQ(r.status, FormatResult::Status::kJsonUnsupported);
  EXPECT_EQ(r.message, "vault policy fmt cannot format JSON policies (use --to-hcl to convert it to HCL)");
  EXPECT_TRUE(IsFormatted(parsed->file, parsed->sources.file(parsed->file.file)));
}

TEST(Format, JsonConvertsToHcl) {
  const std::string hcl = Format(kJson, "p.json", true);
  EXPECT_EQ(hcl,
            "path \"secret/a\" {\n  capabilities = [\"read\", \"list\"]\n}\n\n"
            "path \"secret/b/*\" {\n  capabilities = [\n    \"create\",\n    \"update\",\n  ]\n\n"
            "  allowed_parameters = {\n    x            = [\"1\"]\n    \"with space\" = []\n  }\n\n"
            "  max_wrapping_ttl = 300\n}\n");
  ExpectSameMeaning(kJson, hcl, "p.json");
  EXPECT_EQ(Format(hcl), hcl);
}

TEST(Format, JsonStringsAreRequotedForHcl) {
  const std::string json = "{\"path\": {\"a/\\u00e9\\\"q\\\\\": {\"capabilities\": [\"read\"], \"comment\": \"t\\tab\"}}}";
  const std::string hcl = Format(json, "p.json", true);
  EXPECT_EQ(hcl, "path \"a/\xc3\xa9\\\"q\\\\\" {\n  capabilities = [\"read\"]\n  comment      = \"t\\tab\"\n}\n");
  ExpectSameMeaning(json, hcl, "p.json");
}

TEST(Format, JsonNullCannotBeConverted) {
  auto parsed = testing::Parse("{\"path\": {\"a\": {\"capabilities\": [\"read\"], \"comment\": null}}}",
                               Dialect::kVault, "p.json");
  ASSERT_TRUE(parsed->file.ok) << parsed->Rendered();
  const FormatResult r = FormatPolicy(parsed->file, parsed->sources.file(parsed->file.file), {.json_to_hcl = true});
  EXPECT_EQ(r.status, FormatResult::Status::kUnsafe);
  EXPECT_EQ(r.message, "the JSON policy holds a null value, which HCL cannot express");
}

TEST(FormatHclText, RejectsInvalidHcl) {
  EXPECT_EQ(FormatHclText("path \"a\" {"), std::nullopt);
  EXPECT_EQ(FormatHclText("path \"a\" { x = 'y' }"), std::nullopt);
}

// SameMeaning must notice a change in any field of a rule.
TEST(SameMeaning, NoticesEveryRuleField) {
  auto base = testing::Parse(
      "path \"a/*\" {\n  capabilities = [\"read\"]\n  allowed_parameters = { \"k\" = [\"v\"] }\n"
      "  denied_parameters = { \"d\" = [] }\n  required_parameters = [\"r\"]\n  min_wrapping_ttl = 1\n"
      "  max_wrapping_ttl = 2\n  mfa_methods = [\"m\"]\n  subscribe_event_types = [\"e\"]\n}\n");
  ASSERT_TRUE(base->file.ok) << base->Rendered();
  const Policy& p = base->file.policy;
  EXPECT_TRUE(SameMeaning(p, p));
  using Mutation = void (*)(PathRule&);
  const Mutation mutations[] = {
      [](PathRule& r) { r.label += "x"; },
      [](PathRule& r) { r.pattern.key += "x"; },
      [](PathRule& r) { r.pattern.kind = PatternKind::kExact; },
      [](PathRule& r) { r.templated = !r.templated; },
      [](PathRule& r) { r.capabilities.Add(Capability::kList); },
      [](PathRule& r) { r.capability_names.push_back("read"); },
      [](PathRule& r) { (*r.allowed_parameters)["k"].push_back(Value::String("w")); },
      [](PathRule& r) { r.denied_parameters.reset(); },
      [](PathRule& r) { r.required_parameters.clear(); },
      [](PathRule& r) { r.min_wrapping_ttl = 5; },
      [](PathRule& r) { r.max_wrapping_ttl = 5; },
      [](PathRule& r) { r.mfa_methods.clear(); },
      [](PathRule& r) { r.subscribe_event_types.clear(); },
      [](PathRule& r) { r.has_control_group = true; },
      [](PathRule& r) { r.pagination_limit = 3; },
      [](PathRule& r) { r.list_scan_response_keys_filter_path = "x"; },
      [](PathRule& r) { r.expiration = "2030-01-01T00:00:00Z"; },
  };
  for (std::size_t i = 0; i < std::size(mutations); ++i) {
    Policy changed = p;
    mutations[i](changed.rules.front());
    EXPECT_FALSE(SameMeaning(p, changed)) << "mutation " << i;
  }
  Policy fewer = p;
  fewer.rules.clear();
  EXPECT_FALSE(SameMeaning(p, fewer));
}

TEST(UnifiedDiff, ChangedLineWithContext) {
  EXPECT_EQ(UnifiedDiff("a\nb\nc\n", "a\nB\nc\n", "p.hcl", "p.hcl"),
            "--- p.hcl\n+++ p.hcl\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
}

TEST(UnifiedDiff, EqualTextsGiveNothing) { EXPECT_EQ(UnifiedDiff("a\n", "a\n", "x", "y"), ""); }

TEST(UnifiedDiff, MissingFinalNewline) {
  EXPECT_EQ(UnifiedDiff("a", "a\n", "x", "y"),
            "--- x\n+++ y\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n");
}

TEST(UnifiedDiff, InsertIntoEmpty) {
  EXPECT_EQ(UnifiedDiff("", "x\n", "x", "y"), "--- x\n+++ y\n@@ -0,0 +1 @@\n+x\n");
}

TEST(UnifiedDiff, DistantChangesMakeTwoHunks) {
  std::string before;
  for (char c = 'a'; c <= 'p'; ++c) {
    before += std::string(1, c) + "\n";
  }
  std::string after = before;
  after[0] = 'A';                  // line 1
  after[2 * 15] = 'P';             // line 16
  EXPECT_EQ(UnifiedDiff(before, after, "x", "x"),
            "--- x\n+++ x\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n@@ -13,4 +13,4 @@\n m\n n\n o\n-p\n+P\n");
}

TEST(UnifiedDiff, NearbyChangesShareAHunk) {
  const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  const std::string after = "1\nX\n3\n4\n5\n6\n7\n8\nY\n";
  EXPECT_EQ(UnifiedDiff(before, after, "x", "x"),
            "--- x\n+++ x\n@@ -1,9 +1,9 @@\n 1\n-2\n+X\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+Y\n");
}

TEST(UnifiedDiff, DeletedLineHunkStartsBeforeIt) {
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\n", "x", "x"), "--- x\n+++ x\n@@ -1,2 +1 @@\n a\n-b\n");
}

}  // namespace
}  // namespace polcheck::parser
