#include "evaluator/path_index.h"

#include <algorithm>
#include <map>

#include "base/check.h"

namespace polcheck::evaluator {
namespace {

constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;

}  // namespace

std::uint64_t TableSize(std::size_t entries) {
  std::uint64_t size = 16;
  while (size < entries * 2 + 1) {
    size <<= 1;
  }
  return size;
}

namespace {

std::vector<std::string_view> SplitSlash(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      return out;
    }
    start = slash + 1;
  }
}

}  // namespace


// --------------------------------------------------------------- HashFilter

void HashFilter::Build(std::size_t entries) {
  std::size_t words = 1;
  while (words * 64 < entries * 16) {
    words <<= 1;
  }
  words_.assign(words, 0);
  mask_ = words - 1;
}

std::uint64_t SegmentWord(std::string_view segment) {
  std::uint64_t word = 0;
  if (segment.size() <= 8) {
    for (std::size_t k = 0; k < segment.size(); ++k) {
      word |= static_cast<std::uint64_t>(static_cast<unsigned char>(segment[k])) << (8 * k);
    }
  }
  return word;
}

// ------------------------------------------------------------------ PathKey

// Calls f(i) for the index of every '/' in `path`, in order, eight bytes at a
// time (exact per-byte test: no carries between bytes).
template <typename F>
void ForEachSlash(std::string_view path, F&& f) {
  constexpr std::uint64_t kLows = 0x7F7F7F7F7F7F7F7Full;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  constexpr std::uint64_t kSlashes = 0x2F2F2F2F2F2F2F2Full;
  std::size_t i = 0;
  for (; i + 8 <= path.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, path.data() + i, 8);
    const std::uint64_t x = word ^ kSlashes;  // zero bytes where '/'
    std::uint64_t zeros = ~(((x & kLows) + kLows) | x) & kHighs;
    while (zeros != 0) {
      f(i + static_cast<std::size_t>(__builtin_ctzll(zeros)) / 8);
      zeros &= zeros - 1;
    }
  }
  for (; i < path.size(); ++i) {
    if (path[i] == '/') {
      f(i);
    }
  }
}

PathKey::PathKey(std::string_view path) : path_(path) {
  std::uint32_t* starts = inline_starts_;
  std::size_t count = 1;
  starts[0] = 0;
  bool spilled = false;
  ForEachSlash(path, [&](std::size_t slash) {
    if (count < kInline) {
      starts[count] = static_cast<std::uint32_t>(slash + 1);
    } else {
      spilled = true;
    }
    ++count;
  });
  if (spilled) {
    // More than kInline segments: a heap array sized for all of them.
    heap_starts_ = std::make_unique<std::uint32_t[]>(count + 1);
    std::size_t k = 1;
    heap_starts_[0] = 0;
    ForEachSlash(path, [&](std::size_t slash) { heap_starts_[k++] = static_cast<std::uint32_t>(slash + 1); });
    starts = heap_starts_.get();
  }
  starts[count] = static_cast<std::uint32_t>(path.size() + 1);
  count_ = count;
  starts_ = starts;
}

// ---------------------------------------------------------------- ExactIndex

void ExactIndex::Build(const std::vector<std::pair<std::string_view, IndexRuleId>>& entries) {
  const std::uint64_t size = TableSize(entries.size());
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  arena_.clear();
  filter_.Build(entries.size());
  for (const auto& [key, rule] : entries) {
    const std::uint64_t hash = HashBytes(key);
    filter_.Add(hash);
    Slot slot{static_cast<std::uint32_t>(hash >> 32), rule, static_cast<std::uint32_t>(arena_.size()),
              static_cast<std::uint32_t>(key.size())};
    arena_.append(key);
    std::uint64_t i = hash & mask_;
    while (slots_[i].rule != kNoIndexRule) {
      i = (i + 1) & mask_;
    }
    slots_[i] = slot;
  }
}



std::size_t ExactIndex::MemoryUsage() const {
  return slots_.capacity() * sizeof(Slot) + arena_.capacity() + filter_.MemoryUsage();
}

// ----------------------------------------------------------------- PathTrie

// Collects the trie's nodes, tails and literal edges while keys are added.
struct PathTrieBuilder {
  using Tails = std::vector<std::pair<std::string, TrieEntry>>;
  PathTrie& trie;
  PathTrie::LiteralEdges literal{};
  std::vector<Tails> tails = std::vector<Tails>(1);
  std::vector<Tails> prefixes = std::vector<Tails>(1);

