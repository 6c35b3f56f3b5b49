#include "evaluator/path_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace polcheck::evaluator {
namespace {

std::string RandomString(std::mt19937& rng, const std::string& alphabet, std::size_t max_len) {
  std::string s;
  const std::size_t n = std::uniform_int_distribution<std::size_t>(0, max_len)(rng);
  for (std::size_t i = 0; i < n; ++i) {
    s += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
  }
  return s;
}

TEST(ExactIndex, FindsEveryKeyAndNothingElse) {
  std::mt19937 rng(7);
  std::set<std::string> keys;
  while (keys.size() < 500) {
    keys.insert(RandomString(rng, "ab/", 8));
  }
  std::vector<std::pair<std::string_view, IndexRuleId>> entries;
  IndexRuleId id = 0;
  for (const std::string& k : keys) {
    entries.emplace_back(k, id++);
  }
  ExactIndex index;
  index.Build(entries);
  for (const auto& [k, rule] : entries) {
    EXPECT_EQ(index.Find(k), rule);
  }
  for (int i = 0; i < 1000; ++i) {
    const std::string probe = RandomString(rng, "ab/c", 9);
    const auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == probe; });
    EXPECT_EQ(index.Find(probe), it == entries.end() ? kNoIndexRule : it->second) << probe;
  }
}

TEST(PrefixIndex, LongestPrefixMatchesBruteForce) {
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    std::set<std::string> keys;
    const int n = std::uniform_int_distribution<int>(0, 40)(rng);
    while (static_cast<int>(keys.size()) < n) {
      keys.insert(RandomString(rng, "ab/", 6));
    }
    std::vector<std::pair<std::string, IndexRuleId>> entries;
    IndexRuleId id = 0;
    for (const std::string& k : keys) {
      entries.emplace_back(k, id++);
    }
    PrefixIndex index;
    index.Build(entries);
    for (int i = 0; i < 200; ++i) {
      const std::string path = RandomString(rng, "ab/", 9);
      std::vector<PrefixIndex::Match> want;
      for (const auto& [k, rule] : entries) {
        if (path.starts_with(k)) {
          want.push_back({rule, static_cast<std::uint32_t>(k.size())});
        }
      }
      std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return a.length < b.length; });
      const PrefixIndex::Match got = index.Longest(path);
      if (want.empty()) {
        EXPECT_EQ(got.rule, kNoIndexRule) << path;
        continue;
      }
      EXPECT_EQ(got.rule, want.back().rule) << path;
      EXPECT_EQ(got.length, want.back().length) << path;
      const std::vector<PrefixIndex::Match> all = index.AllPrefixes(path);
      ASSERT_EQ(all.size(), want.size()) << path;
      for (std::size_t k = 0; k < all.size(); ++k) {
        EXPECT_EQ(all[k].rule, want[k].rule);
      }
    }
  }
}

TEST(PrefixIndex, EmptyKeyMatchesEverything) {
  PrefixIndex index;
  index.Build({{"", 3}, {"secret/", 4}});
  EXPECT_EQ(index.Longest("anything").rule, 3u);
  EXPECT_EQ(index.Longest("secret/x").rule, 4u);
  EXPECT_EQ(index.Longest("").rule, 3u);
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == '/') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// §3.4 written out directly.
bool SegmentMatches(std::string key, const std::string& path) {
  const bool is_prefix = !key.empty() && key.back() == '*';
  if (is_prefix) {
    key.pop_back();
  }
  const std::vector<std::string> k = Split(key);
  const std::vector<std::string> p = Split(path);
  if (p.size() < k.size() || (!is_prefix && p.size() != k.size())) {
    return false;
  }
  for (std::size_t i = 0; i < k.size(); ++i) {
    const bool last = i + 1 == k.size();
    if (k[i] == "+" || k[i] == p[i] || (is_prefix && last && p[i].starts_with(k[i]))) {
      continue;
    }
    return false;
  }
  return true;
}

TEST(SegmentIndex, MatchesExactlyTheRulesOfSection34) {
  std::mt19937 rng(13);
  const std::vector<std::string> segs = {"a", "b", "ab", "+", "", "a+"};
  for (int round = 0; round < 60; ++round) {
    std::set<std::string> keys;
    const int n = std::uniform_int_distribution<int>(1, 30)(rng);
    while (static_cast<int>(keys.size()) < n) {
      std::string key;
      const int m = std::uniform_int_distribution<int>(1, 4)(rng);
      for (int i = 0; i < m; ++i) {
        key += (i ? "/" : "") + segs[std::uniform_int_distribution<std::size_t>(0, segs.size() - 1)(rng)];
      }
      if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
        key += "*";
      }
      if (key.find("+*") == std::string::npos) {
        keys.insert(key);
      }
    }
    std::vector<std::pair<std::string_view, IndexRuleId>> entries;
    IndexRuleId id = 0;
    for (const std::string& k : keys) {
      entries.emplace_back(k, id++);
    }
    SegmentIndex index;
    index.Build(entries);
    for (int i = 0; i < 200; ++i) {
      std::string path;
      const int m = std::uniform_int_distribution<int>(1, 5)(rng);
      for (int s = 0; s < m; ++s) {
        std::string seg = segs[std::uniform_int_distribution<std::size_t>(0, segs.size() - 1)(rng)];
        path += (s ? "/" : "") + (seg == "+" ? std::string("abc") : seg);
      }
      std::set<IndexRuleId> got;
      index.Match(path, [&](IndexRuleId r) { EXPECT_TRUE(got.insert(r).second) << "visited twice"; });
      std::set<IndexRuleId> want;
      for (const auto& [k, r] : entries) {
        if (SegmentMatches(std::string(k), path)) {
          want.insert(r);
        }
      }
      EXPECT_EQ(got, want) << path;
    }
  }
}

TEST(SegmentIndex, SectionExamples) {
  std::vector<std::string> keys = {"foo/+/*", "foo/+/ba*", "test/segment/at/end/+", "+"};
  std::vector<std::pair<std::string_view, IndexRuleId>> entries;
  for (IndexRuleId i = 0; i < keys.size(); ++i) {
    entries.emplace_back(keys[i], i);
  }
  SegmentIndex index;
  index.Build(entries);
  auto matches = [&](std::string_view path) {
    std::set<IndexRuleId> out;
    index.Match(path, [&](IndexRuleId r) { out.insert(r); });
    return out;
  };
  EXPECT_EQ(matches("foo/x/"), (std::set<IndexRuleId>{0}));
  EXPECT_EQ(matches("foo/x/y/z"), (std::set<IndexRuleId>{0}));
  EXPECT_EQ(matches("foo/x"), (std::set<IndexRuleId>{}));
  EXPECT_EQ(matches("foo/x/bar/more"), (std::set<IndexRuleId>{0, 1}));
  EXPECT_EQ(matches("test/segment/at/end/foo/"), (std::set<IndexRuleId>{}));
  EXPECT_EQ(matches("test/segment/at/end/foo"), (std::set<IndexRuleId>{2}));
  EXPECT_EQ(matches(""), (std::set<IndexRuleId>{3}));
}

}  // namespace
}  // namespace polcheck::evaluator
