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

std::vector<TrieEntry> Entries(const std::set<std::string>& keys, IndexRuleId first = 0) {
  std::vector<TrieEntry> out;
  for (const std::string& k : keys) {
    out.push_back({k, first++, 0, 0});
  }
  return out;
}

TEST(PathTrie, LongestPrefixMatchesBruteForce) {
  std::mt19937 rng(11);
  for (int round = 0; round < 80; ++round) {
    std::set<std::string> keys;
    const int n = std::uniform_int_distribution<int>(0, 40)(rng);
    while (static_cast<int>(keys.size()) < n) {
      keys.insert(RandomString(rng, "ab/", 6));
    }
    const auto entries = Entries(keys);
    PathTrie trie;
    trie.Build(entries, {});
    for (int i = 0; i < 200; ++i) {
      const std::string path = RandomString(rng, "ab/", 9);
      std::vector<PathTrie::PrefixMatch> want;
      for (const TrieEntry& e : entries) {
        if (path.starts_with(e.key)) {
          want.push_back({e.rule, static_cast<std::uint32_t>(e.key.size()), 0});
        }
      }
      std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return a.length < b.length; });
      const PathKey key(path);
      const PathTrie::PrefixMatch got = trie.Match(key, [](const TrieHit&) { FAIL() << "no segment rules"; });
      const std::vector<PathTrie::PrefixMatch> all = trie.AllPrefixes(key);
      ASSERT_EQ(all.size(), want.size()) << path;
      for (std::size_t k = 0; k < all.size(); ++k) {
        EXPECT_EQ(all[k].rule, want[k].rule) << path;
      }
      if (want.empty()) {
        EXPECT_EQ(got.rule, kNoIndexRule) << path;
        continue;
      }
      EXPECT_EQ(got.rule, want.back().rule) << path;
      EXPECT_EQ(got.length, want.back().length) << path;
      if (path.ends_with('/')) {
        const PathTrie::PrefixMatches both = trie.MatchBoth(key, [](const TrieHit&, std::uint8_t) {});
        EXPECT_EQ(both.full.rule, got.rule) << path;
        const std::string trimmed_path = path.substr(0, path.size() - 1);
        const PathKey trimmed(trimmed_path);
        EXPECT_EQ(both.trimmed.rule, trie.Match(trimmed, [](const TrieHit&) {}).rule) << path;
      }
    }
  }
}

TEST(PathTrie, EmptyPrefixMatchesEverything) {
  const std::set<std::string> keys = {"", "secret/"};
  PathTrie trie;
  trie.Build(Entries(keys), {});
  auto longest = [&](std::string_view path) { return trie.Match(PathKey(path), [](const TrieHit&) {}).rule; };
  EXPECT_EQ(longest("anything"), 0u);
  EXPECT_EQ(longest("secret/x"), 1u);
  EXPECT_EQ(longest(""), 0u);
  EXPECT_EQ(longest("secret"), 0u);
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

TEST(PathTrie, SegmentRulesMatchExactlySection34) {
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
    // Prefix rules share the trie; they must not disturb the segment matches.
    std::set<std::string> prefixes = {"a/", "ab", "a/b/"};
    const auto prefix_entries = Entries(prefixes, 1000);
    const auto entries = Entries(keys);
    PathTrie index;
    index.Build(prefix_entries, entries);
    for (int i = 0; i < 200; ++i) {
      std::string path;
      const int m = std::uniform_int_distribution<int>(1, 5)(rng);
      for (int s = 0; s < m; ++s) {
        std::string seg = segs[std::uniform_int_distribution<std::size_t>(0, segs.size() - 1)(rng)];
        path += (s ? "/" : "") + (seg == "+" ? std::string("abc") : seg);
      }
      std::set<IndexRuleId> got;
      index.Match(PathKey(path), [&](const TrieHit& h) { EXPECT_TRUE(got.insert(h.rule).second) << "visited twice"; });
      std::set<IndexRuleId> want;
      for (const TrieEntry& e : entries) {
        if (SegmentMatches(std::string(e.key), path)) {
          want.insert(e.rule);
        }
      }
      EXPECT_EQ(got, want) << path;
      const std::string listed = path + "/";
      std::set<IndexRuleId> full;
      std::set<IndexRuleId> trimmed;
      index.MatchBoth(PathKey(listed), [&](const TrieHit& h, std::uint8_t forms) {
        if (forms & kFormFull) {
          full.insert(h.rule);
        }
        if (forms & kFormTrimmed) {
          trimmed.insert(h.rule);
        }
      });
      std::set<IndexRuleId> want_full;
      index.Match(PathKey(listed), [&](const TrieHit& h) { want_full.insert(h.rule); });
      EXPECT_EQ(trimmed, want) << listed;
      EXPECT_EQ(full, want_full) << listed;
    }
  }
}

TEST(PathTrie, SectionExamples) {
  std::vector<std::string> keys = {"foo/+/*", "foo/+/ba*", "test/segment/at/end/+", "+"};
  std::vector<TrieEntry> entries;
  for (IndexRuleId i = 0; i < keys.size(); ++i) {
    entries.push_back({keys[i], i, 0, 0});
  }
  PathTrie index;
  index.Build({}, entries);
  auto matches = [&](std::string_view path) {
    std::set<IndexRuleId> out;
    index.Match(PathKey(path), [&](const TrieHit& h) { out.insert(h.rule); });
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

namespace polcheck::evaluator {
namespace {

TEST(PathKey, SegmentWordIsTheSegmentBytes) {
  for (std::string path : {"a", "ab/cd", "abcdefgh/x", "x/abcdefgh", "secret/data/team07/app3/dev/config", "/", "a//b/"}) {
    const PathKey key(path);
    for (std::size_t i = 0; i < key.size(); ++i) {
      const std::string_view seg = key.segment(i);
      std::uint64_t want = 0;
      if (seg.size() <= 8) {
        std::memcpy(&want, seg.data(), seg.size());
      }
      EXPECT_EQ(key.segment_word(i), want) << path << " segment " << i;
      EXPECT_EQ(SegmentWord(seg), want) << path << " segment " << i;
    }
  }
}

TEST(HashBytes, DependsOnEveryByteAndTheLength) {
  std::set<std::uint64_t> seen;
  const std::string base = "abcdefghijklmnopqrstu";
  for (std::size_t n = 0; n <= base.size(); ++n) {
    EXPECT_TRUE(seen.insert(HashBytes(base.substr(0, n))).second) << n;
    for (std::size_t i = 0; i < n; ++i) {
      std::string changed = base.substr(0, n);
      changed[i] = 'Z';
      EXPECT_NE(HashBytes(changed), HashBytes(base.substr(0, n))) << n << " " << i;
    }
  }
}

}  // namespace
}  // namespace polcheck::evaluator
