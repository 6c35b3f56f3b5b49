// The region automaton (analysis/regions.h): lazy subset construction over
// per-pattern NFAs, with the accepting set before a trailing '/' carried in the
// search node so that LIST's trimmed lookup is part of the signature.
#include "analysis/regions.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <tuple>
#include <unordered_map>

namespace polcheck::analysis {
namespace {

using parser::Pattern;
using parser::PatternKind;

enum class Tok : std::uint8_t {
  kLit,   // one literal byte
  kLoop,  // '+': any run of non-'/' bytes (possibly empty), then the next token
  kAll,   // trailing glob: anything, accepting
  kEnd,   // accepting only at the end of the path
};

// Every pattern's NFA, laid out one after another.
struct Nfa {
  std::vector<Tok> kind;
  std::vector<char> byte;
  std::vector<std::uint32_t> owner;  // pattern index
  std::vector<std::uint32_t> starts;

  void Push(Tok t, char c, std::uint32_t pattern) {
    kind.push_back(t);
    byte.push_back(c);
    owner.push_back(pattern);
  }

  void AddLiteral(std::string_view text, std::uint32_t p) {
    for (char c : text) {
      Push(Tok::kLit, c, p);
    }
  }

  void Add(const Pattern& pattern, std::uint32_t p) {
    starts.push_back(static_cast<std::uint32_t>(kind.size()));
    switch (pattern.kind) {
      case PatternKind::kExact:
        AddLiteral(pattern.key, p);
        Push(Tok::kEnd, 0, p);
        return;
      case PatternKind::kPrefix:
        AddLiteral(pattern.key, p);
        Push(Tok::kAll, 0, p);
        return;
      case PatternKind::kSegment:
        AddSegment(pattern.key, p);
        return;
    }
  }

  // §3.4: '+' segments match one segment (empty included); with a trailing '*'
  // the last segment only needs to be a prefix and more segments may follow.
  void AddSegment(std::string_view key, std::uint32_t p) {
    const bool is_prefix = key.ends_with('*');
    if (is_prefix) {
      key.remove_suffix(1);
    }
    std::size_t begin = 0;
    while (true) {
      const std::size_t slash = key.find('/', begin);
      const std::string_view seg = key.substr(begin, slash == std::string_view::npos ? slash : slash - begin);
      if (seg == "+") {
        Push(Tok::kLoop, 0, p);
      } else {
        AddLiteral(seg, p);
      }
      if (slash == std::string_view::npos) {
        break;
      }
      Push(Tok::kLit, '/', p);
      begin = slash + 1;
    }
    Push(is_prefix ? Tok::kAll : Tok::kEnd, 0, p);
  }

  void Closure(std::uint32_t s, std::vector<std::uint32_t>& out) const {
    out.push_back(s);
    if (kind[s] == Tok::kLoop) {
      Closure(s + 1, out);
    }
  }

  void Step(std::uint32_t s, char c, std::vector<std::uint32_t>& out) const {
    switch (kind[s]) {
      case Tok::kLit:
        if (byte[s] == c) {
          Closure(s + 1, out);
        }
        return;
      case Tok::kLoop:
        if (c != '/') {
          Closure(s, out);
        }
        return;
      case Tok::kAll:
        out.push_back(s);
        return;
      case Tok::kEnd:
        return;
    }
  }

  bool Accepting(std::uint32_t s) const { return kind[s] == Tok::kEnd || kind[s] == Tok::kAll; }
};

std::string SetKey(const std::vector<std::uint32_t>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(std::uint32_t)};
}

class Automaton {
 public:
  Automaton(std::span<const Pattern> patterns, const RegionOptions& options)
      : patterns_(patterns), focus_(patterns.size(), options.focus.empty()), max_states_(options.max_states) {
    for (std::uint32_t f : options.focus) {
      focus_[f] = true;
    }
    for (std::uint32_t i = 0; i < patterns.size(); ++i) {
      nfa_.Add(patterns[i], i);
    }
    BuildAlphabet();
    std::vector<std::uint32_t> start;
    for (std::uint32_t s : nfa_.starts) {
      nfa_.Closure(s, start);
    }
    start_ = Intern(std::move(start));
  }

  Expected<std::vector<Region>> Run(bool canonical_pass_only) {
    Search(true);
    if (!canonical_pass_only && !overflow_) {
      Search(false);
    }
    if (overflow_) {
      return Unexpected(Error::Code::kInvalidArgument,
                        fmt::format("the path space of {} patterns needs more than {} automaton states",
                                    patterns_.size(), max_states_));
    }
    std::vector<Region> out;
    out.reserve(found_.size());
    for (auto& [sig, region] : found_) {
      out.push_back(std::move(region));
    }
    std::sort(out.begin(), out.end(), [](const Region& a, const Region& b) {
      if (a.example.size() != b.example.size()) {
        return a.example.size() < b.example.size();
      }
      return std::tie(a.example, a.ends_with_slash) < std::tie(b.example, b.ends_with_slash);
    });
    return out;
  }