  std::uint32_t NewNode() {
    trie.nodes_.push_back(PathTrie::Node{});
    trie.terminals_.emplace_back();
    tails.emplace_back();
    prefixes.emplace_back();
    return static_cast<std::uint32_t>(trie.nodes_.size() - 1);
  }

  std::uint32_t LiteralChild(std::uint32_t parent, std::string_view segment) {
    auto it = literal.find({parent, std::string(segment)});
    if (it == literal.end()) {
      it = literal.emplace(std::make_pair(parent, std::string(segment)), NewNode()).first;
    }
    return it->second;
  }

  std::uint32_t PlusChild(std::uint32_t parent) {
    if (trie.nodes_[parent].plus_child == PathTrie::kNone) {
      const std::uint32_t child = NewNode();
      trie.nodes_[parent].plus_child = child;
    }
    return trie.nodes_[parent].plus_child;
  }

  // Every segment but the last is a literal edge (a prefix key never has a
  // "+" segment, §1.4 step 7); the last is the tail.
  void AddPrefixKey(const TrieEntry& entry) {
    const std::vector<std::string_view> segments = SplitSlash(entry.key);
    std::uint32_t node = 0;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
      node = LiteralChild(node, segments[i]);
    }
    prefixes[node].emplace_back(segments.back(), entry);
  }

  void AddSegmentKey(const TrieEntry& entry) {
    std::string_view key = entry.key;
    const bool is_prefix = !key.empty() && key.back() == '*';
    if (is_prefix) {
      key.remove_suffix(1);
    }
    const std::vector<std::string_view> segments = SplitSlash(key);
    const std::size_t walk = is_prefix ? segments.size() - 1 : segments.size();
    std::uint32_t node = 0;
    for (std::size_t i = 0; i < walk; ++i) {
      node = segments[i] == "+" ? PlusChild(node) : LiteralChild(node, segments[i]);
    }
    if (is_prefix) {
      tails[node].emplace_back(segments.back(), entry);
      return;
    }
    POLCHECK_CHECK(trie.nodes_[node].terminal == kNoIndexRule);
    trie.nodes_[node].terminal = entry.rule;
    trie.terminals_[node] = TrieHit{entry.rule, entry.priority, entry.capabilities};
  }

  void FinishTails() {
    trie.node_tails_.assign(trie.nodes_.size(), PathTrie::NodeTails{});
    for (std::size_t n = 0; n < trie.nodes_.size(); ++n) {
      const auto node = static_cast<std::uint32_t>(n);
      trie.node_tails_[n].tails = trie.segment_tails_.Add(node, tails[n], trie.arena_);
      trie.node_tails_[n].prefixes = trie.prefix_tails_.Add(node, prefixes[n], trie.arena_);
      trie.nodes_[n].flags |= tails[n].empty() ? 0 : PathTrie::kHasTails;
      trie.nodes_[n].flags |= prefixes[n].empty() ? 0 : PathTrie::kHasPrefixes;
    }
    trie.segment_tails_.Finish(trie.arena_);
    trie.prefix_tails_.Finish(trie.arena_);
  }
};

void PathTrie::Build(const std::vector<TrieEntry>& prefix_keys, const std::vector<TrieEntry>& segment_keys) {
  nodes_.assign(1, Node{});
  terminals_.assign(1, TrieHit{});
  segment_tails_ = TailTable();
  prefix_tails_ = TailTable();
  arena_.clear();
  PathTrieBuilder builder{*this};
  for (const TrieEntry& entry : prefix_keys) {
    builder.AddPrefixKey(entry);
  }
  for (const TrieEntry& entry : segment_keys) {
    builder.AddSegmentKey(entry);
  }
  builder.FinishTails();
  BuildEdges(builder.literal);
}

void PathTrie::BuildEdges(const LiteralEdges& literal) {
  const std::uint64_t size = TableSize(literal.size());
  edges_.assign(size, Edge{});
  edge_mask_ = size - 1;
  edge_filter_.Build(literal.size());
  for (const auto& [edge, child] : literal) {
    nodes_[edge.first].flags |= kHasLiteralChildren;
  }
  for (const auto& [edge, child] : literal) {
    const auto& [parent, segment] = edge;
    const std::uint64_t hash = EdgeHash(parent, SegmentHash(segment, SegmentWord(segment)));
    edge_filter_.Add(hash);
    const Node& node = nodes_[child];
    Edge e{parent, child, static_cast<std::uint32_t>(segment.size()), static_cast<std::uint16_t>(hash >> 48),
           node.flags, node.terminal, node.plus_child, 0};
    if (segment.size() <= 8) {
      e.bytes = SegmentWord(segment);
    } else {
      e.bytes = arena_.size();
      arena_ += segment;
    }
    std::uint64_t i = hash & edge_mask_;
    while (edges_[i].child != kNone) {
      i = (i + 1) & edge_mask_;
    }
    edges_[i] = e;
  }
}


