// Normalisation of path blocks (SEMANTICS.md §1.3-§1.6) and §10 rows 82-98.
// Error cases compare the full rendered diagnostics and Vault's exact text.
#include "parser/normalize.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/parser/test_util.h"

namespace polcheck::parser {
namespace {

using testing::kAllDialects;
using testing::Parse;

const PathRule& OnlyRule(const testing::Parsed& p) {
  EXPECT_EQ(p.file.policy.rules.size(), 1u) << p.Rendered();
  return p.file.policy.rules.front();
}

std::vector<std::string> Strings(const std::vector<Value>& values) {
  std::vector<std::string> out;
  for (const Value& v : values) {
    out.push_back(v.ToString());
  }
  return out;
}

// ---------------------------------------------------------------------------
// §10 rows 82-98

TEST(Normalize, Row82PlusStarIsRejected) {
  for (Dialect d : kAllDialects) {
    auto p = Parse("path \"foo/+*\" {\n  capabilities = [\"read\"]\n}\n", d);
    EXPECT_FALSE(p->file.ok);
    EXPECT_EQ(p->Rendered(),
              "p.hcl:1:6: error: \"+*\" is not allowed in path \"foo/+*\": '+' must stand for a whole "
              "segment and '*' only at the end (write \"+/*\" or a \"*\" suffix) [plus-star]\n"
              "  1 | path \"foo/+*\" {\n"
              "    |      ^~~~~~~~\n"
              "  = vault: path \"foo/+*\": invalid use of wildcards ('+*' is forbidden)\n");
    EXPECT_EQ(p->file.vault_error,
              "failed to parse policy: path \"foo/+*\": invalid use of wildcards ('+*' is forbidden)");
    EXPECT_TRUE(p->file.policy.rules.empty());
  }
}

TEST(Normalize, Row82PlusStarMessageQuotesTheNormalisedKey) {
  auto p = Parse("path \"/a+*\" { capabilities = [\"read\"] }\n", Dialect::kVault, "p.hcl", "ns1/");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: path \"ns1/a+*\": invalid use of wildcards ('+*' is forbidden)");
}

TEST(Normalize, Row83UnknownTopLevelKeysAreAllListed) {
  auto p = Parse("name = \"test\"\nbad = \"foo\"\nnope = \"yes\"\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:1: error: unknown top-level key \"bad\": a policy holds only \"path\" blocks (and an "
            "ignored \"name\") [unknown-key]\n"
            "  2 | bad = \"foo\"\n"
            "    | ^~~\n"
            "  = vault: invalid key \"bad\" on line 2\n"
            "p.hcl:3:1: error: unknown top-level key \"nope\": a policy holds only \"path\" blocks (and an "
            "ignored \"name\"); did you mean \"name\"? [unknown-key]\n"
            "  3 | nope = \"yes\"\n"
            "    | ^~~~\n"
            "  = vault: invalid key \"nope\" on line 3\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: 2 errors occurred:\n"
            "\t* invalid key \"bad\" on line 2\n"
            "\t* invalid key \"nope\" on line 3\n\n");
}

TEST(Normalize, Row83BlockStyleTopLevelItemReportsLineZero) {
  auto p = Parse("banana \"foo\" {}\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: 1 error occurred:\n\t* invalid key \"banana\" on line 0\n\n");
}

TEST(Normalize, Row84UnknownPathKey) {
  auto p = Parse("path \"/\" {\n  capabilities = [\"read\"]\n  capabilites = [\"read\"]\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:3:3: error: unknown key \"capabilites\" in path \"/\"; did you mean \"capabilities\"? "
            "[unknown-key]\n"
            "  3 |   capabilites = [\"read\"]\n"
            "    |   ^~~~~~~~~~~\n"
            "  = vault: path \"/\": invalid key \"capabilites\" on line 3\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: 1 error occurred:\n"
            "\t* path \"/\": invalid key \"capabilites\" on line 3\n\n");
}

TEST(Normalize, Row85InvalidLegacyPolicy) {
  auto p = Parse("path \"/\" {\n  policy = \"banana\"\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:12: error: invalid legacy policy \"banana\": expected \"deny\", \"read\", \"write\" or "
            "\"sudo\" [invalid-policy]\n"
            "  2 |   policy = \"banana\"\n"
            "    |            ^~~~~~~~\n"
            "  = vault: path \"/\": invalid policy \"banana\"\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"/\": invalid policy \"banana\"");
}

TEST(Normalize, Row86MaxWrappingTtlBelowMin) {
  auto p = Parse("path \"/\" {\n  policy = \"read\"\n  min_wrapping_ttl = 400\n  max_wrapping_ttl = 200\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:4:22: error: max_wrapping_ttl (200s) is less than min_wrapping_ttl (400s) "
            "[wrapping-ttl-order]\n"
            "  4 |   max_wrapping_ttl = 200\n"
            "    |                      ^~~\n"
            "p.hcl:3:22: note: min_wrapping_ttl set here\n"
            "  = vault: max_wrapping_ttl cannot be less than min_wrapping_ttl\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: max_wrapping_ttl cannot be less than min_wrapping_ttl");
}

TEST(Normalize, Row86EqualWrappingTtlsAreFine) {
  auto p = Parse("path \"a\" {\n  policy = \"read\"\n  max_wrapping_ttl = \"1d\"\n  min_wrapping_ttl = 86400\n}\n");
  EXPECT_TRUE(p->file.ok) << p->Rendered();
  EXPECT_EQ(OnlyRule(*p).min_wrapping_ttl, 86400);
  EXPECT_EQ(OnlyRule(*p).max_wrapping_ttl, 86400);
}

TEST(Normalize, Row86OnlyOneTtlSetIsNeverOrdered) {
  auto p = Parse("path \"a\" {\n  policy = \"read\"\n  min_wrapping_ttl = 400\n  max_wrapping_ttl = 0\n}\n");
  EXPECT_TRUE(p->file.ok) << p->Rendered();
}

TEST(Normalize, Row87UnknownCapabilityIsAnError) {
  auto p = Parse("path \"secret/foo\" {\n  capabilities = [\"read\", \"banana\"]\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:27: error: unknown capability \"banana\" [unknown-capability]\n"
            "  2 |   capabilities = [\"read\", \"banana\"]\n"
            "    |                           ^~~~~~~~\n"
            "  = vault: path \"secret/foo\": invalid capability \"banana\"\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"secret/foo\": invalid capability \"banana\"");
}

TEST(Normalize, Row87DenyShortCircuitsValidation) {
  for (Dialect d : kAllDialects) {
    // Everything after the first deny is skipped: later names, parameter maps,
    // TTL parsing and the min>max check.
    auto p = Parse(
        "path \"a\" {\n"
        "  capabilities = [\"deny\", \"banana\"]\n"
        "  min_wrapping_ttl = \"zz\"\n"
        "  max_wrapping_ttl = 1\n"
        "  allowed_parameters = { \"X\" = [] }\n"
        "}\n",
        d);
    EXPECT_TRUE(p->file.ok) << p->Rendered();
    EXPECT_EQ(p->Rendered(), "");
    const PathRule& rule = OnlyRule(*p);
    EXPECT_EQ(rule.capabilities, CapabilitySet::Deny());
    EXPECT_EQ(rule.capability_names, std::vector<std::string>{"deny"});
    EXPECT_EQ(rule.min_wrapping_ttl, 0);
    EXPECT_EQ(rule.max_wrapping_ttl, 0);  // decoded, but never copied into the permissions
    EXPECT_FALSE(rule.allowed_parameters.has_value());
  }
}

TEST(Normalize, Row87UnknownCapabilityBeforeDenyIsAnError) {
  auto p = Parse("path \"a\" { capabilities = [\"banana\", \"deny\"] }\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"a\": invalid capability \"banana\"");
  EXPECT_TRUE(p->file.policy.rules.empty());
}

TEST(Normalize, Row88LeadingSlashAndTtls) {
  auto p = Parse("path \"/foo/bar\" {\n  capabilities = [\"read\"]\n  min_wrapping_ttl = 300\n  max_wrapping_ttl = \"1h\"\n}\n");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  const PathRule& rule = OnlyRule(*p);
  EXPECT_EQ(rule.label, "/foo/bar");
  EXPECT_EQ(rule.pattern.key, "foo/bar");
  EXPECT_EQ(rule.pattern.kind, PatternKind::kExact);
  EXPECT_EQ(rule.min_wrapping_ttl, 300);
  EXPECT_EQ(rule.max_wrapping_ttl, 3600);
}

TEST(Normalize, Row89StarIsTheEmptyPrefixAndDenyOnly) {
  auto p = Parse("path \"*\" { policy = \"deny\" }\n");
  ASSERT_TRUE(p->file.ok);
  const PathRule& rule = OnlyRule(*p);
  EXPECT_EQ(rule.pattern.key, "");
  EXPECT_EQ(rule.pattern.kind, PatternKind::kPrefix);
  EXPECT_TRUE(rule.capabilities.is_deny());
  EXPECT_EQ(rule.capabilities, CapabilitySet::Deny());
}

constexpr std::string_view kDuplicateCaps =
    "path \"a\" {\n"
    "  capabilities = [\"read\"]\n"
    "  capabilities = [\"update\"]\n"
    "}\n";

TEST(Normalize, Row90DuplicateAttributeIsAnErrorInVault) {
  auto p = Parse(kDuplicateCaps, Dialect::kVault);
  EXPECT_FALSE(p->file.ok);
  EXPECT_EQ(p->Rendered(),
            "p.hcl:3:3: error: \"capabilities\" is set twice; Vault 2.x rejects duplicate attributes (older "
            "versions concatenated lists and kept the last scalar) [duplicate-attribute]\n"
            "  3 |   capabilities = [\"update\"]\n"
            "    |   ^~~~~~~~~~~~\n"
            "p.hcl:2:3: note: first set here\n"
            "  = vault: The argument \"capabilities\" at 3:3 was already set. Each argument can only be "
            "defined once\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: The argument \"capabilities\" at 3:3 was already set. Each argument "
            "can only be defined once");
}

TEST(Normalize, Row90DuplicateAttributeWarnsAndConcatenatesInVaultLegacy) {
  auto p = Parse(kDuplicateCaps, Dialect::kVaultLegacy);
  EXPECT_TRUE(p->file.ok);
  EXPECT_EQ(p->Rendered(),
            "p.hcl:3:3: warning: \"capabilities\" is set twice: lists are concatenated and the last scalar "
            "wins; Vault 1.19.6+ warns and Vault 2.x rejects this [duplicate-attribute]\n"
            "  3 |   capabilities = [\"update\"]\n"
            "    |   ^~~~~~~~~~~~\n"
            "p.hcl:2:3: note: first set here\n"
            "  = vault: policy contains duplicate attributes, which will no longer be supported in a future "
            "version\n");
  EXPECT_EQ(OnlyRule(*p).capability_names, (std::vector<std::string>{"read", "update"}));
}

TEST(Normalize, Row90DuplicateAttributeConcatenatesInOpenBao) {
  auto p = Parse(kDuplicateCaps, Dialect::kOpenBao);
  EXPECT_TRUE(p->file.ok);
  EXPECT_EQ(p->Rendered(),
            "p.hcl:3:3: warning: \"capabilities\" is set twice: lists are concatenated and the last scalar "
            "wins [duplicate-attribute]\n"
            "  3 |   capabilities = [\"update\"]\n"
            "    |   ^~~~~~~~~~~~\n"
            "p.hcl:2:3: note: first set here\n");
  const PathRule& rule = OnlyRule(*p);
  EXPECT_EQ(rule.capability_names, (std::vector<std::string>{"read", "update"}));
  EXPECT_TRUE(rule.capabilities.Has(Capability::kRead));
  EXPECT_TRUE(rule.capabilities.Has(Capability::kUpdate));
}

TEST(Normalize, Row91JsonBoolInListIsDropped) {
  for (Dialect d : kAllDialects) {
    auto p = Parse(R"({"path":{"a":{"capabilities":["read"],"denied_parameters":{"no_store":[false,"false"]}}}})",
                   d, "p.json");
    EXPECT_TRUE(p->file.ok) << p->Rendered();
    const PathRule& rule = OnlyRule(*p);
    ASSERT_TRUE(rule.denied_parameters.has_value());
    EXPECT_EQ(Strings(rule.denied_parameters->at("no_store")), std::vector<std::string>{"\"false\""});
  }
}

TEST(Normalize, Row92JsonObjectOnlyBodyIsOverFlattened) {
  auto p = Parse(R"({"path":{"a":{"allowed_parameters":{"foo":[]}}}})", Dialect::kVault, "p.json");
  EXPECT_EQ(p->Rendered(Severity::kError),
            "p.json:1:37: error: unknown key \"foo\" in path \"a\" [unknown-key]\n"
            "  1 | {\"path\":{\"a\":{\"allowed_parameters\":{\"foo\":[]}}}}\n"
            "    |                                     ^~~~~\n"
            "  = vault: path \"a\": invalid key \"foo\" on line 1\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: 1 error occurred:\n\t* path \"a\": invalid key \"foo\" on line 1\n\n");
  ASSERT_EQ(p->file.json_quirks.size(), 1u);
  EXPECT_EQ(p->file.json_quirks[0].kind, JsonQuirk::Kind::kFlattenedBody);
}

TEST(Normalize, Row92AddingCapabilitiesAvoidsFlattening) {
  auto p = Parse(R"({"path":{"a":{"capabilities":["read"],"allowed_parameters":{"Foo":[]}}}})", Dialect::kVault,
                 "p.json");
  EXPECT_TRUE(p->file.ok) << p->Rendered();
  EXPECT_TRUE(p->file.json_quirks.empty());
  EXPECT_EQ(OnlyRule(*p).allowed_parameters->count("foo"), 1u);
}

TEST(Normalize, Row93SecondLabelIgnoredAndUnlabelledPath) {
  auto p = Parse("path \"a\" \"b\" { capabilities = [\"read\"] }\npath { capabilities = [\"list\"] }\n");
  EXPECT_TRUE(p->file.ok);
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:10: warning: extra label \"b\" is ignored by Vault: only the first label names the path "
            "[extra-label]\n"
            "  1 | path \"a\" \"b\" { capabilities = [\"read\"] }\n"
            "    |          ^~~\n");
  ASSERT_EQ(p->file.policy.rules.size(), 2u);
  EXPECT_EQ(p->file.policy.rules[0].pattern.key, "a");
  EXPECT_EQ(p->file.policy.rules[1].pattern.key, "path");
  EXPECT_EQ(p->file.policy.rules[1].label, "path");
}

