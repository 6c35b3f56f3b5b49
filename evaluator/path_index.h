// The three rule stores of SEMANTICS.md §3.1, built once and queried without
// allocating. Internal to the evaluator.
//
// Every query splits the request path once into a PathKey: its '/' segments,
// each hashed on first use.
//   ExactIndex: open-addressing table keyed by the hash of the whole path.
//   PathTrie: prefix rules and segment-wildcard rules in one trie over
//     segments, walked once per path form (or once for a LIST path "a/b/" and
//     its trimmed form "a/b" together): the longest prefix rule (go-radix
//     LongestPrefix) is the deepest tail matched on the literal-only walk;
//     every segment rule matching p (§3.4) is found via the '+' edges without
//     scanning the others.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polcheck::evaluator {

using IndexRuleId = std::uint32_t;
inline constexpr IndexRuleId kNoIndexRule = 0xFFFFFFFFu;

// Spreads a 64-bit value (one multiply-xorshift round).
inline std::uint64_t Mix64(std::uint64_t x) {
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 32;
  return x;
}

// Words are read with fixed-size loads only: the last word of a string of 8
// bytes or more overlaps the previous one, and shorter strings are read as two
// overlapping 4-byte or three single bytes (the length is in the seed).
inline std::uint64_t HashBytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(s.size()) * 0xC2B2AE3D27D4EB4Full);
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 < n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      h = (h ^ w) * 0x9E3779B97F4A7C15ull;
      h ^= h >> 29;
    }
    std::uint64_t last;
    std::memcpy(&last, p + n - 8, 8);
    return Mix64((h ^ last) * 0x9E3779B97F4A7C15ull);
  }
  std::uint64_t w = 0;
  if (n >= 4) {
    std::uint32_t lo;
    std::uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    w = lo | (static_cast<std::uint64_t>(hi) << 32);
  } else if (n > 0) {
    w = static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) |
        (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
        (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16);
  }
  return Mix64((h ^ w) * 0x9E3779B97F4A7C15ull);
}

