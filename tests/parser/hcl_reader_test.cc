// The HCL v1 parser port: structure (SEMANTICS.md §1.2), hcl's exact first
// error, and recovery so later blocks are still checked.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

using testing::Parse;

TEST(HclReader, SyntaxErrorTable) {
  struct Case {
    std::string_view text;
    std::string vault;  // hcl's error as Vault returns it
  };
  const Case cases[] = {
      {"path \"a\" = {\n  capabilities = [\"read\"]\n}\n", "At 1:10: nested object expected: LBRACE got: ASSIGN"},
      {"path \"a\" {\n  capabilities = [\"read\"]\n", "At 3:2: object expected closing RBRACE got: EOF"},
      {"path \"a\" {\n  capabilities = [\"read\" \"list\"]\n}\n",
       "At 2:26: error parsing list, expected comma or list end, got: STRING"},
      {"path \"a\" {\n  capabilities = [read]\n}\n", "At 2:19: unexpected token while parsing list: IDENT"},
      {"path \"a\" {\n  capabilities = read\n}\n", "At 2:18: Unknown token: 2:18 IDENT read"},
      {"path \"a\" {\n  capabilities = [\"read\n}\n", "At 2:24: literal not terminated"},
      {"path \"a\" { capabilities = [\"read\"] } }\n",
       "At 1:38: expected: IDENT | STRING | ASSIGN | LBRACE got: RBRACE"},
      {"path \"a\" {\n  comment = <<EOT\nnever closed\n}\n", "At 5:1: heredoc not terminated"},
  };
  for (const Case& c : cases) {
    auto p = Parse(c.text);
    EXPECT_FALSE(p->file.ok) << c.text;
    EXPECT_EQ(p->file.vault_error, "failed to parse policy: " + c.vault) << c.text;
  }
}

TEST(HclReader, LabelFollowedByAssign) {
  auto p = Parse("path \"a\" = {\n  capabilities = [\"read\"]\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:10: error: a block label cannot be followed by '=': write `path \"...\" { ... }` "
            "[hcl-syntax]\n"
            "  1 | path \"a\" = {\n"
            "    |          ^\n"
            "  = vault: At 1:10: nested object expected: LBRACE got: ASSIGN\n");
}

TEST(HclReader, UnclosedBlockPointsAtItsBrace) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:10: error: this '{' is never closed: the file ends before its '}' [hcl-syntax]\n"
            "  1 | path \"a\" {\n"
            "    |          ^\n"
            "  = vault: At 3:2: object expected closing RBRACE got: EOF\n");
}

TEST(HclReader, MissingCommaInList) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\" \"list\"]\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:26: error: expected ',' or ']' in list, found string \"list\" [hcl-syntax]\n"
            "  2 |   capabilities = [\"read\" \"list\"]\n"
            "    |                          ^~~~~~\n"
            "  = vault: At 2:26: error parsing list, expected comma or list end, got: STRING\n");
}

TEST(HclReader, UnquotedValue) {
  auto p = Parse("path \"a\" {\n  capabilities = read\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:18: error: expected a value (string, number, bool, list or object), found 'read': "
            "strings need double quotes, as in \"read\" [hcl-syntax]\n"
            "  2 |   capabilities = read\n"
            "    |                  ^~~~\n"
            "  = vault: At 2:18: Unknown token: 2:18 IDENT read\n");
}

TEST(HclReader, RecoveryReportsEveryBadBlockVaultTheFirst) {
  auto p = Parse(
      "path \"a\" { capabilities = [\"read\"] }\n"
      "path \"b\" { capabilities = [read] }\n"
      "path \"c\" { capabilities = [list] }\n"
      "path \"d\" { capabilities = [\"bogus\"] }\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:28: error: unexpected 'read' in list: strings need double quotes, as in \"read\" "
            "[hcl-syntax]\n"
            "  2 | path \"b\" { capabilities = [read] }\n"
            "    |                            ^~~~\n"
            "  = vault: At 2:28: unexpected token while parsing list: IDENT\n"
            "p.hcl:3:28: error: unexpected 'list' in list: strings need double quotes, as in \"list\" "
            "[hcl-syntax]\n"
            "  3 | path \"c\" { capabilities = [list] }\n"
            "    |                            ^~~~\n"
            "  = vault: At 3:28: unexpected token while parsing list: IDENT\n"
            "p.hcl:4:28: error: unknown capability \"bogus\" [unknown-capability]\n"
            "  4 | path \"d\" { capabilities = [\"bogus\"] }\n"
            "    |                            ^~~~~~~\n"
            "  = vault: path \"d\": invalid capability \"bogus\"\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: At 2:28: unexpected token while parsing list: IDENT");
  // The good block before the error still normalises.
  ASSERT_EQ(p->file.policy.rules.size(), 1u);
  EXPECT_EQ(p->file.policy.rules[0].label, "a");
}

TEST(HclReader, RecoveryAfterAnUnclosedBlock) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n\npath \"b\" {\n  capabilities = [\"bogus\"]\n}\n");
  EXPECT_EQ(p->VaultMessages(), (std::vector<std::string>{"At 7:2: object expected closing RBRACE got: EOF",
                                                          "path \"b\": invalid capability \"bogus\""}));
}