TEST(Normalize, Row94ScalarCapabilities) {
  auto p = Parse("path \"a\" {\n  capabilities = \"read\"\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:18: error: \"capabilities\" must be a list of strings, such as [\"read\"] [invalid-type]\n"
            "  2 |   capabilities = \"read\"\n"
            "    |                  ^~~~~~\n"
            "  = vault: path \"a\": At 2:18: unknown slice type: *ast.LiteralType\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"a\": At 2:18: unknown slice type: *ast.LiteralType");
}

TEST(Normalize, Row95To97TemplatedLabelIsFlaggedNotRendered) {
  auto p = Parse("path \"x/{{identity.entity.metadata.team}}/*\" { capabilities = [\"read\"] }\n");
  ASSERT_TRUE(p->file.ok);
  EXPECT_TRUE(p->file.policy.templated);
  const PathRule& rule = OnlyRule(*p);
  EXPECT_TRUE(rule.templated);
  EXPECT_EQ(rule.label, "x/{{identity.entity.metadata.team}}/*");
  EXPECT_EQ(rule.pattern.key, "x/{{identity.entity.metadata.team}}/");
  EXPECT_EQ(rule.pattern.kind, PatternKind::kPrefix);
}

TEST(Normalize, Row98UnbalancedTemplateBraces) {
  auto p = Parse("path \"x/{{identity.entity.id}}}}\" {\n  capabilities = [\"read\"]\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:6: error: unbalanced template braces in path \"x/{{identity.entity.id}}}}\": every "
            "\"{{\" needs exactly one matching \"}}\" [template-syntax]\n"
            "  1 | path \"x/{{identity.entity.id}}}}\" {\n"
            "    |      ^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
            "  = vault: failed to validate policy templating: unbalanced templating characters\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: failed to validate policy templating: unbalanced templating characters");
}