 private:
  struct State {
    std::vector<std::uint32_t> nfa;  // sorted NFA states
    std::int32_t accept = 0;         // interned accepting pattern set
    bool focus_live = false;         // a focus pattern can still consume bytes
    bool focus_accept = false;       // a focus pattern accepts here
    std::vector<std::int32_t> next;  // per alphabet byte; -1 = not built yet
  };

  void BuildAlphabet() {
    std::vector<bool> used(256, false);
    for (std::size_t s = 0; s < nfa_.kind.size(); ++s) {
      if (nfa_.kind[s] == Tok::kLit) {
        used[static_cast<unsigned char>(nfa_.byte[s])] = true;
      }
    }
    used['/'] = true;
    // One byte no pattern names stands for all of them: they behave alike.
    // It comes first so that examples read "secret/data/x" where they can.
    for (char c : std::string_view("xqzjkvwy0123456789abcdefghilmnoprstuABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~")) {
      if (!used[static_cast<unsigned char>(c)]) {
        alphabet_.push_back(c);
        break;
      }
    }
    for (int c = 0; c < 256; ++c) {
      if (used[static_cast<std::size_t>(c)]) {
        alphabet_.push_back(static_cast<char>(c));
      }
    }
  }

  std::int32_t InternAccept(std::vector<std::uint32_t> patterns) {
    auto [it, inserted] = accept_ids_.try_emplace(SetKey(patterns), static_cast<std::int32_t>(accept_sets_.size()));
    if (inserted) {
      accept_sets_.push_back(std::move(patterns));
    }
    return it->second;
  }

  std::int32_t Intern(std::vector<std::uint32_t> set) {
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    std::string key = SetKey(set);
    if (auto it = state_ids_.find(key); it != state_ids_.end()) {
      return it->second;
    }
    State st;
    std::vector<std::uint32_t> accepting;
    for (std::uint32_t s : set) {
      const std::uint32_t p = nfa_.owner[s];
      if (nfa_.Accepting(s)) {
        accepting.push_back(p);
        st.focus_accept |= focus_[p];
      }
      if (nfa_.kind[s] != Tok::kEnd) {
        st.focus_live |= focus_[p];
      }
    }
    std::sort(accepting.begin(), accepting.end());
    accepting.erase(std::unique(accepting.begin(), accepting.end()), accepting.end());
    st.accept = InternAccept(std::move(accepting));
    st.nfa = std::move(set);
    st.next.assign(alphabet_.size(), -1);
    const auto id = static_cast<std::int32_t>(states_.size());
    states_.push_back(std::move(st));
    state_ids_.emplace(std::move(key), id);
    return id;
  }

  std::int32_t Next(std::int32_t state, std::size_t letter) {
    if (states_[state].next[letter] >= 0) {
      return states_[state].next[letter];
    }
    std::vector<std::uint32_t> out;
    for (std::uint32_t s : states_[state].nfa) {
      nfa_.Step(s, alphabet_[letter], out);
    }
    const std::int32_t id = Intern(std::move(out));
    states_[state].next[letter] = id;
    return id;
  }

  bool FocusIn(std::int32_t accept) const {
    return std::any_of(accept_sets_[accept].begin(), accept_sets_[accept].end(),
                       [&](std::uint32_t p) { return focus_[p]; });
  }

  struct Node {
    std::int32_t state;
    std::int32_t trimmed;  // accept set before the trailing '/', -1 when the path does not end in '/'
    std::string path;
  };

  // Breadth-first over (state, trimmed): the first visit of a signature is its
  // shortest example. `canonical`: no empty segment on the way.
  void Search(bool canonical) {
    std::unordered_map<std::uint64_t, bool> seen;
    std::deque<Node> queue;
    queue.push_back({start_, -1, ""});
    while (!queue.empty()) {
      Node node = std::move(queue.front());
      queue.pop_front();
      if (states_.size() + seen.size() > max_states_) {
        overflow_ = true;
        return;
      }
      const State& st = states_[node.state];
      if (!node.path.empty()) {
        Emit(node, canonical);
      }
      if (!st.focus_live && !st.focus_accept) {
        continue;
      }
      const bool only_slash = !st.focus_live;
      for (std::size_t l = 0; l < alphabet_.size(); ++l) {
        const char c = alphabet_[l];
        if (only_slash && c != '/') {
          continue;
        }
        if (c == '/' && (node.path.empty() || (canonical && node.trimmed >= 0))) {
          continue;
        }
        const std::int32_t accept_before = states_[node.state].accept;
        const std::int32_t next = Next(node.state, l);
        const std::int32_t trimmed = c == '/' ? accept_before : -1;
        const std::uint64_t key =
            (static_cast<std::uint64_t>(next) << 32) | static_cast<std::uint32_t>(trimmed + 1);
        if (seen.emplace(key, true).second) {
          queue.push_back({next, trimmed, node.path + c});
        }
      }
    }
  }

