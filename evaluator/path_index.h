// The three rule stores of SEMANTICS.md §3.1, built once and queried without
// allocating. Internal to the evaluator.
//
//   ExactIndex: open-addressing hash table, key -> rule.
//   PrefixIndex: compressed byte trie (radix tree) answering "longest stored key
//     that is a prefix of p" (go-radix LongestPrefix).
//   SegmentIndex: trie over '/'-separated segments with a '+' edge per node and,
//     per node, the last-segment prefixes of glob-terminated keys, so that every
//     segment-wildcard rule matching p (§3.4) is found without scanning the rest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polcheck::evaluator {

using IndexRuleId = std::uint32_t;
inline constexpr IndexRuleId kNoIndexRule = 0xFFFFFFFFu;

std::uint64_t HashBytes(std::string_view s);

class ExactIndex {
 public:
  // Keys must be unique.
  void Build(const std::vector<std::pair<std::string_view, IndexRuleId>>& entries);
  IndexRuleId Find(std::string_view key) const;
  std::size_t MemoryUsage() const;

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    IndexRuleId rule = kNoIndexRule;
  };
  std::vector<Slot> slots_;
  std::string arena_;
  std::uint64_t mask_ = 0;
};

class PrefixIndex {
 public:
  struct Match {
    IndexRuleId rule = kNoIndexRule;
    std::uint32_t length = 0;  // of the matched key
  };

  // Keys must be unique.
  void Build(std::vector<std::pair<std::string, IndexRuleId>> entries);
  // The longest stored key that is a prefix of `path`.
  Match Longest(std::string_view path) const;
  // Every stored key that is a prefix of `path`, shortest first.
  std::vector<Match> AllPrefixes(std::string_view path) const;
  bool empty() const { return nodes_.size() <= 1 && nodes_.front().rule == kNoIndexRule; }
  std::size_t MemoryUsage() const;

 private:
  struct Node {
    std::uint32_t label_offset = 0;  // edge label from the parent, in arena_
    std::uint32_t label_length = 0;
    std::uint32_t first_child = 0;
    std::uint32_t child_count = 0;
    IndexRuleId rule = kNoIndexRule;
  };
  using Entry = std::pair<std::string, IndexRuleId>;
  void BuildNode(std::uint32_t node, const std::vector<Entry>& keys,
                 const std::vector<std::uint32_t>& offsets, std::size_t lo, std::size_t hi,
                 std::size_t depth);
  std::uint32_t FindChild(const Node& node, unsigned char c) const;

  std::vector<Node> nodes_{Node{}};
  std::vector<unsigned char> first_bytes_{0};  // first label byte of each node
  std::string arena_;
};

class SegmentIndex {
 public:
  // `keys` are normalised segment-wildcard keys, with their trailing '*' if any.
  void Build(const std::vector<std::pair<std::string_view, IndexRuleId>>& keys);
  bool empty() const { return rule_count_ == 0; }

  // Calls visit(rule) for every rule matching `path` (§3.4), in no fixed order.
  template <typename Visit>
  void Match(std::string_view path, Visit&& visit) const {
    if (rule_count_ != 0) {
      Walk(0, path, 0, false, visit);
    }
  }
  std::size_t MemoryUsage() const;

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  struct Node {
    IndexRuleId terminal = kNoIndexRule;  // a key without trailing '*' ending here
    std::uint32_t plus_child = kNone;
    std::uint32_t tails_begin = 0;  // glob-terminated keys whose last segment is tested here
    std::uint32_t tails_end = 0;
  };
  struct Tail {
    std::uint32_t offset = 0;  // the last segment (a string prefix of the path's segment)
    std::uint32_t length = 0;
    IndexRuleId rule = kNoIndexRule;
  };
  struct Edge {
    std::uint64_t hash = 0;
    std::uint32_t parent = kNone;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t child = kNone;
  };

  std::uint32_t LiteralChild(std::uint32_t parent, std::string_view segment) const;
  static std::uint64_t EdgeHash(std::uint32_t parent, std::string_view segment);

  // `pos` is the start of the next unconsumed segment; `done` when all are consumed.
  template <typename Visit>
  void Walk(std::uint32_t node_id, std::string_view path, std::size_t pos, bool done,
            Visit& visit) const {
    const Node& node = nodes_[node_id];
    if (done) {
      if (node.terminal != kNoIndexRule) {
        visit(node.terminal);
      }
      return;
    }
    const std::size_t slash = path.find('/', pos);
    const bool last = slash == std::string_view::npos;
    const std::string_view segment = path.substr(pos, last ? std::string_view::npos : slash - pos);
    for (std::uint32_t t = node.tails_begin; t < node.tails_end; ++t) {
      const Tail& tail = tails_[t];
      if (segment.size() >= tail.length &&
          segment.compare(0, tail.length, std::string_view(arena_).substr(tail.offset, tail.length)) == 0) {
        visit(tail.rule);
      }
    }
    const std::size_t next = last ? path.size() : slash + 1;
    if (has_literal_edges_) {
      const std::uint32_t child = LiteralChild(node_id, segment);
      if (child != kNone) {
        Walk(child, path, next, last, visit);
      }
    }
    if (node.plus_child != kNone) {
      Walk(node.plus_child, path, next, last, visit);
    }
  }

  std::vector<Node> nodes_{Node{}};
  std::vector<Tail> tails_;
  std::vector<Edge> edges_;
  std::uint64_t edge_mask_ = 0;
  std::string arena_;
  std::size_t rule_count_ = 0;
  bool has_literal_edges_ = false;
};

}  // namespace polcheck::evaluator