// ---------------------------------------------------------------------------
// §1.4 steps

TEST(Normalize, TemplateBraceCheckTable) {
  struct Case {
    std::string_view text;
    bool ok;
    bool templated;
  };
  const Case cases[] = {
      {"plain/path", true, false},
      {"a/{{identity.entity.id}}", true, true},
      {"{{a}}/{{b}}", true, true},
      {"a/}}", false, false},             // '}}' before any '{{'
      {"a/}}/{{b}}", false, false},       // '}}' before the first '{{'
      {"a/{{b", false, false},            // missing '}}'
      {"a/{{b}}}}", false, false},        // extra '}}'
      {"a/{{b}}/{{c", false, false},      // second placeholder unclosed
      {"a/{b}", true, false},             // single braces are literal
      {"a/{{}}", true, true},             // empty placeholder: syntax only
  };
  for (const Case& c : cases) {
    bool templated = false;
    EXPECT_EQ(CheckTemplateBraces(c.text, templated), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(templated, c.templated) << c.text;
    }
  }
}

TEST(Normalize, PatternClassificationTable) {
  struct Case {
    std::string_view label;
    std::string_view key;
    PatternKind kind;
  };
  const Case cases[] = {
      {"secret/foo", "secret/foo", PatternKind::kExact},
      {"/secret/foo", "secret/foo", PatternKind::kExact},       // one leading '/' stripped
      {"//secret", "/secret", PatternKind::kExact},             // only one
      {"secret/*", "secret/", PatternKind::kPrefix},
      {"secret/**", "secret/*", PatternKind::kPrefix},          // only one '*' dropped
      {"secret/*/foo", "secret/*/foo", PatternKind::kExact},    // mid-path '*' is literal
      {"*", "", PatternKind::kPrefix},
      {"/", "", PatternKind::kExact},
      {"", "", PatternKind::kExact},
      {"+", "+", PatternKind::kSegment},
      {"+/foo", "+/foo", PatternKind::kSegment},
      {"foo/+", "foo/+", PatternKind::kSegment},
      {"foo/+/*", "foo/+/*", PatternKind::kSegment},            // keeps its trailing '*'
      {"foo/+bar", "foo/+bar", PatternKind::kSegment},          // '/+' anywhere
      {"foo+/bar", "foo+/bar", PatternKind::kExact},            // '+' not after '/'
      {"foo+/bar*", "foo+/bar", PatternKind::kPrefix},
      {"/+/x", "+/x", PatternKind::kSegment},                   // classified after stripping
  };
  for (const Case& c : cases) {
    std::optional<Pattern> p = NormalizePattern(c.label);
    ASSERT_TRUE(p.has_value()) << c.label;
    EXPECT_EQ(p->key, c.key) << c.label;
    EXPECT_EQ(p->kind, c.kind) << c.label;
  }
  EXPECT_FALSE(NormalizePattern("foo/+*").has_value());
  EXPECT_FALSE(NormalizePattern("+*").has_value());
  EXPECT_FALSE(NormalizePattern("a/+*/b").has_value());
  EXPECT_TRUE(NormalizePattern("a/*+").has_value());
}