  void Emit(const Node& node, bool canonical) {
    const State& st = states_[node.state];
    const bool in_focus = st.focus_accept || (node.trimmed >= 0 && FocusIn(node.trimmed));
    if (!in_focus) {
      return;
    }
    const std::uint64_t sig =
        (static_cast<std::uint64_t>(st.accept) << 32) | static_cast<std::uint32_t>(node.trimmed + 1);
    if (found_.count(sig) != 0) {
      return;
    }
    Region r;
    r.example = node.path;
    r.matches = accept_sets_[st.accept];
    r.ends_with_slash = node.trimmed >= 0;
    if (r.ends_with_slash) {
      r.trimmed_matches = accept_sets_[node.trimmed];
    }
    r.canonical = canonical;
    found_.emplace(sig, std::move(r));
  }

  std::span<const Pattern> patterns_;
  std::vector<bool> focus_;
  std::size_t max_states_;
  Nfa nfa_;
  std::vector<char> alphabet_;
  std::vector<State> states_;
  std::unordered_map<std::string, std::int32_t> state_ids_;
  std::vector<std::vector<std::uint32_t>> accept_sets_;
  std::unordered_map<std::string, std::int32_t> accept_ids_;
  std::int32_t start_ = 0;
  std::map<std::uint64_t, Region> found_;
  bool overflow_ = false;
};

struct Rank {
  bool exact = false;
  std::int64_t first_wc = 0;
  bool is_prefix = false;
  int wildcards = 0;
  std::size_t length = 0;
};

Rank RankOf(const Pattern& p) {
  Rank r;
  switch (p.kind) {
    case PatternKind::kExact:
      r.exact = true;
      r.length = p.key.size();
      return r;
    case PatternKind::kPrefix:
      r.first_wc = static_cast<std::int64_t>(p.key.size());
      r.is_prefix = true;
      r.length = p.key.size();
      return r;
    case PatternKind::kSegment: {
      std::string_view key = p.key;
      r.first_wc = static_cast<std::int64_t>(key.find('+'));
      if (key.ends_with('*')) {
        r.is_prefix = true;
        key.remove_suffix(1);
      }
      r.length = key.size();
      std::size_t begin = 0;
      while (begin <= key.size()) {
        const std::size_t slash = key.find('/', begin);
        const std::size_t end = slash == std::string_view::npos ? key.size() : slash;
        r.wildcards += key.substr(begin, end - begin) == "+" ? 1 : 0;
        begin = end + 1;
      }
      return r;
    }
  }
  return r;
}

// The bytes every path of the pattern starts with.
std::string_view LiteralPrefix(const Pattern& p) {
  if (p.kind != PatternKind::kSegment) {
    return p.key;
  }
  std::string_view key = p.key;
  if (key == "+" || key.starts_with("+/")) {
    return {};
  }
  const std::size_t plus = key.find("/+/");
  if (plus != std::string_view::npos) {
    return key.substr(0, plus + 1);
  }
  if (key.ends_with("/+")) {
    return key.substr(0, key.size() - 1);
  }
  return key.ends_with('*') ? key.substr(0, key.size() - 1) : key;
}

// Sufficient test: every path of `inner` matches `outer`.
bool Contains(const Pattern& outer, const Pattern& inner) {
  return outer.kind == PatternKind::kPrefix && LiteralPrefix(inner).starts_with(outer.key);
}

std::vector<std::string> SplitSlash(std::string_view s) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t slash = s.find('/', begin);
    if (slash == std::string_view::npos) {
      out.emplace_back(s.substr(begin));
      return out;
    }
    out.emplace_back(s.substr(begin, slash - begin));
    begin = slash + 1;
  }
}

}  // namespace

Expected<std::vector<Region>> ComputeRegions(std::span<const Pattern> patterns, const RegionOptions& options) {
  Automaton automaton(patterns, options);
  return automaton.Run(false);
}

