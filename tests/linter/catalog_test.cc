// Every catalog rule has a doc and test data, and fires exactly on the lines
// its test data marks with `# expect: rule-id` (other rules' findings and
// markers are ignored). Test data is tests/linter/rules/<stem>.hcl, or
// <stem>.json with its markers in <stem>.json.expect ("<line>: rule-id" per
// line), because JSON has no comments. Header lines `# config: <yaml>` and
// `# target: <dialect>` set the config file and the dialect; a finding on a
// comment line is marked `# expect-line: <line> rule-id` anywhere in the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"
#include "linter/linter.h"
#include "parser/parser.h"

namespace polcheck::linter {
namespace {

namespace fs = std::filesystem;

const fs::path kDataDir = fs::path(POLCHECK_SOURCE_DIR) / "tests/linter/rules";

std::string Stem(std::string_view id) {
  std::string stem(id);
  for (char& c : stem) {
    c = c == '-' ? '_' : c;
  }
  return stem;
}

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The test data file of a rule, or "" when it has none.
fs::path DataFile(std::string_view id) {
  for (const char* ext : {".hcl", ".json"}) {
    const fs::path p = kDataDir / (Stem(id) + ext);
    if (fs::exists(p)) {
      return p;
    }
  }
  return {};
}

struct Annotations {
  std::string config_yaml;
  Dialect dialect = Dialect::kVault;
  std::map<std::uint32_t, std::set<std::string>> expect;  // line -> rule ids
};

void ParseIds(std::string_view list, std::set<std::string>& out) {
  std::string id;
  for (char c : std::string(list) + ",") {
    if (c == ',' || c == ' ' || c == '\t' || c == '\r') {
      if (!id.empty()) {
        out.insert(id);
      }
      id.clear();
    } else {
      id += c;
    }
  }
}

// Reads `# config:`, `# target:` and `# expect:` (HCL) or "<line>: ids" (sidecar).
Annotations ReadAnnotations(const std::string& text, bool sidecar) {
  Annotations a;
  std::istringstream in(text);
  std::string line;
  for (std::uint32_t n = 1; std::getline(in, line); ++n) {
    if (line.starts_with("# config:")) {
      a.config_yaml += line.substr(9) + "\n";
    } else if (line.starts_with("# target:")) {
      std::optional<Dialect> d = ParseDialect(line.substr(line.find_first_not_of(' ', 9)));
      EXPECT_TRUE(d.has_value()) << line;
      a.dialect = d.value_or(Dialect::kVault);
    } else if (sidecar && !line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) != 0) {
      ParseIds(line.substr(line.find(':') + 1), a.expect[static_cast<std::uint32_t>(std::stoul(line))]);
    } else if (line.starts_with("# expect-line:")) {
      // For findings on comment lines: "# expect-line: <line> rule-id".
      const std::string rest = line.substr(14);
      const std::size_t used = rest.find_first_not_of(' ');
      ParseIds(rest.substr(rest.find(' ', used)), a.expect[static_cast<std::uint32_t>(std::stoul(rest))]);
    } else if (!sidecar) {
      if (const std::size_t at = line.find("# expect:"); at != std::string::npos) {
        ParseIds(line.substr(at + 9), a.expect[n]);
      }
    }
  }
  return a;
}

config::Config LoadConfig(const std::string& yaml, SourceSet& sources) {
  if (yaml.empty()) {
    return config::DefaultConfig();
  }
  const fs::path dir = fs::temp_directory_path() / ("polcheck_catalog_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / ".polcheck.yaml";
  std::ofstream(file) << yaml;
  DiagnosticSink sink;
  Expected<config::Config> cfg = config::Load(file, sources, sink);
  EXPECT_TRUE(cfg.has_value());
  EXPECT_TRUE(sink.diagnostics().empty()) << "config: " << sink.diagnostics().front().message;
  return cfg ? *cfg : config::DefaultConfig();
}

// Lines (1-based) of the findings of rule `id`, suppressed ones included.
std::multiset<std::uint32_t> FindingLines(const fs::path& data, const Annotations& a, std::string_view id) {
  SourceSet sources;
  const config::Config cfg = LoadConfig(a.config_yaml, sources);
  const FileId fid = sources.Add(data.string(), Read(data));
  DiagnosticSink sink;
  std::vector<parser::PolicyFile> files;
  files.push_back(parser::ParsePolicy(sources.file(fid), {.dialect = a.dialect, .name = "", .namespace_path = ""},
                                      sink));
  const LintResult result = Lint({sources, files, sink.diagnostics(), cfg, a.dialect});
  std::multiset<std::uint32_t> lines;
  for (const std::vector<Finding>* list : {&result.findings, &result.suppressed}) {
    for (const Finding& f : *list) {
      if (f.rule == id && f.span.file == fid) {
        lines.insert(sources.file(fid).Locate(f.span.begin).line);
      }
    }
  }
  return lines;
}

std::vector<std::string> RuleIds() {
  std::vector<std::string> ids;
  for (const std::unique_ptr<Rule>& rule : Catalog()) {
    ids.emplace_back(rule->info().id);
  }
  return ids;
}

class CatalogRule : public ::testing::TestWithParam<std::string> {};

TEST_P(CatalogRule, HasDoc) {
  const std::string_view doc = RuleDoc(GetParam());
  ASSERT_FALSE(doc.empty()) << "no linter/rules/" << Stem(GetParam()) << ".md";
  for (std::string_view section : {"**Summary:**", "**Avoid:**", "**Prefer:**", "**Rationale:**", "**Options:**"}) {
    EXPECT_NE(doc.find(section), std::string_view::npos) << GetParam() << " doc lacks " << section;
  }
}

TEST_P(CatalogRule, FindingsAreExactlyOnExpectedLines) {
  const std::string& id = GetParam();
  const fs::path data = DataFile(id);
  ASSERT_FALSE(data.empty()) << "no test data tests/linter/rules/" << Stem(id) << ".hcl (or .json)";
  const bool json = data.extension() == ".json";
  const fs::path sidecar = fs::path(data.string() + ".expect");
  if (json) {
    ASSERT_TRUE(fs::exists(sidecar)) << "JSON test data needs " << sidecar;
  }
  const Annotations a = ReadAnnotations(Read(json ? sidecar : data), json);
  std::multiset<std::uint32_t> expected;
  for (const auto& [line, ids] : a.expect) {
    if (ids.contains(id)) {
      expected.insert(line);
    }
  }
  ASSERT_FALSE(expected.empty()) << data << " marks no finding of " << id;
  const std::multiset<std::uint32_t> actual = FindingLines(data, a, id);
  EXPECT_EQ(std::set<std::uint32_t>(actual.begin(), actual.end()),
            std::set<std::uint32_t>(expected.begin(), expected.end()))
      << "rule " << id << " on " << data;
}

INSTANTIATE_TEST_SUITE_P(Catalog, CatalogRule, ::testing::ValuesIn(RuleIds()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return Stem(param.param); });

TEST(Catalog, IdsAreUniqueKebabCase) {
  std::set<std::string> seen;
  for (const std::string& id : RuleIds()) {
    EXPECT_TRUE(seen.insert(id).second) << "duplicate id " << id;
    EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos) << id;
  }
}

TEST(Catalog, EveryTestDataFileBelongsToARuleAndMarksOnlyKnownRules) {
  for (const fs::directory_entry& entry : fs::directory_iterator(kDataDir)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".hcl" && p.extension() != ".json") {
      continue;
    }
    std::string id = p.stem().string();
    for (char& c : id) {
      c = c == '_' ? '-' : c;
    }
    EXPECT_NE(FindRule(id), nullptr) << p << " names no rule";
    const bool json = p.extension() == ".json";
    for (const auto& [line, ids] : ReadAnnotations(Read(json ? fs::path(p.string() + ".expect") : p), json).expect) {
      for (const std::string& marked : ids) {
        EXPECT_NE(FindRule(marked), nullptr) << p << ":" << line << " marks unknown rule " << marked;
      }
    }
  }
}

}  // namespace
}  // namespace polcheck::linter
