// The region automaton: pattern matching per §3.4, and that the regions it
// reports are exactly the signatures brute force finds.
#include "analysis/regions.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace polcheck::analysis {
namespace {

using parser::Pattern;
using parser::PatternKind;

Pattern P(std::string_view label) {
  std::optional<Pattern> p = parser::NormalizePattern(label);
  EXPECT_TRUE(p.has_value()) << label;
  return p.value_or(Pattern{});
}

TEST(PatternMatches, SegmentTableFromSemantics) {
  struct Case {
    const char* pattern;
    const char* path;
    bool match;
  };
  const Case cases[] = {
      {"foo/+/*", "foo/x/", true},        {"foo/+/*", "foo/x/y/z", true},
      {"foo/+/*", "foo/x", false},        {"foo/+/ba*", "foo/x/bar/more", true},
      {"test/segment/at/end/+", "test/segment/at/end/foo/", false},
      {"1/2/+", "1/2/3", true},           {"1/2/+", "1/2/3/4", false},
      {"1/2/+/+", "1/2/3/4", true},       {"+", "", true},
      {"+", "a/b", false},                {"a/+/b", "a//b", true},
      {"foo/+bar/+", "foo/+bar/x", true}, {"foo/+bar/+", "foo/xbar/x", false},
      {"secret/*", "secret/", true},      {"secret/*", "secret", false},
      {"secret/foo", "secret/foo/", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PatternMatches(P(c.pattern), c.path), c.match) << c.pattern << " vs " << c.path;
  }
}

// Brute-force signature of a path.
struct Signature {
  std::vector<std::uint32_t> matches;
  bool slash = false;
  std::vector<std::uint32_t> trimmed;
  bool operator<(const Signature& o) const {
    return std::tie(matches, slash, trimmed) < std::tie(o.matches, o.slash, o.trimmed);
  }
  bool operator==(const Signature& o) const = default;
};

Signature SignatureOf(const std::vector<Pattern>& patterns, std::string_view path) {
  Signature s;
  s.slash = path.ends_with('/');
  for (std::uint32_t i = 0; i < patterns.size(); ++i) {
    if (PatternMatches(patterns[i], path)) {
      s.matches.push_back(i);
    }
    if (s.slash && PatternMatches(patterns[i], path.substr(0, path.size() - 1))) {
      s.trimmed.push_back(i);
    }
  }
  return s;
}

Signature SignatureOf(const Region& r) {
  return {r.matches, r.ends_with_slash, r.trimmed_matches};
}

std::string RandomLabel(std::mt19937& rng) {
  static const char* const kSegments[] = {"a", "b", "ab", "+", "ba", "a*", "+b"};
  std::uniform_int_distribution<int> count(1, 4);
  std::uniform_int_distribution<int> pick(0, 6);
  std::string out;
  const int n = count(rng);
  for (int i = 0; i < n; ++i) {
    out += (i == 0 ? "" : "/") + std::string(kSegments[pick(rng)]);
  }
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      out += "*";
      break;
    case 1:
      out += "/*";
      break;
    case 2:
      out += "/";
      break;
    default:
      break;
  }
  return out;
}

std::string RandomPath(std::mt19937& rng) {
  static const char* const kSegments[] = {"a", "b", "ab", "ba", "c", "abc", "", "a*", "+b", "bb"};
  std::uniform_int_distribution<int> count(1, 6);
  std::uniform_int_distribution<int> pick(0, 9);
  std::string out;
  const int n = count(rng);
  for (int i = 0; i < n; ++i) {
    out += (i == 0 ? "" : "/") + std::string(kSegments[pick(rng)]);
  }
  if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
    out += "/";
  }
  while (!out.empty() && out.front() == '/') {
    out.erase(0, 1);
  }
  return out;
}

// Every region's example has the claimed signature, and every signature a
// random path has (when some pattern matches) is among the regions.
TEST(ComputeRegions, MatchBruteForceOnRandomPatternSets) {
  std::mt19937 rng(20261123);
  for (int round = 0; round < 200; ++round) {
    std::vector<Pattern> patterns;
    const int n = std::uniform_int_distribution<int>(1, 7)(rng);
    for (int i = 0; i < n; ++i) {
      if (std::optional<Pattern> p = parser::NormalizePattern(RandomLabel(rng))) {
        patterns.push_back(*p);
      }
    }
    Expected<std::vector<Region>> regions = ComputeRegions(patterns, {});
    ASSERT_TRUE(regions.has_value()) << regions.error().message;
    std::set<Signature> found;
    for (const Region& r : *regions) {
      ASSERT_FALSE(r.example.empty());
      ASSERT_NE(r.example.front(), '/');
      EXPECT_EQ(SignatureOf(patterns, r.example), SignatureOf(r)) << "round " << round << " example " << r.example;
      EXPECT_TRUE(found.insert(SignatureOf(r)).second) << "duplicate region " << r.example;
      EXPECT_EQ(r.canonical, r.example.find("//") == std::string::npos);
    }
    for (int k = 0; k < 300; ++k) {
      const std::string path = RandomPath(rng);
      if (path.empty()) {
        continue;
      }
      const Signature s = SignatureOf(patterns, path);
      if (s.matches.empty() && s.trimmed.empty()) {
        continue;
      }
      EXPECT_EQ(found.count(s), 1u) << "round " << round << ": path " << path << " has no region";
    }
  }
}

