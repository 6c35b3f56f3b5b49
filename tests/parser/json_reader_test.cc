// hcl v1's JSON dialect as Vault reads JSON policies (SEMANTICS.md §1.2),
// quirks included. JSON errors carry no "At" prefix, as hcl's JSON parser
// returns them.
#include <gtest/gtest.h>

#include <string>

#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

using testing::Parse;

std::unique_ptr<testing::Parsed> ParseJson(std::string_view text, Dialect d = Dialect::kVault) {
  return Parse(text, d, "p.json");
}

TEST(JsonReader, DetectedByTheFirstNonSpaceByte) {
  auto p = ParseJson(" \n\t{\"path\":{\"a\":{\"capabilities\":[\"read\"]}}}");
  EXPECT_TRUE(p->file.is_json);
  EXPECT_TRUE(p->file.ok);
  // A .json file that does not start with '{' is read as HCL.
  auto hcl = ParseJson("path \"a\" { capabilities = [\"read\"] }");
  EXPECT_FALSE(hcl->file.is_json);
  EXPECT_TRUE(hcl->file.ok);
}

TEST(JsonReader, PathObjectAndListOfObjectsAreEquivalent) {
  auto a = ParseJson(R"({"name":"ignored","path":{"a":{"capabilities":["read"]},"b/*":{"policy":"write"}}})");
  auto b = ParseJson(R"({"path":[{"a":{"capabilities":["read"]}},{"b/*":{"policy":"write"}}]})");
  for (auto* p : {a.get(), b.get()}) {
    ASSERT_TRUE(p->file.ok) << p->Rendered();
    ASSERT_EQ(p->file.policy.rules.size(), 2u);
    EXPECT_EQ(p->file.policy.rules[0].pattern.key, "a");
    EXPECT_EQ(p->file.policy.rules[1].pattern.key, "b/");
    EXPECT_EQ(p->file.policy.rules[1].pattern.kind, PatternKind::kPrefix);
  }
}

TEST(JsonReader, BoolsInListsAreDroppedAndRecorded) {
  auto p = ParseJson(R"({"path":{"a":{"capabilities":["read"],"allowed_parameters":{"x":[true]}}}})");
  ASSERT_TRUE(p->file.ok);
  // [true] becomes [] which means "any value".
  EXPECT_TRUE(p->file.policy.rules[0].allowed_parameters->at("x").empty());
  ASSERT_EQ(p->file.json_quirks.size(), 1u);
  EXPECT_EQ(p->file.json_quirks[0].kind, JsonQuirk::Kind::kDroppedBool);
  EXPECT_EQ(p->Rendered(),
            "p.json:1:66: warning: Vault's JSON reader drops 'true' from this list (hashicorp/hcl#740) "
            "[json-quirk]\n"
            "  1 | {\"path\":{\"a\":{\"capabilities\":[\"read\"],\"allowed_parameters\":{\"x\":[true]}}}}\n"
            "    |                                                                  ^~~~\n");
}

TEST(JsonReader, BoolsOutsideListsAreKept) {
  auto p = ParseJson(R"({"path":{"a":{"capabilities":["read"],"allowed_parameters":{"x":[{"k":true}]}}}})");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  EXPECT_EQ(p->file.policy.rules[0].allowed_parameters->at("x")[0].ToString(), "{\"k\": true}");
}

TEST(JsonReader, NullInListIsAnError) {
  auto p = ParseJson(R"({"path":{"a":{"capabilities":["read",null]}}})");
  EXPECT_EQ(p->Rendered(),
            "p.json:1:38: error: null is not allowed inside a list [json-syntax]\n"
            "  1 | {\"path\":{\"a\":{\"capabilities\":[\"read\",null]}}}\n"
            "    |                                      ^~~~\n"
            "  = vault: unexpected token while parsing list: NULL\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: unexpected token while parsing list: NULL");
}

TEST(JsonReader, NestedListIsSplicedAndDerailsTheRestOfTheObject) {
  // '[' is skipped, "2" joins the list and the inner ']' ends it; the outer ']'
  // then ends the parameter map and the path body (objects need no closing
  // brace), so "capabilities" lands in the "path" object: hcl reads an unlabelled
  // path whose keys are "a" and "capabilities".
  auto p = ParseJson(R"({"path":{"a":{"allowed_parameters":{"x":["1",["2"]]},"capabilities":["read"]}}})");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: 1 error occurred:\n\t* path \"path\": invalid key \"a\" on line 1\n\n");
  ASSERT_FALSE(p->file.json_quirks.empty());
  EXPECT_EQ(p->file.json_quirks[0].kind, JsonQuirk::Kind::kNestedList);
}

TEST(JsonReader, NestedListEndsTheOuterListEarly) {
  auto p = ParseJson(R"({"path":{"a":{"capabilities":["read",["list"],"update"]}}})");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: expected: STRING got: RBRACK");
  EXPECT_EQ(p->Rendered(Severity::kError),
            "p.json:1:55: error: expected ':' after key \"update\", found ']' [json-syntax]\n"
            "  1 | {\"path\":{\"a\":{\"capabilities\":[\"read\",[\"list\"],\"update\"]}}}\n"
            "    |                                                       ^\n"
            "  = vault: expected: STRING got: RBRACK\n");
}

TEST(JsonReader, MissingClosingBraceIsAccepted) {
  auto p = ParseJson(R"({"path":{"a":{"capabilities":["read"]}})");
  EXPECT_TRUE(p->file.ok);
  EXPECT_EQ(p->file.policy.rules.size(), 1u);
  EXPECT_EQ(p->Rendered(),
            "p.json:1:1: warning: this '{' is not closed (found end of file); Vault's JSON reader accepts it "
            "anyway [json-quirk]\n"
            "  1 | {\"path\":{\"a\":{\"capabilities\":[\"read\"]}}\n"
            "    | ^\n");
}

TEST(JsonReader, TrailingTextIsIgnored) {
  auto p = ParseJson("{\"path\":{\"a\":{\"capabilities\":[\"read\"]}}} trailing");
  EXPECT_TRUE(p->file.ok);
  ASSERT_EQ(p->file.json_quirks.size(), 1u);
  EXPECT_EQ(p->file.json_quirks[0].kind, JsonQuirk::Kind::kTrailingText);
}

TEST(JsonReader, TopLevelArrayIsReadAsHclAndRejected) {
  auto p = ParseJson("[1]");
  EXPECT_FALSE(p->file.ok);
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: At 1:1: expected: IDENT | STRING | ASSIGN | LBRACE got: LBRACK");
}

TEST(JsonReader, Issue1IllegalWordIsReportedAtItsLastCharacter) {
  // hcl's JSON scanner reads the whole identifier, unreads one rune and reports
  // the most recent position: the last letter of "tru".
  auto p = ParseJson(R"({"path":{"a":{"capabilities":["read"], "x": tru}}})");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: 1:47: illegal char");
  EXPECT_EQ(p->sink.diagnostics()[0].vault_message, "1:47: illegal char");
}

TEST(JsonReader, ObjectOnlyBodyFlatteningIsRecorded) {
  auto p = ParseJson(R"({"path":{"a":{"allowed_parameters":{"foo":[]}}}})");
  EXPECT_EQ(p->Rendered(Severity::kWarning),
            "p.json:1:15: warning: Vault's JSON reader flattens the body of path \"a\" because all its members "
            "are objects: \"allowed_parameters\" is read as a second label and its members as the path's keys; "
            "add \"capabilities\" to the body to avoid it [json-quirk]\n"
            "  1 | {\"path\":{\"a\":{\"allowed_parameters\":{\"foo\":[]}}}}\n"
            "    |               ^~~~~~~~~~~~~~~~~~~~\n");
}

TEST(JsonReader, EmptyPathBodyIsAnEmptyRule) {
  auto p = ParseJson(R"({"path":{"a":{}}})");
  EXPECT_TRUE(p->file.ok) << p->Rendered();
  ASSERT_EQ(p->file.policy.rules.size(), 1u);
  EXPECT_TRUE(p->file.policy.rules[0].capabilities.empty());
}

TEST(JsonReader, StringEscapesAreDecoded) {
  auto p = ParseJson(R"({"path":{"a\/b\u0063":{"capabilities":["read"]}}})");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  EXPECT_EQ(p->file.policy.rules[0].pattern.key, "a/bc");
}

TEST(JsonReader, NumbersInParameterListsKeepTheirGoTypes) {
  auto p = ParseJson(R"({"path":{"a":{"capabilities":["read"],"allowed_parameters":{"n":[1,2.5,-3]}}}})");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  const std::vector<Value>& n = p->file.policy.rules[0].allowed_parameters->at("n");
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].kind(), Value::Kind::kInt);
  EXPECT_EQ(n[1].kind(), Value::Kind::kFloat);
  EXPECT_EQ(n[2], Value::Int(-3));
}

TEST(JsonReader, UnterminatedString) {
  auto p = ParseJson("{\"path\":{\"a\n");
  EXPECT_FALSE(p->file.ok);
  EXPECT_EQ(p->sink.diagnostics()[0].message,
            "unterminated string: a closing '\"' is missing before the end of the line");
}

}  // namespace
}  // namespace polcheck::parser
