// The lint framework: suppressions, levels, ignore globs, fingerprints,
// baselines and the formatters, on small policies built in the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "linter/linter.h"
#include "parser/parser.h"

namespace polcheck::linter {
namespace {

using Inputs = std::vector<std::pair<std::string, std::string>>;

// The defaults without the `fmt` rule: these inputs are laid out to exercise
// other rules and suppressions, not formatting.
config::Config FrameworkConfig() {
  config::Config cfg = config::DefaultConfig();
  cfg.lint.rules["fmt"].level = config::Level::kOff;
  return cfg;
}

// Parses the given files and lints them with `cfg`.
struct Linted {
  SourceSet sources;
  DiagnosticSink sink;
  std::vector<parser::PolicyFile> files;
  LintResult result;

  Linted(const Inputs& inputs,
         const config::Config& cfg = FrameworkConfig()) {
    for (const auto& [name, text] : inputs) {
      files.push_back(parser::ParsePolicy(sources.file(sources.Add(name, text)), {}, sink));
    }
    result = Lint({sources, files, sink.diagnostics(), cfg, Dialect::kVault});
  }

  std::vector<std::string> Rules() const {
    std::vector<std::string> out;
    for (const Finding& f : result.findings) {
      out.push_back(f.rule + "@" + std::to_string(sources.file(f.span.file).Locate(f.span.begin).line));
    }
    return out;
  }
};

using ::testing::ElementsAre;

TEST(Suppressions, LineAboveCoversTheNextLineOnly) {
  Linted l(Inputs{{"a.hcl",
             "path \"team/app\" {\n"
             "  # polcheck:ignore legacy-policy-field -- migration tracked in OPS-1\n"
             "  policy = \"write\"\n"
             "}\n"
             "path \"team/other\" {\n"
             "  policy = \"read\"\n"
             "}\n"}});
  EXPECT_THAT(l.Rules(), ElementsAre("legacy-policy-field@6"));
  ASSERT_EQ(l.result.suppressed.size(), 1u);
  EXPECT_EQ(l.result.suppressed[0].suppression_reason, "migration tracked in OPS-1");
  EXPECT_EQ(l.result.summary.suppressed, 1u);
}

TEST(Suppressions, TrailingCommentCoversItsOwnLine) {
  Linted l(Inputs{{"a.hcl", "path \"a/*\" {\n  policy = \"read\" # polcheck:ignore legacy-policy-field -- ok\n}\n"}});
  EXPECT_TRUE(l.result.findings.empty());
}

TEST(Suppressions, AboveABlockCoversTheWholeBlock) {
  Linted l(Inputs{{"a.hcl",
             "// polcheck:ignore sudo-on-glob,legacy-policy-field -- break-glass\n"
             "path \"sys/*\" {\n"
             "  capabilities = [\"sudo\"]\n"
             "\n"
             "  policy = \"read\"\n"
             "}\n"}});
  EXPECT_TRUE(l.result.findings.empty()) << l.Rules().size();
  EXPECT_EQ(l.result.suppressed.size(), 2u);
}

TEST(Suppressions, MissingReasonUnknownRuleAndUnusedAreReported) {
  Linted l(Inputs{{"a.hcl",
             "# polcheck:ignore sudo-on-glob\n"
             "path \"sys/*\" {\n  capabilities = [\"sudo\"]\n}\n"
             "# polcheck:ignore no-such-rule -- because\n"
             "path \"a\" {\n  capabilities = [\"read\"]\n}\n"
             "# polcheck:ignore leading-slash -- nothing to suppress here\n"
             "path \"b\" {\n  capabilities = [\"read\"]\n}\n"
             "# polcheck:ignore\n"}});
  EXPECT_THAT(l.Rules(), ElementsAre("invalid-suppression@1", "invalid-suppression@5", "unused-suppression@9",
                                     "invalid-suppression@13"));
  EXPECT_EQ(l.result.suppressed.size(), 1u);  // a suppression without a reason still suppresses
}

TEST(Levels, ConfigOverridesRuleThenCategoryThenDefault) {
  config::Config cfg = FrameworkConfig();
  cfg.lint.categories["hygiene"] = config::Level::kError;
  cfg.lint.rules["leading-slash"].level = config::Level::kOff;
  Linted l(Inputs{{"a.hcl", "path \"/a\" {\n  policy = \"read\"\n}\n"}}, cfg);
  ASSERT_EQ(l.result.findings.size(), 1u);
  EXPECT_EQ(l.result.findings[0].rule, "legacy-policy-field");
  EXPECT_EQ(l.result.findings[0].severity, Severity::kError);  // category level
  EXPECT_TRUE(l.result.Fails(config::Level::kError));
}

TEST(Levels, FailLevelDecidesTheExit) {
  Linted l(Inputs{{"a.hcl", "path \"/a\" {\n  capabilities = [\"read\"]\n}\n"}});
  ASSERT_EQ(l.result.findings.size(), 1u);  // leading-slash, a suggestion
  EXPECT_FALSE(l.result.Fails(config::Level::kError));
  EXPECT_FALSE(l.result.Fails(config::Level::kWarning));
  EXPECT_TRUE(l.result.Fails(config::Level::kSuggestion));
}

TEST(Fingerprints, SurviveLinesMovingAndDifferForDifferentFindings) {
  Linted before(Inputs{{"a.hcl", "path \"/a\" {\n  capabilities = [\"read\"]\n}\npath \"/b\" {\n  capabilities = [\"read\"]\n}\n"}});
  Linted after(Inputs{{"a.hcl", "# new comment\n\npath \"/a\" {\n    capabilities = [\"read\"]\n}\n"}});
  ASSERT_EQ(before.result.findings.size(), 2u);
  ASSERT_EQ(after.result.findings.size(), 1u);
  EXPECT_EQ(before.result.findings[0].fingerprint, after.result.findings[0].fingerprint);
  EXPECT_NE(before.result.findings[0].fingerprint, before.result.findings[1].fingerprint);
}

TEST(Baseline, ReportsOnlyNewFindings) {
  Linted old_run(Inputs{{"a.hcl", "path \"/a\" {\n  capabilities = [\"read\"]\n}\n"}});
  const std::string baseline = WriteBaseline(old_run.result, old_run.sources);
  Linted new_run(Inputs{{"a.hcl", "path \"/a\" {\n  capabilities = [\"read\"]\n}\npath \"/c\" {\n  capabilities = [\"read\"]\n}\n"}});
  ASSERT_TRUE(ApplyBaseline(baseline, new_run.result).has_value());
  EXPECT_THAT(new_run.Rules(), ElementsAre("leading-slash@4"));
  EXPECT_EQ(new_run.result.summary.baselined, 1u);
  EXPECT_EQ(new_run.result.summary.suggestions, 1u);
}

TEST(Baseline, RejectsWhatIsNotABaseline) {
  Linted l(Inputs{{"a.hcl", "path \"/a\" {\n  capabilities = [\"read\"]\n}\n"}});
  EXPECT_FALSE(ApplyBaseline("[1, 2]", l.result).has_value());
  EXPECT_FALSE(ApplyBaseline("not json", l.result).has_value());
  EXPECT_EQ(l.result.findings.size(), 1u);
}

TEST(Formats, JsonFollowsTheDocumentedSchema) {
  Linted l(Inputs{{"p/a.hcl", "path \"/a\" {\n  capabilities = [\"read\"]\n}\n"}});
  const nlohmann::json j = nlohmann::json::parse(FormatJson(l.result, l.sources));
  EXPECT_EQ(j["tool"]["name"], "polcheck");
  EXPECT_EQ(j["summary"]["files"], 1);
  EXPECT_EQ(j["summary"]["suggestions"], 1);
  const nlohmann::json& f = j["findings"][0];
  EXPECT_EQ(f["rule"], "leading-slash");
  EXPECT_EQ(f["category"], "hygiene");
  EXPECT_EQ(f["severity"], "suggestion");
  EXPECT_EQ(f["location"], nlohmann::json::parse(
                               R"({"file":"p/a.hcl","line":1,"column":6,"end_line":1,"end_column":10})"));
  EXPECT_EQ(f["fix"]["edits"][0]["replacement"], "");
  EXPECT_TRUE(f["related"].is_array());
  EXPECT_FALSE(f["fingerprint"].get<std::string>().empty());
}

TEST(Formats, GithubEscapesDataAndProperties) {
  Linted l(Inputs{{"dir,with:odd%.hcl", "path \"/a\" {\n  capabilities = [\"read\"]\n}\n"}});
  EXPECT_EQ(FormatGithub(l.result, l.sources),
            "::notice file=dir%2Cwith%3Aodd%25.hcl,line=1,col=6,endLine=1,endColumn=10,title=polcheck "
            "leading-slash::path \"/a\" starts with '/': Vault strips it and stores \"a\"\n");
  const std::string summary = FormatGithubSummary(l.result, l.sources);
  EXPECT_NE(summary.find("| suggestion | `dir,with:odd%.hcl:1:6` | `leading-slash` |"), std::string::npos);
}

TEST(Formats, JunitEscapesXml) {
  Linted l(Inputs{{"a&b.hcl", "path \"/<x>\" {\n  capabilities = [\"read\"]\n}\n"}});
  const std::string xml = FormatJunit(l.result, l.sources);
  EXPECT_NE(xml.find("name=\"a&amp;b.hcl\""), std::string::npos);
  EXPECT_NE(xml.find("path &quot;/&lt;x&gt;&quot; starts with"), std::string::npos);
  EXPECT_EQ(xml.find("<x>"), std::string::npos);
}

TEST(Formats, TextEndsWithASummaryLine) {
  Linted l(Inputs{{"a.hcl", "path \"a\" {\n  capabilities = [\"read\"]\n}\n"}});
  EXPECT_EQ(FormatText(l.result, l.sources), "1 file checked: 0 problems (0 errors, 0 warnings, 0 suggestions)\n");
}

TEST(Catalog, IdsAreUniqueAndKebabCase) {
  std::set<std::string_view> seen;
  for (const auto& rule : Catalog()) {
    const std::string_view id = rule->info().id;
    EXPECT_TRUE(seen.insert(id).second) << "duplicate rule id " << id;
    for (char c : id) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << id;
    }
    EXPECT_EQ(FindRule(id), rule.get());
  }
}

}  // namespace
}  // namespace polcheck::linter
