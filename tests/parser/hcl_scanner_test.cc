// The HCL v1 lexical layer (SEMANTICS.md §1.1): tokens, positions and the
// scanner's error texts.
#include "parser/hcl_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

using ast::TokenType;
using testing::Parse;

struct Scanned {
  std::vector<Token> tokens;
  std::vector<std::string> errors;  // "L:C: message"
};

Scanned ScanAll(std::string_view text) {
  Scanned out;
  HclScanner scanner(text, [&](ast::Position pos, std::string_view message, std::uint32_t) {
    out.errors.push_back(std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + std::string(message));
  });
  for (int i = 0; i < 100; ++i) {
    Token t = scanner.Scan();
    out.tokens.push_back(t);
    if (t.type == TokenType::kEof) {
      break;
    }
  }
  return out;
}

TEST(HclScanner, TokenTypesAndPositions) {
  Scanned s = ScanAll("path \"a\" {\n  x = [1, -2, 1.5, 0x1F, true]\n}");
  const std::vector<std::pair<TokenType, std::string>> expected = {
      {TokenType::kIdent, "path"}, {TokenType::kString, "\"a\""}, {TokenType::kLbrace, "{"},
      {TokenType::kIdent, "x"},    {TokenType::kAssign, "="},     {TokenType::kLbrack, "["},
      {TokenType::kNumber, "1"},   {TokenType::kComma, ","},      {TokenType::kNumber, "-2"},
      {TokenType::kComma, ","},    {TokenType::kFloat, "1.5"},    {TokenType::kComma, ","},
      {TokenType::kNumber, "0x1F"}, {TokenType::kComma, ","},     {TokenType::kBool, "true"},
      {TokenType::kRbrack, "]"},   {TokenType::kRbrace, "}"},     {TokenType::kEof, ""},
  };
  ASSERT_EQ(s.tokens.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(s.tokens[i].type, expected[i].first) << i;
    EXPECT_EQ(s.tokens[i].text, expected[i].second) << i;
  }
  EXPECT_EQ(s.tokens[3].pos.line, 2u);
  EXPECT_EQ(s.tokens[3].pos.column, 3u);
  EXPECT_TRUE(s.errors.empty());
}

TEST(HclScanner, CommentsAreTokens) {
  Scanned s = ScanAll("# a\n// b\n/* c\n d */ x");
  ASSERT_EQ(s.tokens.size(), 5u);
  EXPECT_EQ(s.tokens[0].type, TokenType::kComment);
  EXPECT_EQ(s.tokens[1].type, TokenType::kComment);
  EXPECT_EQ(s.tokens[2].type, TokenType::kComment);
  EXPECT_EQ(s.tokens[2].text, "/* c\n d */");
  EXPECT_EQ(s.tokens[3].type, TokenType::kIdent);
  EXPECT_EQ(s.tokens[3].pos.line, 4u);
  EXPECT_EQ(s.tokens[3].pos.column, 7u);
}

TEST(HclScanner, ColumnsCountCodePoints) {
  Scanned s = ScanAll("\"é\" x");
  ASSERT_GE(s.tokens.size(), 2u);
  EXPECT_EQ(s.tokens[1].pos.column, 5u);
  EXPECT_EQ(s.tokens[1].pos.offset, 5u);
}

TEST(HclScanner, ErrorTable) {
  struct Case {
    std::string_view text;
    std::string error;
  };
  const Case cases[] = {
      {"'a'", "1:1: illegal char"},
      {"a;", "1:2: illegal char"},
      {"\xEF\xBB\xBFpath", "1:1: illegal char"},
      {"/* open", "1:8: comment not terminated"},
      {"\"abc", "1:5: literal not terminated"},
      {"\"a\\qb\"", "1:4: illegal char escape"},
      {"/ x", "1:1: expected '/' for comment"},
      {"<<EOT\nbody\n", "3:1: heredoc not terminated"},
      {"019", "1:4: illegal octal number"},
      {"0x", "1:3: illegal hexadecimal number"},
  };
  for (const Case& c : cases) {
    Scanned s = ScanAll(c.text);
    ASSERT_FALSE(s.errors.empty()) << c.text;
    // The first error: hcl's parser stops at the first illegal token.
    EXPECT_EQ(s.errors.front(), c.error) << c.text;
  }
}

TEST(HclScanner, FirstDigitAfterLeadingZeroIsNotOctalChecked) {
  // hcl's scanNumber checks for 8/9 only from the second digit on.
  EXPECT_TRUE(ScanAll("08").errors.empty());
  EXPECT_EQ(ScanAll("08").tokens[0].type, TokenType::kNumber);
}