// The hash of one path segment for the trie's edge table: a segment of at most
// 8 bytes is hashed from its bytes as a zero-padded little-endian `word`
// (PathKey::segment_word), a longer one with HashBytes.
inline std::uint64_t SegmentHash(std::string_view segment, std::uint64_t word) {
  if (segment.size() > 8) {
    return HashBytes(segment);
  }
  return (word ^ (static_cast<std::uint64_t>(segment.size()) * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull;
}
// The zero-padded word of a segment of at most 8 bytes (0 for longer ones).
std::uint64_t SegmentWord(std::string_view segment);

// Slots for an open-addressing table of `entries`: a power of two above 2n.
std::uint64_t TableSize(std::size_t entries);


// Byte equality, inlined for the short keys paths are made of.
inline bool EqualBytes(const char* a, const char* b, std::size_t n) {
  while (n >= 8) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) {
      return false;
    }
    a += 8;
    b += 8;
    n -= 8;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  return true;
}

// A blocked Bloom filter over 64-bit hashes: one word per query, ~1% false positives at 16 bits per entry. Lets a lookup skip the
// probe of a large table (a likely cache miss) when the key is surely absent.
class HashFilter {
 public:
  void Build(std::size_t entries);
  void Add(std::uint64_t hash) { words_[Word(hash)] |= Bits(hash); }
  bool MayContain(std::uint64_t hash) const {
    const std::uint64_t bits = Bits(hash);
    return (words_[Word(hash)] & bits) == bits;
  }
  std::size_t MemoryUsage() const { return words_.capacity() * sizeof(std::uint64_t); }

 private:
  std::size_t Word(std::uint64_t hash) const { return static_cast<std::size_t>(hash >> 40) & mask_; }
  static std::uint64_t Bits(std::uint64_t hash) {
    return (std::uint64_t{1} << ((hash >> 20) & 63)) | (std::uint64_t{1} << ((hash >> 26) & 63));
  }
  std::vector<std::uint64_t> words_{0};
  std::size_t mask_ = 0;
};

// A path split on '/' (empty segments kept: "a/" is "a" and ""). Segment
// hashes are computed on first use and cached. Allocates only for paths of
// more than 32 segments.
class PathKey {
 public:
  explicit PathKey(std::string_view path);
  PathKey(const PathKey&) = delete;
  PathKey& operator=(const PathKey&) = delete;

  std::string_view path() const { return path_; }
  std::size_t size() const { return count_; }  // number of segments, at least 1
  // Byte offset of segment i; start(size()) is path().size() + 1.
  std::size_t start(std::size_t i) const { return starts_[i]; }
  std::string_view segment(std::size_t i) const { return path_.substr(starts_[i], starts_[i + 1] - starts_[i] - 1); }

  // The bytes of a segment of at most 8 bytes as a little-endian word (zero
  // padded), read without a byte loop; 0 for longer segments.
  std::uint64_t segment_word(std::size_t i) const {
    const std::size_t begin = starts_[i];
    const std::size_t length = starts_[i + 1] - begin - 1;
    if (length > 8 || length == 0) {
      return 0;
    }
    const std::uint64_t mask = length == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * length)) - 1;
    std::uint64_t word = 0;
    if (begin + 8 <= path_.size()) {
      std::memcpy(&word, path_.data() + begin, 8);
      return word & mask;
    }
    if (path_.size() >= 8) {
      std::memcpy(&word, path_.data() + path_.size() - 8, 8);
      return (word >> (8 * (begin + 8 - path_.size()))) & mask;
    }
    for (std::size_t k = 0; k < length; ++k) {
      word |= static_cast<std::uint64_t>(static_cast<unsigned char>(path_[begin + k])) << (8 * k);
    }
    return word;
  }

  std::uint64_t segment_hash(std::size_t i) const {
    if (i >= kInline) {
      return SegmentHash(segment(i), segment_word(i));
    }
    if ((hashed_ & (std::uint64_t{1} << i)) == 0) {
      hashes_[i] = SegmentHash(segment(i), segment_word(i));
      hashed_ |= std::uint64_t{1} << i;
    }
    return hashes_[i];
  }

 private:
  static constexpr std::size_t kInline = 32;
  std::string_view path_;
  std::size_t count_ = 0;
  const std::uint32_t* starts_;
  std::uint32_t inline_starts_[kInline + 1];
  std::unique_ptr<std::uint32_t[]> heap_starts_;
  mutable std::uint64_t hashed_ = 0;  // bit i: hashes_[i] is valid
  mutable std::uint64_t hashes_[kInline];
};

// Which form of a LIST path a match was found for.
enum Form : std::uint8_t {
  kFormTrimmed = 1,  // the path without its trailing '/'
  kFormFull = 2,     // the path as requested
};

class ExactIndex {
 public:
  // Keys must be unique.
  void Build(const std::vector<std::pair<std::string_view, IndexRuleId>>& entries);
  IndexRuleId Find(std::string_view key) const;
  std::size_t MemoryUsage() const;

 private:
  IndexRuleId Find(std::string_view key, std::uint64_t hash) const;
  struct Slot {
    std::uint32_t fingerprint = 0;  // high half of the hash; the low half picks the slot
    IndexRuleId rule = kNoIndexRule;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
  };
  std::vector<Slot> slots_;
  std::string arena_;
  std::uint64_t mask_ = 0;
  HashFilter filter_;
};

// One prefix or segment-wildcard rule for PathTrie::Build. `priority` and
// `capabilities` are the caller's (the §3.5 comparator packed into an integer,
// the capability bits); the trie hands them back with every match so that
// ranking candidates does not touch the rule arrays.
struct TrieEntry {
  std::string_view key;
  IndexRuleId rule = kNoIndexRule;
  std::uint64_t priority = 0;
  std::uint16_t capabilities = 0;
};

// A matching segment-wildcard rule.
struct TrieHit {
  IndexRuleId rule = kNoIndexRule;
  std::uint64_t priority = 0;
  std::uint16_t capabilities = 0;
};

