#include "evaluator/path_index.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "base/check.h"

namespace polcheck::evaluator {
namespace {

constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;

std::uint64_t Finalize(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

std::uint64_t TableSize(std::size_t entries) {
  std::uint64_t size = 16;
  while (size < entries * 2 + 1) {
    size <<= 1;
  }
  return size;
}

}  // namespace

std::uint64_t HashBytes(std::string_view s) {
  std::uint64_t h = kMul ^ (static_cast<std::uint64_t>(s.size()) * 0xC2B2AE3D27D4EB4Full);
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  return Finalize(h);
}

// ---------------------------------------------------------------- ExactIndex

void ExactIndex::Build(const std::vector<std::pair<std::string_view, IndexRuleId>>& entries) {
  const std::uint64_t size = TableSize(entries.size());
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  arena_.clear();
  for (const auto& [key, rule] : entries) {
    Slot slot{HashBytes(key), static_cast<std::uint32_t>(arena_.size()),
              static_cast<std::uint32_t>(key.size()), rule};
    arena_.append(key);
    std::uint64_t i = slot.hash & mask_;
    while (slots_[i].rule != kNoIndexRule) {
      i = (i + 1) & mask_;
    }
    slots_[i] = slot;
  }
}

IndexRuleId ExactIndex::Find(std::string_view key) const {
  if (slots_.empty()) {
    return kNoIndexRule;
  }
  const std::uint64_t hash = HashBytes(key);
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.rule == kNoIndexRule) {
      return kNoIndexRule;
    }
    if (slot.hash == hash && slot.length == key.size() &&
        std::memcmp(arena_.data() + slot.offset, key.data(), key.size()) == 0) {
      return slot.rule;
    }
  }
}

std::size_t ExactIndex::MemoryUsage() const {
  return slots_.capacity() * sizeof(Slot) + arena_.capacity();
}

// --------------------------------------------------------------- PrefixIndex

void PrefixIndex::Build(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end());
  nodes_.assign(1, Node{});
  first_bytes_.assign(1, 0);
  arena_.clear();
  std::vector<std::uint32_t> offsets;
  offsets.reserve(entries.size());
  for (const Entry& e : entries) {
    offsets.push_back(static_cast<std::uint32_t>(arena_.size()));
    arena_ += e.first;
  }
  if (!entries.empty()) {
    BuildNode(0, entries, offsets, 0, entries.size(), 0);
  }
}

// All keys in [lo, hi) share their first `depth` bytes, which spell `node`.
void PrefixIndex::BuildNode(std::uint32_t node, const std::vector<Entry>& keys,
                            const std::vector<std::uint32_t>& offsets, std::size_t lo,
                            std::size_t hi, std::size_t depth) {
  std::size_t i = lo;
  if (keys[i].first.size() == depth) {
    nodes_[node].rule = keys[i].second;
    ++i;
  }
  std::vector<std::pair<std::size_t, std::size_t>> groups;
  while (i < hi) {
    std::size_t j = i;
    const char c = keys[i].first[depth];
    while (j < hi && keys[j].first[depth] == c) {
      ++j;
    }
    groups.emplace_back(i, j);
    i = j;
  }
  const auto first = static_cast<std::uint32_t>(nodes_.size());
  nodes_[node].first_child = first;
  nodes_[node].child_count = static_cast<std::uint32_t>(groups.size());
  nodes_.resize(nodes_.size() + groups.size());
  first_bytes_.resize(nodes_.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto [a, b] = groups[g];
    const std::string& lo_key = keys[a].first;
    const std::string& hi_key = keys[b - 1].first;
    std::size_t lcp = depth + 1;
    while (lcp < lo_key.size() && lcp < hi_key.size() && lo_key[lcp] == hi_key[lcp]) {
      ++lcp;
    }
    Node& child = nodes_[first + g];
    child.label_offset = static_cast<std::uint32_t>(offsets[a] + depth);
    child.label_length = static_cast<std::uint32_t>(lcp - depth);
    first_bytes_[first + g] = static_cast<unsigned char>(lo_key[depth]);
    BuildNode(first + static_cast<std::uint32_t>(g), keys, offsets, a, b, lcp);
  }
}

std::uint32_t PrefixIndex::FindChild(const Node& node, unsigned char c) const {
  const unsigned char* begin = first_bytes_.data() + node.first_child;
  const unsigned char* end = begin + node.child_count;
  const unsigned char* it = node.child_count <= 8 ? std::find(begin, end, c) : std::lower_bound(begin, end, c);
  if (it == end || *it != c) {
    return 0;  // the root is never a child
  }
  return node.first_child + static_cast<std::uint32_t>(it - begin);
}

PrefixIndex::Match PrefixIndex::Longest(std::string_view path) const {
  Match best;
  const Node* node = &nodes_[0];
  std::size_t pos = 0;
  while (true) {
    if (node->rule != kNoIndexRule) {
      best = {node->rule, static_cast<std::uint32_t>(pos)};
    }
    if (pos == path.size() || node->child_count == 0) {
      return best;
    }
    const std::uint32_t child = FindChild(*node, static_cast<unsigned char>(path[pos]));
    if (child == 0) {
      return best;
    }
    const Node& next = nodes_[child];
    if (path.size() - pos < next.label_length ||
        std::memcmp(path.data() + pos, arena_.data() + next.label_offset, next.label_length) != 0) {
      return best;
    }
    pos += next.label_length;
    node = &next;
  }
}