TEST(HclScanner, UnquoteTable) {
  struct Case {
    std::string_view token;
    std::string value;
  };
  const Case cases[] = {
      {R"("plain")", "plain"},        {R"("a\"b")", "a\"b"},       {R"("a\\b")", "a\\b"},
      {R"("\n\t")", "\n\t"},          {R"("\u00e9")", "\xC3\xA9"}, {R"("\x41")", "A"},
      {R"("\101")", "A"},             {R"("${var.x}")", "${var.x}"},
      {R"("${"q"}")", "${\"q\"}"},   // quotes inside ${} do not end the string
  };
  for (const Case& c : cases) {
    std::string out;
    EXPECT_TRUE(UnquoteHclString(c.token, out)) << c.token;
    EXPECT_EQ(out, c.value) << c.token;
  }
  std::string out;
  EXPECT_FALSE(UnquoteHclString(R"("\q")", out));
}

TEST(HclScanner, HeredocValueTable) {
  struct Case {
    std::string_view token;
    std::string value;
  };
  const Case cases[] = {
      {"<<EOT\nmulti\nline\nEOT\n", "multi\nline\n"},
      {"<<EOT\nEOT\n", ""},
      {"<<-EOT\n    a\n      b\n    EOT\n", "a\n  b\n"},
      // A line less indented than the marker: kept as is, marker indent trimmed.
      {"<<-EOT\n  a\nb\n  EOT\n", "  a\nb\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HeredocValue(c.token), c.value) << c.token;
  }
}

TEST(HclScanner, HeredocAttributeKeepsTrailingNewline) {
  auto p = Parse("path \"a\" {\n  comment = <<EOT\nmulti\nline\nEOT\n  capabilities = [\"read\"]\n}\n");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  const ast::Item& body = p->file.syntax->items[0];
  EXPECT_EQ(body.value.items[0].value.value, "multi\nline\n");
}

TEST(HclScanner, HeredocCannotBeALabel) {
  auto p = Parse("path <<EOT\na\nEOT\n{}\n");
  EXPECT_FALSE(p->file.ok);
}

TEST(HclScanner, BomIsIllegal) {
  auto p = Parse("\xEF\xBB\xBFpath \"a\" {}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:1: error: a byte-order mark (BOM) is not allowed at the start of a policy; save the file "
            "as UTF-8 without BOM [hcl-syntax]\n"
            "  1 | \xEF\xBB\xBFpath \"a\" {}\n"
            "    | ^\n"
            "  = vault: At 1:1: illegal char\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: At 1:1: illegal char");
}

TEST(HclScanner, SingleQuotesAreIllegal) {
  auto p = Parse("path 'a' {}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:6: error: unexpected character ''': strings must use double quotes [hcl-syntax]\n"
            "  1 | path 'a' {}\n"
            "    |      ^\n"
            "  = vault: At 1:6: illegal char\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: At 1:6: illegal char");
}

TEST(HclScanner, SemicolonIsIllegal) {
  auto p = Parse("path \"a\" { capabilities = [\"read\"]; }\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:35: error: unexpected character ';': separate attributes with a newline or ',' "
            "[hcl-syntax]\n"
            "  1 | path \"a\" { capabilities = [\"read\"]; }\n"
            "    |                                   ^\n"
            "  = vault: At 1:35: illegal char\n");
}

TEST(HclScanner, UnterminatedBlockComment) {
  auto p = Parse("path \"a\" { capabilities = [\"read\"] }\n/* open\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:1: error: unterminated block comment: '*/' is missing [hcl-syntax]\n"
            "  2 | /* open\n"
            "    | ^~~~~~~\n"
            "  = vault: At 3:1: comment not terminated\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: At 3:1: comment not terminated");
}

TEST(HclScanner, StringEscapesAreDecoded) {
  auto p = Parse("path \"a\\\"b\" { capabilities = [\"read\"] }\n");
  ASSERT_TRUE(p->file.ok);
  EXPECT_EQ(p->file.policy.rules[0].pattern.key, "a\"b");
}

TEST(HclScanner, Issue2BadEscapeDoesNotAddABogusCapabilityError) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"re\\qd\"]\n}\npath \"b\" { capabilities = [\"bad\"] }\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:23: error: invalid escape sequence in string (valid: \\\\ \\\" \\n \\t \\r \\uXXXX ...) "
            "[hcl-syntax]\n"
            "  2 |   capabilities = [\"re\\qd\"]\n"
            "    |                       ^\n"
            "  = vault: At 2:23: illegal char escape\n"
            "p.hcl:4:28: error: unknown capability \"bad\"; did you mean \"read\"? [unknown-capability]\n"
            "  4 | path \"b\" { capabilities = [\"bad\"] }\n"
            "    |                            ^~~~~\n"
            "  = vault: path \"b\": invalid capability \"bad\"\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: At 2:23: illegal char escape");
}

TEST(HclScanner, CommentsEverywhere) {
  auto p = Parse(
      "# hash\n"
      "// slashes\n"
      "/* block */ path \"a\" { # after brace\n"
      "  capabilities = [ // in list\n"
      "    \"read\", /* inline */ \"list\", # trailing comma next\n"
      "  ]\n"
      "}\n");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  EXPECT_EQ(p->file.policy.rules[0].capability_names, (std::vector<std::string>{"read", "list"}));
  EXPECT_EQ(p->file.syntax->comments.size(), 7u);
}

}  // namespace
}  // namespace polcheck::parser