// Prefix rules and segment-wildcard rules in one trie over path segments.
//
// A prefix key ("secret/data/app-", the '*' dropped) is its directory's literal
// segments plus a tail tested as a string prefix of the next path segment, so
// "the longest stored prefix of p" (go-radix LongestPrefix) is the deepest
// matching tail on the literal-only walk of p. A segment-wildcard key takes the
// node's '+' edge for each "+" segment; a glob-terminated one ends in a tail.
class PathTrie {
 public:
  struct PrefixMatch {
    IndexRuleId rule = kNoIndexRule;
    std::uint32_t length = 0;  // of the matched prefix key
    std::uint16_t capabilities = 0;
  };
  struct PrefixMatches {
    PrefixMatch trimmed;  // for the path without its trailing '/'
    PrefixMatch full;
  };

  // Keys must be unique per vector. Prefix keys come without their '*';
  // segment keys keep theirs.
  void Build(const std::vector<TrieEntry>& prefix_keys, const std::vector<TrieEntry>& segment_keys);

  // The §3.3 non-exact candidates of key.path(): calls visit(hit) for every
  // segment rule matching it (§3.4) and returns the longest prefix rule.
  template <typename Visit>
  PrefixMatch Match(const PathKey& key, Visit&& visit) const {
    auto forms = [&](const TrieHit& hit, std::uint8_t) { visit(hit); };
    State<decltype(forms)> state{key, key.size(), forms, {}};
    Walk(0, 0, true, state);
    return state.prefix.full;
  }

  // The same for a path whose last segment is empty ("a/b/") and for its
  // trimmed form "a/b" in one pass: visit(hit, forms) with kFormFull and/or
  // kFormTrimmed.
  template <typename Visit>
  PrefixMatches MatchBoth(const PathKey& key, Visit&& visit) const {
    State<Visit> state{key, key.size() - 1, visit, {}};
    Walk(0, 0, true, state);
    return state.prefix;
  }

  // Every prefix rule that is a string prefix of `path`, shortest first.
  std::vector<PrefixMatch> AllPrefixes(const PathKey& key) const;
  std::size_t MemoryUsage() const;

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  struct Tail {
    std::uint32_t offset = 0;  // in arena_; a string prefix of the path's segment
    std::uint32_t length = 0;
    IndexRuleId rule = kNoIndexRule;
    std::uint16_t capabilities = 0;
    std::uint64_t priority = 0;
  };
  // A node's tails, longest first. Nodes with many tails also list their
  // distinct tail lengths and are found through TailTable's hash table.
  struct TailRange {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    std::uint32_t lengths_begin = 0;
    std::uint32_t lengths_end = 0;  // == lengths_begin: scan [begin, end) instead
  };
  class TailTable {
   public:
    TailRange Add(std::uint32_t node, std::vector<std::pair<std::string, TrieEntry>>& tails, std::string& arena);
    void Finish(const std::string& arena);
    // Calls f(tail) for each tail of `node` that is a prefix of `segment`,
    // longest first, until f returns true.
    template <typename F>
    void ForEach(std::uint32_t node, const TailRange& range, std::string_view segment, const std::string& arena,
                 F&& f) const {
      if (range.lengths_begin == range.lengths_end) {
        for (std::uint32_t t = range.begin; t < range.end; ++t) {
          const Tail& tail = tails_[t];
          if (segment.size() >= tail.length && EqualBytes(segment.data(), arena.data() + tail.offset, tail.length) &&
              f(tail)) {
            return;
          }
        }
        return;
      }
      for (std::uint32_t l = range.lengths_begin; l < range.lengths_end; ++l) {
        const std::uint32_t length = lengths_[l];
        if (length > segment.size()) {
          continue;
        }
        const Tail* tail = Find(node, segment.substr(0, length), arena);
        if (tail != nullptr && f(*tail)) {
          return;
        }
      }
    }
    std::size_t MemoryUsage() const;

   private:
    struct Slot {
      std::uint32_t fingerprint = 0;
      std::uint32_t node = kNone;
      std::uint32_t tail = kNone;
    };
    static std::uint64_t SlotHash(std::uint32_t node, std::string_view tail) {
      return Mix64(HashBytes(tail) ^ (static_cast<std::uint64_t>(node) * 0xC2B2AE3D27D4EB4Full));
    }
    const Tail* Find(std::uint32_t node, std::string_view text, const std::string& arena) const;

