// Path-set helpers of the lint rules, on tables of cases from SEMANTICS.md §3.
#include "linter/rules/rule_util.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "config/config.h"
#include "parser/parser.h"

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

// ---- Precedence helpers (SEMANTICS.md §3.5 worked examples).

struct RankCase {
  std::string_view winner;
  std::string_view loser;
};

class RuleUtilOutranks : public ::testing::TestWithParam<RankCase> {};

TEST_P(RuleUtilOutranks, FollowsTheComparator) {
  const parser::Pattern w = MakePattern(GetParam().winner), l = MakePattern(GetParam().loser);
  EXPECT_TRUE(Outranks(w, l)) << GetParam().winner << " over " << GetParam().loser;
  EXPECT_FALSE(Outranks(l, w)) << GetParam().loser << " over " << GetParam().winner;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RuleUtilOutranks,
    ::testing::Values(RankCase{"*", "+/*"}, RankCase{"foo/+/*", "+/*"}, RankCase{"foo/+/bar/baz", "foo/+/+/*"},
                      RankCase{"foo/+/bar/baz", "foo/+/+/baz"}, RankCase{"foo/(ar/+/baz", "foo/+/(ar/baz"},
                      RankCase{"foo/bar/+/baz", "foo/bar/+/baz*"}, RankCase{"foo/bar/+/ba*", "foo/bar/+/b*"},
                      RankCase{"1/2/+", "1/2/*"}, RankCase{"secret/+/foo", "secret/*"},
                      RankCase{"secret/data/*", "secret/+/foo"}, RankCase{"secret/*", "secret/+/+/foo/*"}));

TEST(RuleUtil, OutrankReasonNamesTheDecidingStep) {
  EXPECT_EQ(OutrankReason(MakePattern("secret/*"), MakePattern("secret/+/+/foo/*")),
            "it has fewer '+' segments (priority rule 3)");
  EXPECT_EQ(OutrankReason(MakePattern("secret/data/*"), MakePattern("secret/+/foo")),
            "its first wildcard or glob comes later (priority rule 1)");
  EXPECT_EQ(OutrankReason(MakePattern("1/2/+"), MakePattern("1/2/*")), "it does not end in a glob (priority rule 2)");
}

struct CoverCase {
  std::string_view outer;
  std::string_view inner;
  bool covers;
};

class RuleUtilCovers : public ::testing::TestWithParam<CoverCase> {};

TEST_P(RuleUtilCovers, IsPathSetInclusion) {
  const CoverCase& c = GetParam();
  EXPECT_EQ(Covers(MakePattern(c.outer), MakePattern(c.inner)), c.covers) << c.outer << " covers " << c.inner;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RuleUtilCovers,
    ::testing::Values(CoverCase{"secret/*", "secret/+/+/foo/*", true}, CoverCase{"secret/*", "secret/+", true},
                      CoverCase{"secret/+/*", "secret/*", false},  // "secret/x" has no third segment
                      CoverCase{"kv/+/*", "kv/+/+/*", true}, CoverCase{"kv/+/+/*", "kv/+/*", false},
                      CoverCase{"a/b", "a/b", true}, CoverCase{"a/*", "a/b", true}, CoverCase{"a/b", "a/*", false},
                      CoverCase{"a/+", "a/b/c", false}, CoverCase{"secret/data/*", "secret/+/admin", false},
                      CoverCase{"+/admin", "secret/admin", true}, CoverCase{"a/x*", "a/+", false},
                      CoverCase{"a/+", "a/xyz", true}, CoverCase{"a/+/b*", "a/+/bc/*", true},
                      CoverCase{"*", "+/+/*", true}, CoverCase{"+/*", "*", false}));

TEST(RuleUtil, CommonCanonicalPathHasNoEmptySegment) {
  EXPECT_EQ(CommonCanonicalPath(MakePattern("secret/+/+/foo/*"), MakePattern("secret/+/+/foo/*")),
            "secret/x/x/foo/");
  EXPECT_EQ(CommonCanonicalPath(MakePattern("secret/+/admin"), MakePattern("secret/data/*")), "secret/data/admin");
  EXPECT_EQ(CommonPath(MakePattern("a/+/b"), MakePattern("a//b")), "a//b");
  EXPECT_EQ(CommonCanonicalPath(MakePattern("a/+/b"), MakePattern("a//b")), std::nullopt);
  EXPECT_EQ(CommonCanonicalPath(MakePattern("a/+"), MakePattern("b/*")), std::nullopt);
}