std::vector<PathTrie::PrefixMatch> PathTrie::AllPrefixes(const PathKey& key) const {
  std::vector<PrefixMatch> out;
  std::uint32_t node = 0;
  for (std::size_t depth = 0; depth < key.size(); ++depth) {
    const Node& n = nodes_[node];
    const std::string_view segment = key.segment(depth);
    const std::size_t first = out.size();
    prefix_tails_.ForEach(node, node_tails_[node].prefixes, segment, arena_, [&](const Tail& tail) {
      out.push_back({tail.rule, static_cast<std::uint32_t>(key.start(depth) + tail.length), tail.capabilities});
      return false;
    });
    std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());  // shortest first
    if ((n.flags & kHasLiteralChildren) == 0) {
      break;
    }
    const Edge* edge = LiteralChild(node, segment, key.segment_word(depth), EdgeHash(node, key.segment_hash(depth)));
    if (edge == nullptr) {
      break;
    }
    node = edge->child;
  }
  return out;
}

std::size_t PathTrie::MemoryUsage() const {
  return nodes_.capacity() * sizeof(Node) + node_tails_.capacity() * sizeof(NodeTails) +
         terminals_.capacity() * sizeof(TrieHit) + segment_tails_.MemoryUsage() + prefix_tails_.MemoryUsage() +
         edges_.capacity() * sizeof(Edge) + arena_.capacity() + edge_filter_.MemoryUsage();
}

// ------------------------------------------------------------ TailTable

PathTrie::TailRange PathTrie::TailTable::Add(std::uint32_t node,
                                             std::vector<std::pair<std::string, TrieEntry>>& tails,
                                             std::string& arena) {
  constexpr std::size_t kLinearTails = 4;
  std::stable_sort(tails.begin(), tails.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  TailRange range;
  range.begin = static_cast<std::uint32_t>(tails_.size());
  range.lengths_begin = range.lengths_end = static_cast<std::uint32_t>(lengths_.size());
  for (const auto& [text, entry] : tails) {
    tails_.push_back({static_cast<std::uint32_t>(arena.size()), static_cast<std::uint32_t>(text.size()), entry.rule,
                      entry.capabilities, entry.priority});
    arena += text;
  }
  range.end = static_cast<std::uint32_t>(tails_.size());
  if (tails.size() <= kLinearTails) {
    return range;
  }
  for (std::uint32_t t = range.begin; t < range.end; ++t) {
    if (lengths_.size() == range.lengths_begin || lengths_.back() != tails_[t].length) {
      lengths_.push_back(tails_[t].length);
    }
    hashed_.emplace_back(node, t);
  }
  range.lengths_end = static_cast<std::uint32_t>(lengths_.size());
  return range;
}

void PathTrie::TailTable::Finish(const std::string& arena) {
  const std::uint64_t size = TableSize(hashed_.size());
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  for (const auto& [node, t] : hashed_) {
    const std::uint64_t hash = SlotHash(node, std::string_view(arena).substr(tails_[t].offset, tails_[t].length));
    std::uint64_t i = hash & mask_;
    while (slots_[i].tail != kNone) {
      i = (i + 1) & mask_;
    }
    slots_[i] = {static_cast<std::uint32_t>(hash >> 32), node, t};
  }
  hashed_.clear();
  hashed_.shrink_to_fit();
}

const PathTrie::Tail* PathTrie::TailTable::Find(std::uint32_t node, std::string_view text,
                                                const std::string& arena) const {
  const std::uint64_t hash = SlotHash(node, text);
  const auto fingerprint = static_cast<std::uint32_t>(hash >> 32);
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.tail == kNone) {
      return nullptr;
    }
    if (slot.fingerprint == fingerprint && slot.node == node && tails_[slot.tail].length == text.size() &&
        EqualBytes(arena.data() + tails_[slot.tail].offset, text.data(), text.size())) {
      return &tails_[slot.tail];
    }
  }
}

std::size_t PathTrie::TailTable::MemoryUsage() const {
  return tails_.capacity() * sizeof(Tail) + lengths_.capacity() * sizeof(std::uint32_t) +
         slots_.capacity() * sizeof(Slot);
}

}  // namespace polcheck::evaluator