TEST(Normalize, NamespaceIsPrefixedAfterStripping) {
  std::optional<Pattern> p = NormalizePattern("/secret/*", "ns1/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, "ns1/secret/");
  EXPECT_EQ(p->kind, PatternKind::kPrefix);
  // "+" at the start of the label is no longer at the start of the key.
  p = NormalizePattern("+", "ns1/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, "ns1/+");
  EXPECT_EQ(p->kind, PatternKind::kSegment);
}

TEST(Normalize, LegacyPolicyExpansionTable) {
  struct Case {
    std::string_view policy;
    std::vector<std::string> names;
  };
  const Case cases[] = {
      {"deny", {"deny"}},
      {"read", {"read", "list"}},
      {"write", {"create", "read", "update", "delete", "list"}},
      {"sudo", {"create", "read", "update", "delete", "list", "sudo"}},
  };
  for (const Case& c : cases) {
    auto p = Parse(fmt::format("path \"a\" {{ policy = \"{}\" }}\n", c.policy));
    ASSERT_TRUE(p->file.ok) << p->Rendered();
    EXPECT_EQ(OnlyRule(*p).capability_names, c.names) << c.policy;
    EXPECT_FALSE(OnlyRule(*p).capabilities.Has(Capability::kPatch));
  }
}

TEST(Normalize, LegacyPolicyIsAppendedToCapabilities) {
  auto p = Parse("path \"a\" {\n  policy = \"read\"\n  capabilities = [\"patch\"]\n}\n");
  EXPECT_EQ(OnlyRule(*p).capability_names, (std::vector<std::string>{"patch", "read", "list"}));
}

TEST(Normalize, LegacyDenyReplacesCapabilities) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\", \"banana\"]\n  policy = \"deny\"\n}\n");
  EXPECT_TRUE(p->file.ok) << p->Rendered();
  EXPECT_EQ(OnlyRule(*p).capability_names, std::vector<std::string>{"deny"});
  EXPECT_EQ(OnlyRule(*p).capabilities, CapabilitySet::Deny());
}

TEST(Normalize, InvalidCapabilityAfterLegacyExpansionIsReported) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"bogus\"]\n  policy = \"read\"\n}\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"a\": invalid capability \"bogus\"");
}

TEST(Normalize, CapabilitiesPerDialect) {
  struct Case {
    std::string_view name;
    bool vault, legacy, openbao;
  };
  const Case cases[] = {
      {"create", true, true, true}, {"read", true, true, true},       {"update", true, true, true},
      {"delete", true, true, true}, {"list", true, true, true},       {"sudo", true, true, true},
      {"deny", true, true, true},   {"patch", true, true, true},      {"subscribe", true, true, false},
      {"recover", true, true, false}, {"scan", false, false, true},   {"READ", false, false, false},
      {"root", false, false, false}, {"write", false, false, false},  {"", false, false, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseCapability(c.name, Dialect::kVault).has_value(), c.vault) << c.name;
    EXPECT_EQ(ParseCapability(c.name, Dialect::kVaultLegacy).has_value(), c.legacy) << c.name;
    EXPECT_EQ(ParseCapability(c.name, Dialect::kOpenBao).has_value(), c.openbao) << c.name;
  }
}

TEST(Normalize, ScanIsRejectedByVaultWithAHint) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\", \"scan\"]\n}\n", Dialect::kVault);
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:27: error: unknown capability \"scan\": \"scan\" is an OpenBao capability; Vault rejects "
            "it [unknown-capability]\n"
            "  2 |   capabilities = [\"read\", \"scan\"]\n"
            "    |                           ^~~~~~\n"
            "  = vault: path \"a\": invalid capability \"scan\"\n");
}

TEST(Normalize, SubscribeAndRecoverAreRejectedByOpenBao) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"subscribe\", \"recover\", \"scan\"]\n}\n", Dialect::kOpenBao);
  EXPECT_EQ(p->Rendered(),
            "p.hcl:2:19: error: unknown capability \"subscribe\": \"subscribe\" is a Vault capability; "
            "OpenBao rejects it [unknown-capability]\n"
            "  2 |   capabilities = [\"subscribe\", \"recover\", \"scan\"]\n"
            "    |                   ^~~~~~~~~~~\n"
            "  = vault: path \"a\": invalid capability \"subscribe\"\n"
            "p.hcl:2:32: error: unknown capability \"recover\": \"recover\" is a Vault capability; OpenBao "
            "rejects it [unknown-capability]\n"
            "  2 |   capabilities = [\"subscribe\", \"recover\", \"scan\"]\n"
            "    |                                ^~~~~~~~~\n"
            "  = vault: path \"a\": invalid capability \"recover\"\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"a\": invalid capability \"subscribe\"");
}

