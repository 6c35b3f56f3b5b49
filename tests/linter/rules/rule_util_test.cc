// Path-set helpers of the lint rules, on tables of cases from SEMANTICS.md §3.
#include "linter/rules/rule_util.h"

#include <gtest/gtest.h>

namespace polcheck::linter {
namespace {

struct MatchCase {
  std::string_view pattern;
  std::string_view path;
  bool matches;
};

class RuleUtilMatches : public ::testing::TestWithParam<MatchCase> {};

TEST_P(RuleUtilMatches, AgreesWithVault) {
  const MatchCase& c = GetParam();
  EXPECT_EQ(Matches(MakePattern(c.pattern), c.path), c.matches) << c.pattern << " vs " << c.path;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RuleUtilMatches,
    ::testing::Values(MatchCase{"secret/foo", "secret/foo", true}, MatchCase{"secret/foo", "secret/foo/", false},
                      MatchCase{"secret/foo*", "secret/foobar/x", true}, MatchCase{"*", "anything/at/all", true},
                      MatchCase{"secret/+", "secret/", true},               // '+' matches an empty segment (row 77)
                      MatchCase{"foo/+/*", "foo/x", false},                 // needs three segments (row 79)
                      MatchCase{"foo/+/*", "foo/x/", true}, MatchCase{"foo/+/ba*", "foo/x/bar/more", true},
                      MatchCase{"test/segment/at/end/+", "test/segment/at/end/foo/", false},
                      MatchCase{"secret/*/foo", "secret/x/foo", false},     // mid '*' is literal (row 76)
                      MatchCase{"secret/*/foo", "secret/*/foo", true}, MatchCase{"foo/+bar", "foo/xbar", false},
                      MatchCase{"foo/+bar", "foo/+bar", true}, MatchCase{"secret/**", "secret/*x", true},
                      MatchCase{"secret/**", "secret/x", false}, MatchCase{"/a/b", "a/b", true}));

struct OverlapCase {
  std::string_view a;
  std::string_view b;
  std::optional<std::string_view> witness;  // nullopt: no common path
};

class RuleUtilCommonPath : public ::testing::TestWithParam<OverlapCase> {};

TEST_P(RuleUtilCommonPath, FindsAShortestCommonPathOrNone) {
  const OverlapCase& c = GetParam();
  const std::optional<std::string> got = CommonPath(MakePattern(c.a), MakePattern(c.b));
  ASSERT_EQ(got.has_value(), c.witness.has_value()) << c.a << " & " << c.b;
  if (got) {
    EXPECT_EQ(*got, *c.witness);
    EXPECT_TRUE(Matches(MakePattern(c.a), *got));
    EXPECT_TRUE(Matches(MakePattern(c.b), *got));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RuleUtilCommonPath,
    ::testing::Values(OverlapCase{"sys/*", "sys/policy/{{name}}", "sys/policy/x"},
                      OverlapCase{"*", "sys/policy/{{name}}", "sys/policy/x"},
                      OverlapCase{"sys/policy", "sys/policy/{{name}}", std::nullopt},   // the list endpoint
                      OverlapCase{"sys/policy/", "sys/policy/{{name}}", std::nullopt},  // placeholder is non-empty
                      OverlapCase{"+/policy/admin", "sys/policy/{{name}}", "sys/policy/admin"},
                      OverlapCase{"sys/+/acl/*", "sys/policies/acl/{{name}}", "sys/policies/acl/x"},
                      OverlapCase{"auth/approle/role/app/secret-id", "auth/{{m}}/role/{{r}}", std::nullopt},
                      OverlapCase{"auth/approle/role/app/*", "auth/{{m}}/role/{{r}}", std::nullopt},
                      OverlapCase{"auth/approle/role/app*", "auth/{{m}}/role/{{r}}", "auth/approle/role/app"},
                      OverlapCase{"auth/+/role/+", "auth/kubernetes/role/{{r}}", "auth/kubernetes/role/x"},
                      OverlapCase{"secret/+/foo", "secret/data/*", "secret/data/foo"},
                      OverlapCase{"secret/foo*", "secret/data/*", std::nullopt},
                      OverlapCase{"secret/d*", "secret/data/*", "secret/data/"},
                      OverlapCase{"secret/*/x", "secret/+/x", "secret/*/x"}));

TEST(RuleUtil, LiteralPrefixStopsAtTheFirstWildcardSegmentOrPlaceholder) {
  EXPECT_EQ(LiteralPrefix(MakePattern("auth/+/role/*")), "auth/");
  EXPECT_EQ(LiteralPrefix(MakePattern("+/sys")), "");
  EXPECT_EQ(LiteralPrefix(MakePattern("secret/data/app*")), "secret/data/app");
  EXPECT_EQ(LiteralPrefix(MakePattern("secret/data/{{identity.entity.id}}/*")), "secret/data/");
  EXPECT_EQ(LiteralPrefix(MakePattern("foo/+bar/+/x")), "foo/+bar/");
  EXPECT_EQ(LiteralPrefix(MakePattern("secret/foo")), "secret/foo");
}

TEST(RuleUtil, SamplePathIsMatched) {
  for (std::string_view p : {"a/+/b/*", "secret/data/{{identity.entity.id}}/*", "*", "x/+"}) {
    EXPECT_TRUE(Matches(MakePattern(p), SamplePath(MakePattern(p)))) << p;
  }
}

struct SelectorCase {
  std::string_view text;
  SelectorSource source;
};

class RuleUtilSelector : public ::testing::TestWithParam<SelectorCase> {};

TEST_P(RuleUtilSelector, FollowsIdentityTemplating) {
  EXPECT_EQ(ParseSelector(GetParam().text).source, GetParam().source) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RuleUtilSelector,
    ::testing::Values(
        SelectorCase{"identity.entity.id", SelectorSource::kEntityId},
        SelectorCase{"identity.entity.name", SelectorSource::kEntityName},
        SelectorCase{"identity.entity.metadata.team", SelectorSource::kEntityMetadata},
        SelectorCase{"identity.entity.metadata.a.b", SelectorSource::kEntityMetadata},
        SelectorCase{"identity.entity.metadata", SelectorSource::kUnusable},
        SelectorCase{"identity.entity.groups.names", SelectorSource::kUnusable},
        SelectorCase{"identity.entity.aliases.auth_jwt_1234abcd.name", SelectorSource::kAliasName},
        SelectorCase{"identity.entity.aliases.auth_jwt_1234abcd.metadata.email", SelectorSource::kAliasMetadata},
        SelectorCase{"identity.entity.aliases.auth_jwt_1234abcd.custom_metadata.k",
                     SelectorSource::kAliasCustomMetadata},
        SelectorCase{"identity.entity.aliases.auth_jwt_1234abcd", SelectorSource::kInvalid},
        SelectorCase{"identity.entity.aliases.<mount accessor>.name", SelectorSource::kInvalid},
        SelectorCase{"identity.entity.aliases.auth_jwt_1234abcd.metadata.", SelectorSource::kInvalid},
        SelectorCase{"identity.groups.ids.abc.name", SelectorSource::kGroupName},
        SelectorCase{"identity.groups.names.ops.id", SelectorSource::kGroupId},
        SelectorCase{"identity.groups.names.ops.metadata.k", SelectorSource::kGroupMetadata},
        SelectorCase{"identity.groups.names.ops", SelectorSource::kInvalid},
        SelectorCase{"identity.groups.ops.id", SelectorSource::kInvalid},
        SelectorCase{"time.now", SelectorSource::kTime}, SelectorCase{"time.now.plus.1h", SelectorSource::kTime},
        SelectorCase{"time.now.minus.90", SelectorSource::kTime},
        SelectorCase{"time.now.plus.soon", SelectorSource::kInvalid},
        SelectorCase{"identity.entity.ID", SelectorSource::kInvalid},
        SelectorCase{"cluster_name", SelectorSource::kInvalid}));

TEST(RuleUtil, PlaceholdersAreTrimmed) {
  const std::vector<Placeholder> p = Placeholders("a/{{ identity.entity.id }}/{{time.now}}");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].selector, "identity.entity.id");
  EXPECT_EQ(p[0].begin, 2u);
  EXPECT_EQ(p[1].selector, "time.now");
}

TEST(RuleUtil, SplitListTrimsAndDropsEmpties) {
  EXPECT_EQ(SplitList(" sys/, auth/token/ ,,x"), (std::vector<std::string>{"sys/", "auth/token/", "x"}));
}

}  // namespace
}  // namespace polcheck::linter