    std::vector<Tail> tails_;
    std::vector<std::uint32_t> lengths_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> hashed_;  // (node, tail) to put in slots_
    std::vector<Slot> slots_;
    std::uint64_t mask_ = 0;
  };
  // 12 bytes; tail ranges live in node_tails_ and are read only when a flag
  // says there are some. A node reached over a literal edge is read from a
  // copy in the edge, so the walk touches one cache line per level.
  enum NodeFlag : std::uint8_t { kHasLiteralChildren = 1, kHasTails = 2, kHasPrefixes = 4 };
  struct Node {
    IndexRuleId terminal = kNoIndexRule;  // a segment key without trailing '*' ending here
    std::uint32_t plus_child = kNone;
    std::uint8_t flags = 0;
  };
  struct NodeTails {
    TailRange tails;     // glob-terminated segment keys whose last segment is tested here
    TailRange prefixes;  // prefix keys whose tail is tested here
  };
  struct Edge {  // 32 bytes
    std::uint32_t parent = kNone;
    std::uint32_t child = kNone;
    std::uint32_t length = 0;
    std::uint16_t fingerprint = 0;
    std::uint8_t child_flags = 0;    // copy of nodes_[child]
    IndexRuleId child_terminal = kNoIndexRule;
    std::uint32_t child_plus = kNone;
    std::uint64_t bytes = 0;  // the segment itself when length <= 8, else its offset in arena_

    Node child_node() const { return Node{child_terminal, child_plus, child_flags}; }
  };
  static_assert(sizeof(Edge) == 32);

  template <typename Visit>
  struct State {
    const PathKey& key;
    std::size_t trim_end;  // segments of the trimmed form (key.size() when only one form)
    Visit& visit;
    PrefixMatches prefix;
  };

  // The edge from `parent` labelled `segment`, or nullptr; `word` is
  // PathKey::segment_word of `segment`.
  const Edge* LiteralChild(std::uint32_t parent, std::string_view segment, std::uint64_t word,
                           std::uint64_t edge_hash) const;
  void Prefetch(std::uint64_t edge_hash) const {
    __builtin_prefetch(&edges_[edge_hash & edge_mask_]);
  }
  static std::uint64_t EdgeHash(std::uint32_t parent, std::uint64_t segment_hash) {
    return Mix64(segment_hash ^ (static_cast<std::uint64_t>(parent) * 0x9E3779B97F4A7C15ull));
  }
  // At `node` after consuming `depth` segments; `literal` while no '+' edge was
  // taken. A terminal here matches the full path when depth == key.size() and
  // the trimmed form when depth == trim_end; a tail tested against segment
  // `depth` matches both forms, except against the trailing empty segment only
  // the full form has.
  template <typename S>
  void Walk(std::uint32_t node_id, std::size_t depth, bool literal, S& state) const {
    Walk(node_id, nodes_[node_id], depth, literal, state);
  }

  template <typename S>
  void Walk(std::uint32_t node_id, Node node, std::size_t depth, bool literal, S& state) const {
    const PathKey& key = state.key;
    const std::size_t count = key.size();
    // Iterates down the literal chain; recurses only into '+' branches.
    while (true) {
      if (node.terminal != kNoIndexRule) {
        const auto forms = static_cast<std::uint8_t>((depth == count ? kFormFull : 0) |
                                                     (depth == state.trim_end ? kFormTrimmed : 0));
        if (forms != 0) {
          state.visit(terminals_[node_id], forms);
        }
      }
      if (depth == count) {
        return;
      }
      const std::string_view segment = key.segment(depth);
      const bool has_literal = (node.flags & kHasLiteralChildren) != 0;
      std::uint64_t edge_hash = 0;
      if (has_literal) {
        edge_hash = EdgeHash(node_id, key.segment_hash(depth));
        Prefetch(edge_hash);
      }
      VisitTails(node_id, node, depth, segment, literal, state);
      const Edge* edge = has_literal ? LiteralChild(node_id, segment, key.segment_word(depth), edge_hash) : nullptr;
      if (node.plus_child != kNone) {
        if (edge == nullptr) {
          node_id = node.plus_child;
          node = nodes_[node_id];
          literal = false;
          ++depth;
          continue;
        }
        Walk(node.plus_child, nodes_[node.plus_child], depth + 1, false, state);
      }
      if (edge == nullptr) {
        return;
      }
      node_id = edge->child;
      node = edge->child_node();
      ++depth;
    }
  }