TEST(Normalize, CapabilitiesAreCaseSensitive) {
  auto p = Parse("path \"a\" { capabilities = [\"READ\"] }\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:28: error: unknown capability \"READ\"; capabilities are case-sensitive: write \"read\" "
            "[unknown-capability]\n"
            "  1 | path \"a\" { capabilities = [\"READ\"] }\n"
            "    |                            ^~~~~~\n"
            "  = vault: path \"a\": invalid capability \"READ\"\n");
}

TEST(Normalize, NumbersInCapabilitiesAreStringifiedThenRejected) {
  auto p = Parse("path \"a\" {\n  capabilities = [1]\n}\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"a\": invalid capability \"1\"");
}

TEST(Normalize, DuplicateCapabilityNamesAreHarmless) {
  auto p = Parse("path \"a\" { capabilities = [\"list\", \"list\"] }\n");
  EXPECT_TRUE(p->file.ok);
  EXPECT_EQ(OnlyRule(*p).capability_names, (std::vector<std::string>{"list", "list"}));
}

TEST(Normalize, EmptyCapabilitiesGiveAnEmptyRule) {
  auto p = Parse("path \"secret/foo\" {}\npath \"b\" { capabilities = [] }\n");
  EXPECT_TRUE(p->file.ok);
  ASSERT_EQ(p->file.policy.rules.size(), 2u);
  EXPECT_TRUE(p->file.policy.rules[0].capabilities.empty());
  EXPECT_TRUE(p->file.policy.rules[1].capabilities.empty());
}

TEST(Normalize, ParameterKeysAreLowerCasedValuesUntouched) {
  auto p = Parse(
      "path \"a\" {\n"
      "  capabilities = [\"update\"]\n"
      "  allowed_parameters = {\n"
      "    \"Foo\" = [\"X\", 1, -2, 1.5, true, {\"good\" = \"one\"}]\n"
      "    \"*\" = []\n"
      "  }\n"
      "  denied_parameters = {}\n"
      "  required_parameters = [\"Bar\"]\n"
      "}\n");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  const PathRule& rule = OnlyRule(*p);
  ASSERT_TRUE(rule.allowed_parameters.has_value());
  EXPECT_EQ(rule.allowed_parameters->size(), 2u);
  EXPECT_EQ(Strings(rule.allowed_parameters->at("foo")),
            (std::vector<std::string>{"\"X\"", "1", "-2", "1.5", "true", "{\"good\": \"one\"}"}));
  EXPECT_EQ(rule.allowed_parameters->at("foo")[1].kind(), Value::Kind::kInt);
  EXPECT_EQ(rule.allowed_parameters->at("foo")[3].kind(), Value::Kind::kFloat);
  EXPECT_EQ(rule.allowed_parameters->at("foo")[4].kind(), Value::Kind::kBool);
  EXPECT_EQ(rule.allowed_parameters->at("foo")[5].kind(), Value::Kind::kObject);
  EXPECT_TRUE(rule.allowed_parameters->at("*").empty());
  // {} is kept as an empty, present map (§1.4 step 11).
  ASSERT_TRUE(rule.denied_parameters.has_value());
  EXPECT_TRUE(rule.denied_parameters->empty());
  // required_parameters are copied verbatim (step 13).
  EXPECT_EQ(rule.required_parameters, std::vector<std::string>{"Bar"});
}

// Vault lower-cases parameter names with Go's strings.ToLower, which is
// Unicode-aware (simple case mapping, no final-sigma or Turkish rules) and turns
// invalid UTF-8 bytes into U+FFFD.
TEST(Normalize, GoToLowerTable) {
  struct Case {
    std::string_view in;
    std::string_view out;
  };
  const Case cases[] = {
      {"", ""},
      {"TTL_Max-1", "ttl_max-1"},                              // ASCII fast path
      {"P\u00C4SSWORD", "p\u00E4ssword"},                      // "PÄSSWORD" -> "pässword"
      {"\u0130D", "id"},                                      // dotted capital I -> plain i (one byte)
      {"\u212Aey", "key"},                                    // Kelvin sign -> k
      {"\u03A3\u0391\u03A3", "\u03C3\u03B1\u03C3"},            // no final sigma: ΣΑΣ -> σασ
      {"\u01C5", "\u01C6"},                                   // titlecase Dž -> dž
      {"\u1E9E", "\u00DF"},                                   // capital sharp s -> ß
      {"\u13A0", "\uAB70"},                                   // Cherokee
      {"\u1C90", "\u10D0"},                                   // Georgian Mtavruli
      {"\U00010400", "\U00010428"},                           // Deseret (4-byte UTF-8)
      {"\u00DF\u0149\u00B5", "\u00DF\u0149\u00B5"},             // no simple lower case: unchanged
      {"\u4E2D\u6587", "\u4E2D\u6587"},                         // no case
      {"A\xFF", "a\uFFFD"},                                   // invalid byte -> U+FFFD
      {"A\xC3", "a\uFFFD"},                                   // truncated sequence
      {"\xED\xA0\x80", "\uFFFD\uFFFD\uFFFD"},                 // a surrogate is three invalid bytes
      {"\xC0\xAF", "\uFFFD\uFFFD"},                           // overlong
      {"\uFFFDX", "\uFFFDx"},                                  // a real U+FFFD is kept
  };
  for (const Case& c : cases) {
    EXPECT_EQ(GoToLower(c.in), c.out) << c.in;
  }
}