TEST(HclReader, Issue3NoResyncInsideAnUnterminatedHeredoc) {
  auto p = Parse("path \"a\" {\n  comment = <<EOT\nnever closed\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:13: error: heredoc is not terminated: its closing anchor must stand on its own line, "
            "followed by a newline [hcl-syntax]\n"
            "  2 |   comment = <<EOT\n"
            "    |             ^~~~~\n"
            "  = vault: At 5:1: heredoc not terminated\n");
}

TEST(HclReader, GrammarAcceptsTable) {
  const std::string_view accepted[] = {
      "path \"a\" { capabilities = [\"read\",] }",                      // trailing comma
      "path \"a\" {\n  capabilities = [\n    \"read\",\n    \"list\"\n  ]\n}",  // multi-line list
      "path \"a\" { capabilities = [\"read\"], comment = \"x\" }",         // comma between attributes
      "path a { capabilities = [\"read\"] }",                            // bare label
      "path \"a\" { capabilities = [\"read\"] } path \"b\" { capabilities = [\"read\"] }",
      "path \"a\" { capabilities = [\"read\"] },\npath \"b\" {}",       // comma between top-level items
      "name = \"x\"\npath \"a\" {}",
      "path \"a\" { min_wrapping_ttl = -1 }",
  };
  for (std::string_view text : accepted) {
    auto p = Parse(text);
    EXPECT_TRUE(p->file.ok) << text << "\n" << p->Rendered();
  }
}

TEST(HclReader, SyntaxTreeKeepsSpans) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"] # why\n}\n");
  const ast::File& f = *p->file.syntax;
  ASSERT_EQ(f.items.size(), 1u);
  const ast::Item& item = f.items[0];
  ASSERT_EQ(item.keys.size(), 2u);
  EXPECT_EQ(item.keys[0].text, "path");
  EXPECT_EQ(item.keys[1].text, "\"a\"");
  EXPECT_EQ(item.keys[1].value, "a");
  EXPECT_FALSE(item.has_assign);
  EXPECT_EQ(item.span.begin, 0u);
  EXPECT_EQ(item.span.end, 44u);  // through the closing brace
  const ast::Item& caps = item.value.items[0];
  EXPECT_TRUE(caps.has_assign);
  EXPECT_EQ(caps.assign.line, 2u);
  EXPECT_EQ(caps.assign.column, 16u);
  ASSERT_EQ(f.comments.size(), 1u);
  EXPECT_EQ(p->sources.file(0).text().substr(f.comments[0].span.begin, f.comments[0].span.size()), "# why");
  EXPECT_EQ(p->file.policy.rules[0].label_span, (Span{0, 5, 8}));
}

// The tree's strings are views into bytes the ast::File owns, not into the
// SourceFile: they stay valid after the source is gone, decoded strings
// (escapes, heredocs, JSON escapes) included, and a copy of the File keeps them.
TEST(HclReader, SyntaxTreeOutlivesItsSource) {
  const std::string texts[] = {
      "path \"secret/\\u00e9t\u00e9/*\" {\n  capabilities = [\"read\", \"li\\u0073t\"]\n  comment = <<EOT\nhello\nEOT\n}\n",
      "{\"path\": {\"secret/\\u00e9t\u00e9/*\": {\"capabilities\": [\"read\", \"li\\u0073t\"], \"comment\": \"hello\\n\"}}}",
  };
  for (const std::string& text : texts) {
    auto source = std::make_unique<SourceFile>(0, "p.hcl", text);
    DiagnosticSink sink;
    std::optional<ast::File> copy;
    {
      PolicyFile file = ParsePolicy(*source, {}, sink);
      ASSERT_TRUE(file.ok) << text;
      copy = *file.syntax;
    }
    source.reset();
    ASSERT_EQ(copy->items.size(), 1u) << text;
    const ast::Item& path = copy->items[0];
    ASSERT_EQ(path.keys.size(), 2u) << text;
    EXPECT_EQ(path.keys[0].value, "path");
    EXPECT_EQ(path.keys[1].value, "secret/\u00e9t\u00e9/*") << text;
    ASSERT_EQ(path.value.items.size(), 2u) << text;
    const ast::Node& caps = path.value.items[0].value;
    ASSERT_EQ(caps.elements.size(), 2u) << text;
    EXPECT_EQ(caps.elements[0].text, "\"read\"");
    EXPECT_EQ(caps.elements[0].value, "read");
    EXPECT_EQ(caps.elements[1].text, "\"li\\u0073t\"");
    EXPECT_EQ(caps.elements[1].value, "list");
    EXPECT_EQ(path.value.items[1].value.value, "hello\n") << text;
  }
}

TEST(HclReader, TextConvertsToString) {
  auto p = Parse("path \"a\" {}\n");
  const ast::Key& key = p->file.syntax->items[0].keys[1];
  const std::string& copy = key.value;
  EXPECT_EQ(copy, "a");
  EXPECT_EQ("path " + key.value + " {}", "path a {}");
  EXPECT_EQ(key.text + std::string(" = 1"), "\"a\" = 1");
}

}  // namespace
}  // namespace polcheck::parser