TEST(ComputeRegions, FocusKeepsOnlyRegionsAFocusPatternMatches) {
  const std::vector<Pattern> patterns = {P("secret/*"), P("secret/data/aaa/*"), P("sys/auth/*")};
  Expected<std::vector<Region>> regions = ComputeRegions(patterns, {.focus = {1}});
  ASSERT_TRUE(regions.has_value());
  ASSERT_FALSE(regions->empty());
  for (const Region& r : *regions) {
    EXPECT_TRUE(r.example.starts_with("secret/data/aaa/")) << r.example;
  }
}

TEST(ComputeRegions, ExamplesPreferPathsWithoutEmptySegments) {
  const std::vector<Pattern> patterns = {P("a/+/b"), P("a//b")};
  Expected<std::vector<Region>> regions = ComputeRegions(patterns, {});
  ASSERT_TRUE(regions.has_value());
  std::set<std::string> examples;
  for (const Region& r : *regions) {
    examples.insert(r.example);
  }
  // {a/+/b} alone: a canonical example; {a/+/b, a//b}: only "a//b" is in it.
  EXPECT_EQ(examples, (std::set<std::string>{"a/x/b", "a//b", "a/x/b/", "a//b/"}));
}

TEST(ComputeRegions, TrailingSlashCarriesTheTrimmedMatches) {
  const std::vector<Pattern> patterns = {P("secret/foo")};
  Expected<std::vector<Region>> regions = ComputeRegions(patterns, {});
  ASSERT_TRUE(regions.has_value());
  ASSERT_EQ(regions->size(), 2u);
  EXPECT_EQ((*regions)[0].example, "secret/foo");
  EXPECT_EQ((*regions)[1].example, "secret/foo/");
  EXPECT_TRUE((*regions)[1].matches.empty());
  EXPECT_EQ((*regions)[1].trimmed_matches, std::vector<std::uint32_t>{0});
}

TEST(ComputeRegions, TooManyStatesIsAnErrorNotATruncation) {
  std::vector<Pattern> patterns;
  for (int i = 0; i < 50; ++i) {
    patterns.push_back(P("p" + std::to_string(i) + "/+/x"));
  }
  Expected<std::vector<Region>> regions = ComputeRegions(patterns, {.focus = {}, .max_states = 10});
  ASSERT_FALSE(regions.has_value());
  EXPECT_NE(regions.error().message.find("automaton states"), std::string::npos);
}

std::string DescribeFirst(const std::vector<Pattern>& patterns, std::string_view example) {
  Expected<std::vector<Region>> regions = ComputeRegions(patterns, {});
  for (const Region& r : *regions) {
    if (r.example == example) {
      return DescribeRegion(r, patterns);
    }
  }
  return "(no region with example " + std::string(example) + ")";
}

TEST(DescribeRegion, PatternExceptMoreSpecificPatternsBelowIt) {
  const std::vector<Pattern> patterns = {P("secret/data/*"), P("secret/data/aaa/*"), P("secret/data/aaa/admin/*")};
  EXPECT_EQ(DescribeFirst(patterns, "secret/data/aaa/"), "secret/data/aaa/* except secret/data/aaa/admin/* (paths ending in '/')");
  EXPECT_EQ(DescribeFirst(patterns, "secret/data/aaa/x"), "secret/data/aaa/* except secret/data/aaa/admin/*");
  EXPECT_EQ(DescribeFirst(patterns, "secret/data/x"), "secret/data/* except secret/data/aaa/*");
  EXPECT_EQ(DescribeFirst(patterns, "secret/data/aaa/admin/x"), "secret/data/aaa/admin/*");
}

TEST(DescribeRegion, SegmentPatternsAndOverlaps) {
  const std::vector<Pattern> patterns = {P("secret/data/*"), P("secret/data/aaa/+/config"), P("secret/+/+/config")};
  EXPECT_EQ(DescribeFirst(patterns, "secret/data/aaa/x/config"), "secret/data/aaa/+/config");
  EXPECT_EQ(DescribeFirst(patterns, "secret/data/x/config"),
            "secret/data/* and secret/+/+/config except secret/data/aaa/+/config");
}

}  // namespace
}  // namespace polcheck::analysis