TEST(Normalize, ParameterNamesAreLowerCasedLikeGo) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"update\"]\n  allowed_parameters = {\n    \"P\u00C4SSWORD\" = []\n"
                 "    \"\u212AEY\" = [\"v\"]\n  }\n  denied_parameters = {\n    \"\u0130D\" = []\n  }\n}\n");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  const PathRule& rule = OnlyRule(*p);
  ASSERT_TRUE(rule.allowed_parameters.has_value());
  std::vector<std::string> allowed;
  for (const auto& [name, values] : *rule.allowed_parameters) {
    allowed.push_back(name);
  }
  EXPECT_EQ(allowed, (std::vector<std::string>{"key", "p\u00E4ssword"}));
  ASSERT_TRUE(rule.denied_parameters.has_value());
  EXPECT_EQ(rule.denied_parameters->count("id"), 1u);
}

TEST(Normalize, NonAsciiParameterSpellingsCollideAfterLowerCasing) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"update\"]\n  allowed_parameters = {\n    \"\u00C4\" = [\"1\"]\n"
                 "    \"\u00E4\" = [\"2\"]\n  }\n}\n");
  ASSERT_EQ(OnlyRule(*p).allowed_parameters->size(), 1u);
  EXPECT_EQ(OnlyRule(*p).allowed_parameters->begin()->first, "\u00E4");
  EXPECT_NE(p->Rendered().find("[parameter-case-collision]"), std::string::npos) << p->Rendered();
}

TEST(Normalize, AbsentParameterMapsStayAbsent) {
  auto p = Parse("path \"a\" { capabilities = [\"read\"] }\n");
  EXPECT_FALSE(OnlyRule(*p).allowed_parameters.has_value());
  EXPECT_FALSE(OnlyRule(*p).denied_parameters.has_value());
}

TEST(Normalize, ScalarParameterValueIsADecodeError) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n  allowed_parameters = {\n    \"m\" = \"v\"\n  }\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:4:11: error: the values of parameter \"m\" must be a list, such as [\"v\"] [invalid-type]\n"
            "  4 |     \"m\" = \"v\"\n"
            "    |           ^~~\n"
            "  = vault: path \"a\": At 4:11: unknown slice type: *ast.LiteralType\n");
}

TEST(Normalize, WrappingTtlFormsTable) {
  struct Case {
    std::string_view value;
    std::int64_t seconds;
  };
  const Case cases[] = {
      {"300", 300}, {"\"300\"", 300}, {"\"300s\"", 300}, {"\"5m\"", 300}, {"\"1h\"", 3600},
      {"\"1d\"", 86400}, {"\"1h30m\"", 5400}, {"\"1500ms\"", 1}, {"1.9", 1}, {"\"\"", 0},
  };
  for (const Case& c : cases) {
    auto p = Parse(fmt::format("path \"a\" {{\n  capabilities = [\"read\"]\n  max_wrapping_ttl = {}\n}}\n", c.value));
    ASSERT_TRUE(p->file.ok) << c.value << "\n" << p->Rendered();
    EXPECT_EQ(OnlyRule(*p).max_wrapping_ttl, c.seconds) << c.value;
  }
}

TEST(Normalize, BadWrappingTtl) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n  min_wrapping_ttl = \"5x\"\n}\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:3:22: error: invalid min_wrapping_ttl \"5x\": expected seconds or a duration such as "
            "\"300s\", \"5m\", \"1h\" or \"1d\" [invalid-duration]\n"
            "  3 |   min_wrapping_ttl = \"5x\"\n"
            "    |                      ^~~~\n"
            "  = vault: error parsing min_wrapping_ttl: time: unknown unit \"x\" in duration \"5x\"\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: error parsing min_wrapping_ttl: time: unknown unit \"x\" in duration \"5x\"");
}

TEST(Normalize, BadWrappingTtlDays) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n  max_wrapping_ttl = \"xd\"\n}\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: error parsing max_wrapping_ttl: strconv.ParseInt: parsing \"x\": invalid "
            "syntax");
}

// ---------------------------------------------------------------------------
// §1.3 keys per dialect

TEST(Normalize, OpenBaoOnlyKeysAreInvalidInVault) {
  for (Dialect d : {Dialect::kVault, Dialect::kVaultLegacy}) {
    auto p = Parse(
        "path \"a\" {\n"
        "  capabilities = [\"list\"]\n"
        "  expiration = \"2030-01-01T00:00:00Z\"\n"
        "  pagination_limit = 5\n"
        "  list_scan_response_keys_filter_path = \"x\"\n"
        "}\n",
        d);
    EXPECT_EQ(p->file.vault_error,
              "failed to parse policy: 3 errors occurred:\n"
              "\t* path \"a\": invalid key \"expiration\" on line 3\n"
              "\t* path \"a\": invalid key \"pagination_limit\" on line 4\n"
              "\t* path \"a\": invalid key \"list_scan_response_keys_filter_path\" on line 5\n\n");
    EXPECT_EQ(p->sink.diagnostics()[0].message,
              std::string("unknown key \"expiration\" in path \"a\": \"expiration\" is not supported by ") +
                  std::string(DialectName(d)));
  }
}

TEST(Normalize, SubscribeEventTypesIsInvalidInOpenBao) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n  subscribe_event_types = [\"kv*\"]\n}\n",
                 Dialect::kOpenBao);
  EXPECT_EQ(p->Rendered(),
            "p.hcl:3:3: error: unknown key \"subscribe_event_types\" in path \"a\": \"subscribe_event_types\" "
            "is not supported by openbao [unknown-key]\n"
            "  3 |   subscribe_event_types = [\"kv*\"]\n"
            "    |   ^~~~~~~~~~~~~~~~~~~~~\n"
            "  = vault: path \"a\": invalid key \"subscribe_event_types\" on line 3\n");
}