  // The prefix tails (on the literal chain: the longest match so far wins, as
  // the walk goes deeper) and segment tails of `node` against `segment`.
  template <typename S>
  void VisitTails(std::uint32_t node_id, const Node& node, std::size_t depth, std::string_view segment, bool literal,
                  S& state) const {
    const bool both = depth < state.trim_end;
    if (literal && (node.flags & kHasPrefixes) != 0) {
      prefix_tails_.ForEach(node_id, node_tails_[node_id].prefixes, segment, arena_, [&](const Tail& tail) {
        const PrefixMatch m{tail.rule, static_cast<std::uint32_t>(state.key.start(depth) + tail.length),
                            tail.capabilities};
        state.prefix.full = m;
        if (both) {
          state.prefix.trimmed = m;
        }
        return true;  // the longest is enough
      });
    }
    if ((node.flags & kHasTails) != 0) {
      const auto tail_forms = static_cast<std::uint8_t>(both ? kFormFull | kFormTrimmed : kFormFull);
      segment_tails_.ForEach(node_id, node_tails_[node_id].tails, segment, arena_, [&](const Tail& tail) {
        state.visit(TrieHit{tail.rule, tail.priority, tail.capabilities}, tail_forms);
        return false;  // every matching tail is a candidate
      });
    }
  }

  friend struct PathTrieBuilder;
  using LiteralEdges = std::map<std::pair<std::uint32_t, std::string>, std::uint32_t>;
  void BuildEdges(const LiteralEdges& literal);

  std::vector<Node> nodes_{Node{}};
  std::vector<NodeTails> node_tails_{NodeTails{}};
  std::vector<TrieHit> terminals_{TrieHit{}};  // per node: its terminal rule
  TailTable segment_tails_;
  TailTable prefix_tails_;
  std::vector<Edge> edges_;
  std::uint64_t edge_mask_ = 0;
  HashFilter edge_filter_;
  std::string arena_;
};

inline IndexRuleId ExactIndex::Find(std::string_view key, std::uint64_t hash) const {
  if (slots_.empty() || !filter_.MayContain(hash)) {
    return kNoIndexRule;
  }
  const auto fingerprint = static_cast<std::uint32_t>(hash >> 32);
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.rule == kNoIndexRule) {
      return kNoIndexRule;
    }
    if (slot.fingerprint == fingerprint && slot.length == key.size() &&
        EqualBytes(arena_.data() + slot.offset, key.data(), key.size())) {
      return slot.rule;
    }
  }
}

inline IndexRuleId ExactIndex::Find(std::string_view key) const { return Find(key, HashBytes(key)); }

inline const PathTrie::Edge* PathTrie::LiteralChild(std::uint32_t parent, std::string_view segment, std::uint64_t word,
                                             std::uint64_t hash) const {
  if (!edge_filter_.MayContain(hash)) {
    return nullptr;
  }
  const auto fingerprint = static_cast<std::uint16_t>(hash >> 48);
  for (std::uint64_t i = hash & edge_mask_;; i = (i + 1) & edge_mask_) {
    const Edge& e = edges_[i];
    if (e.child == kNone) {
      return nullptr;
    }
    if (e.fingerprint != fingerprint || e.parent != parent || e.length != segment.size()) {
      continue;
    }
    if (segment.size() <= 8) {
      if (word == e.bytes) {
        return &e;
      }
    } else if (EqualBytes(arena_.data() + e.bytes, segment.data(), segment.size())) {
      return &e;
    }
  }
}

}  // namespace polcheck::evaluator
