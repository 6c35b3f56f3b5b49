#include "config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace polcheck::config {
namespace {

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("polcheck-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "policies" / "team");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path Write(const std::string& name, const std::string& text) {
    const std::filesystem::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  // Loads `text` and returns the rendered diagnostics (empty when clean).
  std::string LoadErrors(const std::string& text, Config* out = nullptr) {
    const std::filesystem::path p = Write(".polcheck.yaml", text);
    SourceSet sources;
    DiagnosticSink sink;
    Expected<Config> cfg = Load(p, sources, sink);
    EXPECT_TRUE(cfg.has_value());
    if (out != nullptr && cfg) {
      *out = *cfg;
    }
    std::string rendered;
    for (const Diagnostic& d : sink.SortedByLocation()) {
      rendered += RenderDiagnostic(d, sources);
    }
    // File names are absolute temp paths: keep only the base name.
    const std::string prefix = p.string();
    for (std::size_t at = rendered.find(prefix); at != std::string::npos; at = rendered.find(prefix)) {
      rendered.replace(at, prefix.size(), ".polcheck.yaml");
    }
    return rendered;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigFile, ReadsDialectMountsAndLintSettings) {
  Config cfg;
  EXPECT_EQ(LoadErrors("dialect: openbao\n"
                       "mounts:\n"
                       "  secret/: {type: kv, version: 2}\n"
                       "  /kv1: kv\n"
                       "  database: {type: database}\n"
                       "lint:\n"
                       "  fail_level: warning\n"
                       "  categories: {hygiene: off}\n"
                       "  rules:\n"
                       "    leading-slash: error\n"
                       "    sudo-on-glob: {level: warning, options: {paths: [sys/, auth/]}}\n"
                       "  ignore: [\"legacy/**\"]\n",
                       &cfg),
            "");
  EXPECT_EQ(cfg.dialect, Dialect::kOpenBao);
  ASSERT_EQ(cfg.mounts.size(), 3u);
  EXPECT_EQ(cfg.mounts[0].path, "database/");  // longest first
  const Mount* kv1 = cfg.MountFor("kv1/foo");
  ASSERT_NE(kv1, nullptr);
  EXPECT_EQ(kv1->kv_version, 1);  // Vault's `kv` engine defaults to version 1
  EXPECT_EQ(cfg.MountFor("secret/data/x")->kv_version, 2);
  EXPECT_EQ(cfg.MountFor("secret")->path, "secret/");
  EXPECT_EQ(cfg.MountFor("secretive/x"), nullptr);
  EXPECT_EQ(cfg.lint.fail_level, Level::kWarning);
  EXPECT_EQ(cfg.lint.categories.at("hygiene"), Level::kOff);
  EXPECT_EQ(cfg.lint.rules.at("leading-slash").level, Level::kError);
  EXPECT_EQ(cfg.lint.rules.at("sudo-on-glob").level, Level::kWarning);
  EXPECT_EQ(cfg.lint.rules.at("sudo-on-glob").options.at("paths"), "[sys/, auth/]");
  ASSERT_EQ(cfg.lint.ignore.size(), 1u);
}

TEST_F(ConfigFile, UnknownKeysAreErrorsWithLineAndColumn) {
  EXPECT_EQ(LoadErrors("dialect: vault\nlint:\n  fail-level: error\nmountz: {}\n"),
            ".polcheck.yaml:3:3: error: unknown key \"fail-level\" in lint (expected one of: fail_level, "
            "categories, rules, ignore) [config]\n"
            "  3 |   fail-level: error\n"
            "    |   ^~~~~~~~~~\n"
            ".polcheck.yaml:4:1: error: unknown key \"mountz\" in the config file (expected one of: dialect, "
            "mounts, lint) [config]\n"
            "  4 | mountz: {}\n"
            "    | ^~~~~~\n");
}

TEST_F(ConfigFile, BadValuesAreReported) {
  EXPECT_EQ(LoadErrors("dialect: consul\n"),
            ".polcheck.yaml:1:10: error: unknown dialect \"consul\" (expected vault, vault-legacy or openbao) "
            "[config]\n"
            "  1 | dialect: consul\n"
            "    |          ^~~~~~\n");
  EXPECT_NE(LoadErrors("mounts:\n  secret/: {type: kv, version: 3}\n").find("KV version must be 1 or 2"),
            std::string::npos);
  EXPECT_NE(LoadErrors("lint:\n  rules:\n    sudo-on-glob: loud\n").find("unknown level \"loud\""), std::string::npos);
  EXPECT_NE(LoadErrors("lint:\n  fail_level: off\n").find("fail_level must be"), std::string::npos);
}

TEST_F(ConfigFile, InvalidYamlIsADiagnosticNotAnException) {
  EXPECT_NE(LoadErrors("lint: [unclosed\n").find("invalid YAML"), std::string::npos);
}

TEST_F(ConfigFile, EmptyFileMeansDefaults) {
  Config cfg;
  EXPECT_EQ(LoadErrors("", &cfg), "");
  ASSERT_EQ(cfg.mounts.size(), 1u);
  EXPECT_EQ(cfg.mounts[0].path, "secret/");
  EXPECT_EQ(cfg.mounts[0].kv_version, 2);
}

TEST_F(ConfigFile, FindSearchesUpwardFromTheFirstPath) {
  Write("polcheck.yaml", "dialect: vault\n");
  std::optional<std::filesystem::path> found = Find({(dir_ / "policies" / "team").string()});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(std::filesystem::canonical(*found), std::filesystem::canonical(dir_ / "polcheck.yaml"));
  // The dotted name wins when both exist in one folder.
  Write(".polcheck.yaml", "dialect: vault\n");
  EXPECT_EQ(std::filesystem::canonical(*Find({(dir_ / "policies").string()})),
            std::filesystem::canonical(dir_ / ".polcheck.yaml"));
}

TEST_F(ConfigFile, MissingFileIsAnIoError) {
  SourceSet sources;
  DiagnosticSink sink;
  Expected<Config> cfg = Load(dir_ / "nope.yaml", sources, sink);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().code, Error::Code::kNotFound);
}

TEST(GlobMatch, StarStaysInASegmentDoubleStarCrossesSegments) {
  EXPECT_TRUE(GlobMatch("*.hcl", "a.hcl"));
  EXPECT_FALSE(GlobMatch("*.hcl", "dir/a.hcl"));
  EXPECT_TRUE(GlobMatch("**/*.hcl", "dir/sub/a.hcl"));
  EXPECT_TRUE(GlobMatch("**/*.hcl", "a.hcl"));
  EXPECT_TRUE(GlobMatch("legacy/**", "legacy/a/b.hcl"));
  EXPECT_FALSE(GlobMatch("legacy/**", "legacyx/a.hcl"));
  EXPECT_TRUE(GlobMatch("team-?.hcl", "team-a.hcl"));
  EXPECT_FALSE(GlobMatch("team-?.hcl", "team-ab.hcl"));
  EXPECT_FALSE(GlobMatch("?", "/"));
}

}  // namespace
}  // namespace polcheck::config