TEST(Normalize, VaultKeysAreDecoded) {
  auto p = Parse(
      "path \"a\" {\n"
      "  comment = \"free text\"\n"
      "  capabilities = [\"subscribe\"]\n"
      "  subscribe_event_types = [\"kv*\"]\n"
      "  mfa_methods = [\"totp\"]\n"
      "  control_group = {\n"
      "    factor \"ops\" {\n"
      "      identity { group_names = [\"ops\"] approvals = 2 }\n"
      "    }\n"
      "  }\n"
      "}\n");
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  const PathRule& rule = OnlyRule(*p);
  EXPECT_EQ(rule.subscribe_event_types, std::vector<std::string>{"kv*"});
  EXPECT_EQ(rule.mfa_methods, std::vector<std::string>{"totp"});
  EXPECT_TRUE(rule.has_control_group);
}

TEST(Normalize, OpenBaoKeysAreDecoded) {
  auto p = Parse(
      "path \"a\" {\n"
      "  capabilities = [\"list\", \"scan\"]\n"
      "  expiration = \"2999-01-01T00:00:00Z\"\n"
      "  pagination_limit = 12345\n"
      "  list_scan_response_keys_filter_path = \"{{ .path }}/{{ .key }}\"\n"
      "}\n",
      Dialect::kOpenBao);
  ASSERT_TRUE(p->file.ok) << p->Rendered();
  const PathRule& rule = OnlyRule(*p);
  EXPECT_EQ(rule.expiration, "2999-01-01T00:00:00Z");
  EXPECT_EQ(rule.pagination_limit, 12345);
  EXPECT_EQ(rule.list_scan_response_keys_filter_path, "{{ .path }}/{{ .key }}");
}

TEST(Normalize, OpenBaoExpiredPathIsDropped) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n  expiration = \"2001-01-01T00:00:00Z\"\n}\n",
                 Dialect::kOpenBao);
  EXPECT_TRUE(p->file.ok);
  EXPECT_TRUE(p->file.policy.rules.empty());
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:6: warning: path \"a\" expired at 2001-01-01T00:00:00Z: OpenBao drops this block "
            "[expired-path]\n"
            "  1 | path \"a\" {\n"
            "    |      ^~~\n");
}

TEST(Normalize, OpenBaoInvalidExpiration) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n  expiration = \"tomorrow\"\n}\n", Dialect::kOpenBao);
  EXPECT_FALSE(p->file.ok);
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: path \"a\": invalid expiration time: parsing time \"tomorrow\" as RFC 3339");
}

TEST(Normalize, OpenBaoListFilterNeedsList) {
  auto p = Parse("path \"a\" {\n  capabilities = [\"read\"]\n  list_scan_response_keys_filter_path = \"x\"\n}\n",
                 Dialect::kOpenBao);
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: list_scan_response_keys_filter_path needs to be used on a path with the "
            "list capability");
}

TEST(Normalize, KeyWhitelistIsCaseSensitive) {
  auto p = Parse("path \"a\" { Capabilities = [\"read\"] }\n");
  EXPECT_EQ(p->Rendered(),
            "p.hcl:1:12: error: unknown key \"Capabilities\" in path \"a\"; did you mean \"capabilities\"? "
            "[unknown-key]\n"
            "  1 | path \"a\" { Capabilities = [\"read\"] }\n"
            "    |            ^~~~~~~~~~~~\n"
            "  = vault: path \"a\": invalid key \"Capabilities\" on line 1\n");
}

// ---------------------------------------------------------------------------
// §1.2 document structure

TEST(Normalize, EmptyAndCommentOnlyPoliciesHaveNoRules) {
  for (std::string_view text : {"", "  \n", "# nothing\n// here\n/* at all */\n"}) {
    auto p = Parse(text);
    EXPECT_TRUE(p->file.ok) << text;
    EXPECT_TRUE(p->file.policy.rules.empty());
    EXPECT_EQ(p->Rendered(), "");
  }
}

TEST(Normalize, NameIsIgnoredAndTheFileStemNamesThePolicy) {
  auto p = Parse("name = \"other\"\npath \"a\" { capabilities = [\"read\"] }\n", Dialect::kVault,
                 "dir/Ops Team.hcl");
  EXPECT_TRUE(p->file.ok);
  EXPECT_EQ(p->file.policy.name, "ops team");
}

TEST(Normalize, NameMustBeAString) {
  auto p = Parse("name {}\n");
  EXPECT_FALSE(p->file.ok);
  EXPECT_NE(p->file.vault_error, "");
}

TEST(Normalize, RepeatedPathBlocksAreTwoRules) {
  for (Dialect d : kAllDialects) {
    auto p = Parse("path \"a\" { capabilities = [\"read\"] }\npath \"a\" { capabilities = [\"list\"] }\n", d);
    EXPECT_TRUE(p->file.ok);
    EXPECT_EQ(p->file.policy.rules.size(), 2u);
    EXPECT_EQ(p->Rendered(), "");
  }
}

TEST(Normalize, PathAsAMapIsAnInvalidKey) {
  auto p = Parse("path = { \"a\" = { capabilities = [\"read\"] } }\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: 1 error occurred:\n\t* path \"path\": invalid key \"a\" on line 1\n\n");
}

TEST(Normalize, NestedPathBlockReportsLineZero) {
  auto p = Parse("path \"a\" {\n  path \"b\" {}\n}\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: 1 error occurred:\n\t* path \"a\": invalid key \"path\" on line 0\n\n");
}

TEST(Normalize, EmptyLabelIsAnExactEmptyKey) {
  auto p = Parse("path \"\" { capabilities = [\"read\"] }\n");
  ASSERT_TRUE(p->file.ok);
  EXPECT_EQ(OnlyRule(*p).pattern.key, "");
  EXPECT_EQ(OnlyRule(*p).pattern.kind, PatternKind::kExact);
}

// ---------------------------------------------------------------------------
// §1.5 first error in Vault's order; all errors reported