// ---- The cross-policy rules on several policy files (the catalog test data holds one).

struct SetRun {
  SourceSet sources;
  DiagnosticSink sink;
  std::vector<parser::PolicyFile> files;
  LintResult result;

  explicit SetRun(const std::vector<std::pair<std::string, std::string>>& inputs, Dialect dialect = Dialect::kVault) {
    for (const auto& [name, text] : inputs) {
      files.push_back(parser::ParsePolicy(sources.file(sources.Add(name, text)),
                                          {.dialect = dialect, .name = parser::PolicyNameFromPath(name),
                                           .namespace_path = ""},
                                          sink));
    }
    result = Lint({sources, files, sink.diagnostics(), config::DefaultConfig(), dialect});
  }

  // "file:line" of each finding of `rule`.
  std::vector<std::string> Where(std::string_view rule) const {
    std::vector<std::string> out;
    for (const Finding& f : result.findings) {
      if (f.rule == rule) {
        const SourceFile& file = sources.file(f.span.file);
        out.push_back(file.name() + ":" + std::to_string(file.Locate(f.span.begin).line));
      }
    }
    return out;
  }
  const Finding* First(std::string_view rule) const {
    for (const Finding& f : result.findings) {
      if (f.rule == rule) {
        return &f;
      }
    }
    return nullptr;
  }
};

std::string Block(std::string_view path, std::string_view body) {
  return "path \"" + std::string(path) + "\" {\n  " + std::string(body) + "\n}\n";
}

using Strings = std::vector<std::string>;

TEST(CrossPolicy, IneffectiveDenyNamesTheWinnerInAnotherPolicy) {
  const SetRun run({{"a.hcl", Block("secret/*", "capabilities = [\"read\", \"list\"]")},
                    {"b.hcl", Block("secret/+/+/admin/*", "capabilities = [\"deny\"]")}});
  EXPECT_EQ(run.Where("ineffective-deny"), Strings{"b.hcl:1"});
  const Finding* f = run.First("ineffective-deny");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("(policy 'a', line 1)"), std::string::npos) << f->message;
  ASSERT_EQ(f->related.size(), 1u);
  EXPECT_EQ(run.sources.file(f->related[0].span.file).name(), "a.hcl");
}

TEST(CrossPolicy, IneffectiveDenyReportsEveryCopyOfTheDeny) {
  // The second deny at a deny key is "ignored" by Vault's merge, with the same effect.
  const std::string deny = Block("secret/+/+/admin/*", "capabilities = [\"deny\"]");
  const SetRun run({{"a.hcl", Block("secret/*", "capabilities = [\"read\", \"list\"]")},
                    {"x/b.hcl", deny},
                    {"y/b.hcl", deny}});
  EXPECT_EQ(run.Where("ineffective-deny"), (Strings{"x/b.hcl:1", "y/b.hcl:1"}));
}

TEST(CrossPolicy, IneffectiveDenyQuietWithoutTheWinner) {
  const SetRun run({{"b.hcl", Block("secret/+/+/admin/*", "capabilities = [\"deny\"]")}});
  EXPECT_EQ(run.Where("ineffective-deny"), Strings{});
}

TEST(CrossPolicy, IneffectiveDenyListCaveatWhenTheWinnerLacksList) {
  const SetRun run({{"a.hcl", Block("secret/*", "capabilities = [\"read\"]")},
                    {"b.hcl", Block("secret/+/+/admin/*", "capabilities = [\"deny\"]")}});
  const Finding* f = run.First("ineffective-deny");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("never decides a request other than LIST"), std::string::npos) << f->message;
}

TEST(CrossPolicy, ShadowedRuleAcrossPolicies) {
  const SetRun run({{"a.hcl", Block("secret/*", "capabilities = [\"read\"]")},
                    {"b.hcl", Block("secret/+/+/reports/*", "capabilities = [\"update\"]") + "\n" +
                                  Block("secret/+/team", "capabilities = [\"update\"]")}});
  EXPECT_EQ(run.Where("shadowed-rule"), Strings{"b.hcl:1"});
}