std::vector<PrefixIndex::Match> PrefixIndex::AllPrefixes(std::string_view path) const {
  std::vector<Match> out;
  const Node* node = &nodes_[0];
  std::size_t pos = 0;
  while (true) {
    if (node->rule != kNoIndexRule) {
      out.push_back({node->rule, static_cast<std::uint32_t>(pos)});
    }
    if (pos == path.size() || node->child_count == 0) {
      return out;
    }
    const std::uint32_t child = FindChild(*node, static_cast<unsigned char>(path[pos]));
    if (child == 0) {
      return out;
    }
    const Node& next = nodes_[child];
    if (path.size() - pos < next.label_length ||
        std::memcmp(path.data() + pos, arena_.data() + next.label_offset, next.label_length) != 0) {
      return out;
    }
    pos += next.label_length;
    node = &next;
  }
}

std::size_t PrefixIndex::MemoryUsage() const {
  return nodes_.capacity() * sizeof(Node) + first_bytes_.capacity() + arena_.capacity();
}

// -------------------------------------------------------------- SegmentIndex

std::uint64_t SegmentIndex::EdgeHash(std::uint32_t parent, std::string_view segment) {
  return HashBytes(segment) ^ (static_cast<std::uint64_t>(parent) * kMul);
}

void SegmentIndex::Build(const std::vector<std::pair<std::string_view, IndexRuleId>>& keys) {
  nodes_.assign(1, Node{});
  tails_.clear();
  arena_.clear();
  rule_count_ = keys.size();
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> literal;
  std::vector<std::vector<std::pair<std::string, IndexRuleId>>> tails(1);

  auto child_of = [&](std::uint32_t parent, const std::string& segment) -> std::uint32_t {
    if (segment == "+") {
      if (nodes_[parent].plus_child == kNone) {
        nodes_[parent].plus_child = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(Node{});
        tails.emplace_back();
      }
      return nodes_[parent].plus_child;
    }
    auto [it, inserted] = literal.try_emplace({parent, segment}, static_cast<std::uint32_t>(nodes_.size()));
    if (inserted) {
      nodes_.push_back(Node{});
      tails.emplace_back();
    }
    return it->second;
  };

  for (const auto& [full_key, rule] : keys) {
    std::string_view key = full_key;
    const bool is_prefix = !key.empty() && key.back() == '*';
    if (is_prefix) {
      key.remove_suffix(1);
    }
    std::vector<std::string> segments;
    for (std::size_t start = 0;;) {
      const std::size_t slash = key.find('/', start);
      segments.emplace_back(key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
      if (slash == std::string_view::npos) {
        break;
      }
      start = slash + 1;
    }
    const std::size_t walk = is_prefix ? segments.size() - 1 : segments.size();
    std::uint32_t node = 0;
    for (std::size_t i = 0; i < walk; ++i) {
      node = child_of(node, segments[i]);
    }
    if (is_prefix) {
      tails[node].emplace_back(segments.back(), rule);
    } else {
      POLCHECK_CHECK(nodes_[node].terminal == kNoIndexRule);
      nodes_[node].terminal = rule;
    }
  }

  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    nodes_[n].tails_begin = static_cast<std::uint32_t>(tails_.size());
    for (const auto& [segment, rule] : tails[n]) {
      tails_.push_back({static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(segment.size()), rule});
      arena_ += segment;
    }
    nodes_[n].tails_end = static_cast<std::uint32_t>(tails_.size());
  }

  const std::uint64_t size = TableSize(literal.size());
  edges_.assign(size, Edge{});
  edge_mask_ = size - 1;
  has_literal_edges_ = !literal.empty();
  for (const auto& [edge, child] : literal) {
    const auto& [parent, segment] = edge;
    Edge e{EdgeHash(parent, segment), parent, static_cast<std::uint32_t>(arena_.size()),
           static_cast<std::uint32_t>(segment.size()), child};
    arena_ += segment;
    std::uint64_t i = e.hash & edge_mask_;
    while (edges_[i].child != kNone) {
      i = (i + 1) & edge_mask_;
    }
    edges_[i] = e;
  }
}

std::uint32_t SegmentIndex::LiteralChild(std::uint32_t parent, std::string_view segment) const {
  const std::uint64_t hash = EdgeHash(parent, segment);
  for (std::uint64_t i = hash & edge_mask_;; i = (i + 1) & edge_mask_) {
    const Edge& e = edges_[i];
    if (e.child == kNone) {
      return kNone;
    }
    if (e.hash == hash && e.parent == parent && e.length == segment.size() &&
        std::memcmp(arena_.data() + e.offset, segment.data(), segment.size()) == 0) {
      return e.child;
    }
  }
}

std::size_t SegmentIndex::MemoryUsage() const {
  return nodes_.capacity() * sizeof(Node) + tails_.capacity() * sizeof(Tail) +
         edges_.capacity() * sizeof(Edge) + arena_.capacity();
}

}  // namespace polcheck::evaluator