TEST(Normalize, EveryBlockIsCheckedButVaultReportsTheFirst) {
  auto p = Parse(
      "path \"a\" { capabilities = [\"bad1\"] }\n"
      "path \"b\" { policy = \"bad2\" }\n"
      "path \"c/+*\" { capabilities = [\"read\"] }\n");
  EXPECT_EQ(p->sink.error_count(), 3u);
  EXPECT_EQ(p->VaultMessages(), (std::vector<std::string>{
                                    "path \"a\": invalid capability \"bad1\"",
                                    "path \"b\": invalid policy \"bad2\"",
                                    "path \"c/+*\": invalid use of wildcards ('+*' is forbidden)",
                                }));
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"a\": invalid capability \"bad1\"");
  EXPECT_TRUE(p->file.policy.rules.empty());
}

TEST(Normalize, TopLevelKeyErrorsComeBeforePathErrors) {
  auto p = Parse("path \"a\" { capabilities = [\"bad\"] }\nbad = 1\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: 1 error occurred:\n\t* invalid key \"bad\" on line 2\n\n");
}

TEST(Normalize, WildcardErrorComesBeforeCapabilityErrorInOneBlock) {
  auto p = Parse("path \"a+*\" { capabilities = [\"bad\"] }\n");
  EXPECT_EQ(p->file.vault_error, "failed to parse policy: path \"a+*\": invalid use of wildcards ('+*' is forbidden)");
}

TEST(Normalize, TemplateErrorComesBeforeKeyErrors) {
  auto p = Parse("path \"{{a\" { bogus = 1 }\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: failed to validate policy templating: unbalanced templating characters");
}

// ---------------------------------------------------------------------------
// §1.6 duplicates

TEST(Normalize, DuplicateAttributeMessageMatchesVaultsSysPolicyTest) {
  // vault/logical_system_test.go › TestSystemBackend_writeHCLDuplicateAttributes
  auto p = Parse("path \"foo/\" { policy = \"read\" policy = \"read\" }");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: The argument \"policy\" at 1:31 was already set. Each argument can only "
            "be defined once");
}

TEST(Normalize, DuplicateAttributeMessageMatchesVaultsPolicyFmtTest) {
  // command/policy_fmt_test.go › hcl_duplicate_key_env_not_set
  auto p = Parse("\npath \"secret\" {\n  capabilities = [\"create\", \"update\", \"delete\"]\n  capabilities = [\"create\"]\n}\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: The argument \"capabilities\" at 4:3 was already set. Each argument can "
            "only be defined once");
}

TEST(Normalize, DuplicateAttributeIsAParseErrorBeforeKeyChecks) {
  auto p = Parse("bad = 1\npath \"a\" {\n  allowed_parameters = {\n    \"x\" = []\n    \"x\" = [1]\n  }\n}\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: The argument \"x\" at 5:5 was already set. Each argument can only be "
            "defined once");
  EXPECT_EQ(p->sink.error_count(), 2u);
}

TEST(Normalize, DuplicateParameterKeysConcatenateOutsideVault) {
  for (Dialect d : {Dialect::kVaultLegacy, Dialect::kOpenBao}) {
    auto p = Parse(
        "path \"a\" {\n"
        "  capabilities = [\"update\"]\n"
        "  allowed_parameters = { \"x\" = [\"1\"] }\n"
        "  allowed_parameters = { \"x\" = [\"2\"], \"y\" = [] }\n"
        "}\n",
        d);
    ASSERT_TRUE(p->file.ok) << p->Rendered();
    const PathRule& rule = OnlyRule(*p);
    EXPECT_EQ(Strings(rule.allowed_parameters->at("x")), (std::vector<std::string>{"\"1\"", "\"2\""}));
    EXPECT_EQ(rule.allowed_parameters->count("y"), 1u);
  }
}

TEST(Normalize, DuplicateScalarsLastWinsOutsideVault) {
  for (Dialect d : {Dialect::kVaultLegacy, Dialect::kOpenBao}) {
    auto p = Parse(
        "path \"a\" {\n"
        "  policy = \"read\"\n"
        "  policy = \"write\"\n"
        "  min_wrapping_ttl = 10\n"
        "  min_wrapping_ttl = 20\n"
        "}\n",
        d);
    ASSERT_TRUE(p->file.ok) << p->Rendered();
    EXPECT_EQ(OnlyRule(*p).capability_names,
              (std::vector<std::string>{"create", "read", "update", "delete", "list"}));
    EXPECT_EQ(OnlyRule(*p).min_wrapping_ttl, 20);
  }
}

TEST(Normalize, DuplicateTopLevelNameIsAnErrorInVault) {
  auto p = Parse("name = \"a\"\nname = \"b\"\n");
  EXPECT_EQ(p->file.vault_error,
            "failed to parse policy: The argument \"name\" at 2:1 was already set. Each argument can only be "
            "defined once");
  EXPECT_TRUE(Parse("name = \"a\"\nname = \"b\"\n", Dialect::kOpenBao)->file.ok);
}

TEST(Normalize, JsonDuplicatesAreNeverAnError) {
  // Vault's duplicate check lives in the HCL parser only.
  for (Dialect d : kAllDialects) {
    auto p = Parse(R"({"path":{"a":{"capabilities":["read"],"capabilities":["list"]}}})", d, "p.json");
    EXPECT_TRUE(p->file.ok) << p->Rendered();
    EXPECT_EQ(p->Rendered(),
              "p.json:1:39: warning: \"capabilities\" is set twice: lists are concatenated and the last scalar "
              "wins [duplicate-attribute]\n"
              "  1 | {\"path\":{\"a\":{\"capabilities\":[\"read\"],\"capabilities\":[\"list\"]}}}\n"
              "    |                                       ^~~~~~~~~~~~~~\n"
              "p.json:1:15: note: first set here\n");
    EXPECT_EQ(OnlyRule(*p).capability_names, (std::vector<std::string>{"read", "list"}));
  }
}

TEST(Normalize, JsonDuplicatePathKeysAreTwoRules) {
  auto p = Parse(R"({"path":{"a":{"capabilities":["read"]},"a":{"capabilities":["list"]}}})", Dialect::kVault,
                 "p.json");
  EXPECT_TRUE(p->file.ok) << p->Rendered();
  EXPECT_EQ(p->file.policy.rules.size(), 2u);
}

}  // namespace
}  // namespace polcheck::parser