bool PatternMatches(const Pattern& pattern, std::string_view path) {
  switch (pattern.kind) {
    case PatternKind::kExact:
      return path == pattern.key;
    case PatternKind::kPrefix:
      return path.starts_with(pattern.key);
    case PatternKind::kSegment:
      break;
  }
  std::string_view key = pattern.key;
  const bool is_prefix = key.ends_with('*');
  if (is_prefix) {
    key.remove_suffix(1);
  }
  const std::vector<std::string> want = SplitSlash(key);
  const std::vector<std::string> have = SplitSlash(path);
  if (have.size() < want.size() || (!is_prefix && have.size() != want.size())) {
    return false;
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "+") {
      continue;
    }
    const bool last = i + 1 == want.size();
    if (is_prefix && last ? !std::string_view(have[i]).starts_with(want[i]) : have[i] != want[i]) {
      return false;
    }
  }
  return true;
}

std::string PatternText(const Pattern& pattern) {
  return pattern.kind == PatternKind::kPrefix ? pattern.key + "*" : pattern.key;
}

bool MoreSpecific(const Pattern& a, const Pattern& b) {
  const Rank ra = RankOf(a);
  const Rank rb = RankOf(b);
  if (ra.exact != rb.exact) {
    return ra.exact;
  }
  if (ra.exact) {
    return std::tie(ra.length, a.key) > std::tie(rb.length, b.key);
  }
  if (ra.first_wc != rb.first_wc) {
    return ra.first_wc > rb.first_wc;
  }
  if (ra.is_prefix != rb.is_prefix) {
    return !ra.is_prefix;
  }
  if (ra.wildcards != rb.wildcards) {
    return ra.wildcards < rb.wildcards;
  }
  if (ra.length != rb.length) {
    return ra.length > rb.length;
  }
  return a.key > b.key;
}

std::string DescribeRegion(const Region& region, std::span<const Pattern> patterns, const std::vector<bool>& hidden,
                           bool slash_note) {
  auto shown = [&](std::uint32_t i) { return hidden.empty() || !hidden[i]; };
  auto by_specificity = [&](std::uint32_t a, std::uint32_t b) { return MoreSpecific(patterns[a], patterns[b]); };
  std::vector<std::uint32_t> matched;
  std::vector<std::uint32_t> within;
  for (std::uint32_t i : region.matches) {
    (shown(i) ? matched : within).push_back(i);
  }
  std::sort(matched.begin(), matched.end(), by_specificity);
  std::string out;
  if (matched.empty()) {
    std::vector<std::uint32_t> trimmed;
    for (std::uint32_t i : region.trimmed_matches) {
      if (shown(i)) {
        trimmed.push_back(i);
      }
    }
    std::sort(trimmed.begin(), trimmed.end(), by_specificity);
    out = trimmed.empty() ? std::string("*") : PatternText(patterns[trimmed.front()]) + "/";
  } else {
    const Pattern& base = patterns[matched.front()];
    out = PatternText(base);
    for (std::size_t k = 1; k < matched.size(); ++k) {
      if (!Contains(patterns[matched[k]], base)) {
        out += " and " + PatternText(patterns[matched[k]]);
      }
    }
    std::vector<std::uint32_t> excepts;
    if (base.kind != PatternKind::kExact) {
      const std::string_view lit = LiteralPrefix(base);
      for (std::uint32_t i = 0; i < patterns.size(); ++i) {
        if (shown(i) && !std::binary_search(region.matches.begin(), region.matches.end(), i) &&
            LiteralPrefix(patterns[i]).starts_with(lit)) {
          excepts.push_back(i);
        }
      }
    }
    // An exception inside another one says nothing more.
    std::vector<std::uint32_t> outer;
    for (std::uint32_t e : excepts) {
      const bool inside = std::any_of(excepts.begin(), excepts.end(), [&](std::uint32_t f) {
        return f != e && Contains(patterns[f], patterns[e]) &&
               !(Contains(patterns[e], patterns[f]) && f > e);
      });
      if (!inside) {
        outer.push_back(e);
      }
    }
    excepts = std::move(outer);
    std::sort(excepts.begin(), excepts.end(),
              [&](std::uint32_t a, std::uint32_t b) { return PatternText(patterns[a]) < PatternText(patterns[b]); });
    for (std::size_t k = 0; k < excepts.size() && k < 4; ++k) {
      out += (k == 0 ? " except " : ", ") + PatternText(patterns[excepts[k]]);
    }
    if (excepts.size() > 4) {
      out += fmt::format(" (+{} more)", excepts.size() - 4);
    }
    if (slash_note && region.ends_with_slash && base.kind != PatternKind::kExact) {
      out += " (paths ending in '/')";
    }
  }
  for (std::uint32_t i : within) {
    if (matched.empty() || !Contains(patterns[i], patterns[matched.front()])) {
      out += " within " + PatternText(patterns[i]);
    }
  }
  return out;
}

}  // namespace polcheck::analysis