TEST(CrossPolicy, ConflictNamesTheDiscardedGrant) {
  const SetRun run({{"app.hcl", Block("secret/data/shared", "capabilities = [\"read\"]")},
                    {"lockdown.hcl", Block("secret/data/shared", "capabilities = [\"deny\"]")},
                    {"also-deny.hcl", Block("secret/data/shared", "capabilities = [\"deny\"]")}});
  EXPECT_EQ(run.Where("cross-policy-conflict"), (Strings{"lockdown.hcl:1", "also-deny.hcl:1"}));
  const Finding* f = run.First("cross-policy-conflict");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("discards the grant of \"secret/data/shared\" in policy 'app'"), std::string::npos)
      << f->message;
  ASSERT_EQ(f->related.size(), 1u);
  EXPECT_EQ(run.sources.file(f->related[0].span.file).name(), "app.hcl");
}

TEST(CrossPolicy, PooledConstraintShownWithARefusedRequest) {
  const SetRun run({{"writer.hcl", Block("secret/foo", "capabilities = [\"create\"]")},
                    {"reader.hcl", Block("secret/foo", "capabilities = [\"read\"]\n  allowed_parameters = {\n    \"x\" = []\n  }")}});
  EXPECT_EQ(run.Where("pooled-parameter-constraints"), Strings{"writer.hcl:1"});
  const Finding* f = run.First("pooled-parameter-constraints");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("create \"secret/foo\" with data {\"example\": \"x\"} is refused"), std::string::npos)
      << f->message;
  EXPECT_NE(f->message.find("policy 'writer' alone allows it"), std::string::npos) << f->message;
}

TEST(CrossPolicy, PooledIdenticalConstraintsBreakNothing) {
  const std::string limited = Block("secret/foo", "capabilities = [\"create\"]\n  required_parameters = [\"x\"]");
  const SetRun run({{"one.hcl", limited}, {"two.hcl", limited}});
  EXPECT_EQ(run.Where("pooled-parameter-constraints"), Strings{});
}

TEST(CrossPolicy, PooledWrappingAppliesToOtherPolicies) {
  const SetRun run({{"enc.hcl", Block("transit/encrypt/app", "capabilities = [\"update\"]")},
                    {"wrap.hcl", Block("transit/encrypt/app", "capabilities = [\"read\"]\n  min_wrapping_ttl = \"1m\"")}});
  EXPECT_EQ(run.Where("pooled-parameter-constraints"), Strings{"enc.hcl:1"});
}

TEST(CrossPolicy, ListDenyDependsOnTheDialect) {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"list.hcl", Block("secret/metadata/*", "capabilities = [\"list\"]")},
      {"hide.hcl", Block("secret/metadata/private/*", "capabilities = [\"deny\"]")}};
  EXPECT_EQ(SetRun(inputs, Dialect::kVaultLegacy).Where("list-deny-no-trailing-slash"), Strings{"hide.hcl:1"});
  std::vector<std::pair<std::string, std::string>> twice = inputs;
  twice.emplace_back("copy/hide.hcl", inputs[1].second);
  EXPECT_EQ(SetRun(twice, Dialect::kVaultLegacy).Where("list-deny-no-trailing-slash"),
            (Strings{"hide.hcl:1", "copy/hide.hcl:1"}));
  EXPECT_EQ(SetRun(inputs, Dialect::kVault).Where("list-deny-no-trailing-slash"), Strings{});
  EXPECT_EQ(SetRun(inputs, Dialect::kOpenBao).Where("list-deny-no-trailing-slash"), Strings{});
  // The cached set Acl follows the input: the legacy answer again after the others.
  EXPECT_EQ(SetRun(inputs, Dialect::kVaultLegacy).Where("list-deny-no-trailing-slash"), Strings{"hide.hcl:1"});
}

TEST(CrossPolicy, WholeSetAclIsRebuiltForNewInput) {
  const SetRun with({{"a.hcl", Block("secret/*", "capabilities = [\"read\"]")},
                     {"b.hcl", Block("secret/+/+/x/*", "capabilities = [\"deny\"]")}});
  const SetRun without({{"a.hcl", Block("kv/*", "capabilities = [\"read\"]")},
                        {"b.hcl", Block("secret/+/+/x/*", "capabilities = [\"deny\"]")}});
  EXPECT_EQ(with.Where("ineffective-deny"), Strings{"b.hcl:1"});
  EXPECT_EQ(without.Where("ineffective-deny"), Strings{});
}

}  // namespace
}  // namespace polcheck::linter
