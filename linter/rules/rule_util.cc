#include "linter/rules/rule_util.h"

#include <fmt/format.h>

#include "base/check.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <tuple>
#include <ranges>
#include <set>

namespace polcheck::linter {

const parser::ast::Item* BlockItem(const parser::PolicyFile& file, const parser::PathRule& rule) {
  if (!file.syntax) {
    return nullptr;
  }
  for (const parser::ast::Item& item : file.syntax->items) {
    if (item.span == rule.block_span) {
      return &item;
    }
  }
  return nullptr;
}

const parser::ast::Item* FindAttribute(const parser::PolicyFile& file, const parser::PathRule& rule,
                                       std::string_view key) {
  const parser::ast::Item* block = BlockItem(file, rule);
  if (block == nullptr || block->value.kind != parser::ast::Node::Kind::kObject) {
    return nullptr;
  }
  for (const parser::ast::Item& attr : block->value.items) {
    if (!attr.keys.empty() && attr.keys.front().value == key) {
      return &attr;
    }
  }
  return nullptr;
}

bool GrantsAny(const parser::PathRule& rule, std::initializer_list<parser::Capability> caps) {
  if (rule.capabilities.is_deny()) {
    return false;
  }
  for (parser::Capability c : caps) {
    if (rule.capabilities.Has(c)) {
      return true;
    }
  }
  return false;
}

std::string GrantedNames(const parser::PathRule& rule, std::initializer_list<parser::Capability> caps) {
  std::string out;
  if (rule.capabilities.is_deny()) {
    return out;
  }
  for (parser::Capability c : caps) {
    if (rule.capabilities.Has(c)) {
      out += fmt::format("{}{}", out.empty() ? "" : ", ", parser::CapabilityName(c));
    }
  }
  return out;
}

std::string PatternText(const parser::PathRule& rule) {
  return rule.pattern.kind == parser::PatternKind::kPrefix ? rule.pattern.key + "*" : rule.pattern.key;
}

parser::Pattern MakePattern(std::string_view label) {
  std::optional<parser::Pattern> p = parser::NormalizePattern(label);
  POLCHECK_CHECK(p.has_value());
  return *p;
}

namespace {

// A pattern as a linear automaton: literal characters, "any run of non-'/'
// characters" (a '+' segment, the rest of a segment or a placeholder), and
// "anything" (the tail of a prefix pattern).
struct Token {
  enum class Kind { kChar, kOne, kSegment, kAny };  // kOne: one character other than '/'
  Kind kind = Kind::kChar;
  char c = 0;
};
using Tokens = std::vector<Token>;

void AppendLiteral(std::string_view text, Tokens& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") == 0) {
      const std::size_t close = text.find("}}", i + 2);
      if (close != std::string_view::npos) {
        // A placeholder renders to a non-empty value (an empty one drops the block).
        out.push_back({Token::Kind::kOne, 0});
        out.push_back({Token::Kind::kSegment, 0});
        i = close + 2;
        continue;
      }
    }
    out.push_back({Token::Kind::kChar, text[i]});
    ++i;
  }
}

Tokens Tokenize(const parser::Pattern& p) {
  Tokens out;
  switch (p.kind) {
    case parser::PatternKind::kExact:
      AppendLiteral(p.key, out);
      return out;
    case parser::PatternKind::kPrefix:
      AppendLiteral(p.key, out);
      out.push_back({Token::Kind::kAny, 0});
      return out;
    case parser::PatternKind::kSegment:
      break;
  }
  const bool is_prefix = !p.key.empty() && p.key.back() == '*';
  const std::string_view key = is_prefix ? std::string_view(p.key).substr(0, p.key.size() - 1) : p.key;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = key.find('/', start);
    const std::string_view segment = key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (segment == "+") {
      out.push_back({Token::Kind::kSegment, 0});
    } else {
      AppendLiteral(segment, out);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    out.push_back({Token::Kind::kChar, '/'});
    start = slash + 1;
  }
  if (is_prefix) {
    out.push_back({Token::Kind::kAny, 0});
  }
  return out;
}

// Positions reachable from `i` without consuming a character.
void Close(const Tokens& t, std::size_t i, std::vector<std::size_t>& out) {
  out.push_back(i);
  while (i < t.size() && (t[i].kind == Token::Kind::kSegment || t[i].kind == Token::Kind::kAny)) {
    out.push_back(++i);
  }
}

// Where position `i` goes on character `c`, or npos.
std::size_t Step(const Tokens& t, std::size_t i, char c) {
  if (i >= t.size()) {
    return std::string::npos;
  }
  switch (t[i].kind) {
    case Token::Kind::kChar:
      return t[i].c == c ? i + 1 : std::string::npos;
    case Token::Kind::kOne:
      return c == '/' ? std::string::npos : i + 1;
    case Token::Kind::kSegment:
      return c == '/' ? std::string::npos : i;
    case Token::Kind::kAny:
      return i;
  }
  return std::string::npos;
}

// Literal characters of both patterns, '/', and 'x' standing for any other
// character ('x' first, so witnesses read "sys/policy/x").
std::string Alphabet(const Tokens& a, const Tokens& b) {
  std::set<char> chars = {'/'};
  for (const Tokens* t : {&a, &b}) {
    for (const Token& tok : *t) {
      if (tok.kind == Token::Kind::kChar && tok.c != 'x') {
        chars.insert(tok.c);
      }
    }
  }
  std::string out(1, 'x');
  out.append(chars.begin(), chars.end());
  return out;
}

// Breadth-first search of the product automaton: the shortest word both accept.
std::optional<std::string> Intersect(const Tokens& a, const Tokens& b) {
  // Every word starts with its pattern's leading literal characters, so two
  // patterns whose leading literals disagree share no word. This rejects most
  // pairs (e.g. a KV rule against a sys/ target) before the search.
  for (std::size_t n = 0; n < a.size() && n < b.size(); ++n) {
    if (a[n].kind != Token::Kind::kChar || b[n].kind != Token::Kind::kChar) {
      break;
    }
    if (a[n].c != b[n].c) {
      return std::nullopt;
    }
  }
  const std::string alphabet = Alphabet(a, b);
  const std::size_t width = b.size() + 1;
  struct Visit {
    std::size_t parent;
    char c;
  };
  std::vector<std::optional<Visit>> seen((a.size() + 1) * width);
  std::deque<std::size_t> queue;
  std::vector<std::size_t> ci, cj;  // reused: the search allocates nothing per step
  auto push = [&](std::size_t i, std::size_t j, Visit from) {
    ci.clear();
    cj.clear();
    Close(a, i, ci);
    Close(b, j, cj);
    for (std::size_t x : ci) {
      for (std::size_t y : cj) {
        if (!seen[x * width + y]) {
          seen[x * width + y] = from;
          queue.push_back(x * width + y);
        }
      }
    }
  };
  push(0, 0, Visit{std::string::npos, 0});
  while (!queue.empty()) {
    const std::size_t state = queue.front();
    queue.pop_front();
    const std::size_t i = state / width, j = state % width;
    if (i == a.size() && j == b.size()) {
      std::string word;
      for (std::size_t s = state; s != std::string::npos; s = seen[s]->parent) {
        if (seen[s]->c != 0) {
          word += seen[s]->c;
        }
      }
      std::reverse(word.begin(), word.end());
      return word;
    }
    for (char c : alphabet) {
      const std::size_t ni = Step(a, i, c), nj = Step(b, j, c);
      if (ni != std::string::npos && nj != std::string::npos) {
        push(ni, nj, Visit{state, c});
      }
    }
  }
  return std::nullopt;
}

}  // namespace

bool Matches(const parser::Pattern& p, std::string_view path) {
  Tokens literal;
  for (char c : path) {
    literal.push_back({Token::Kind::kChar, c});
  }
  return Intersect(Tokenize(p), literal).has_value();
}

std::optional<std::string> CommonPath(const parser::Pattern& a, const parser::Pattern& b) {
  // Cheap exact pre-check: every matched path starts with its pattern's literal
  // prefix, so prefixes that disagree mean no common path (no tokenising needed).
  const std::string_view pa = LiteralPrefix(a), pb = LiteralPrefix(b);
  const std::size_t n = std::min(pa.size(), pb.size());
  if (pa.substr(0, n) != pb.substr(0, n)) {
    return std::nullopt;
  }
  return Intersect(Tokenize(a), Tokenize(b));
}

std::string SamplePath(const parser::Pattern& p) {
  const Tokens t = Tokenize(p);
  std::optional<std::string> word = Intersect(t, t);
  POLCHECK_CHECK(word.has_value());
  return *word;
}

std::string_view LiteralPrefix(const parser::Pattern& p) {
  std::string_view key = p.key;
  const std::size_t brace = key.find("{{");
  if (brace != std::string_view::npos) {
    key = key.substr(0, brace);
  }
  if (p.kind != parser::PatternKind::kSegment) {
    return key;
  }
  if (key == "+" || key.starts_with("+/")) {
    return {};
  }
  const std::size_t plus = key.find("/+");
  for (std::size_t at = plus; at != std::string_view::npos; at = key.find("/+", at + 1)) {
    const std::size_t end = at + 2;
    if (end == key.size() || key[end] == '/' || (key[end] == '*' && end + 1 == key.size())) {
      return key.substr(0, at + 1);
    }
  }
  if (p.key.back() == '*') {  // a trailing partial segment: its text is still a prefix
    return key.substr(0, key.size() - (key.size() == p.key.size() ? 1 : 0));
  }
  return key;
}

namespace {

// A target with realistic names for its placeholders: {{mount}} -> "kubernetes", others -> "x".
std::string Instantiate(std::string_view label) {
  std::string out;
  std::size_t at = 0;
  for (const Placeholder& p : Placeholders(label)) {
    out.append(label.substr(at, p.begin - at));
    out += p.selector == "mount" ? "kubernetes" : "x";
    at = p.end;
  }
  out.append(label.substr(at));
  return out;
}

}  // namespace

std::optional<TargetHit> FirstTarget(const parser::PathRule& rule, std::span<const Target> targets) {
  // A pattern whose first segment is a wildcard ("+/roles/+") reaches a target
  // only by accident when its literals line up with a user-chosen name such as
  // the mount ("auth/roles/config"): test it against a realistic instance.
  const bool any_mount = LiteralPrefix(rule.pattern).empty();
  for (const Target& target : targets) {
    if (any_mount) {
      std::string path = Instantiate(target.label);
      if (Matches(rule.pattern, path)) {
        return TargetHit{&target, std::move(path)};
      }
      continue;
    }
    if (std::optional<std::string> path = CommonPath(rule.pattern, MakePattern(target.label))) {
      return TargetHit{&target, *std::move(path)};
    }
  }
  return std::nullopt;
}

bool MayMatchUnder(const parser::PathRule& rule, std::string_view prefix) {
  parser::Pattern under{std::string(prefix), parser::PatternKind::kPrefix};
  return CommonPath(rule.pattern, under).has_value();
}

std::optional<std::uint32_t> LabelCharOffset(std::string_view text, const parser::PathRule& rule, std::size_t index) {
  const Span s = rule.label_span;
  if (s.end > text.size() || s.size() != rule.label.size() + 2 || text[s.begin] != '"' ||
      text.substr(s.begin + 1, rule.label.size()) != rule.label || index > rule.label.size()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(s.begin + 1 + index);
}

std::vector<Placeholder> Placeholders(std::string_view label) {
  std::vector<Placeholder> out;
  std::size_t at = label.find("{{");
  while (at != std::string_view::npos) {
    const std::size_t close = label.find("}}", at + 2);
    if (close == std::string_view::npos) {
      break;
    }
    std::string_view inner = label.substr(at + 2, close - at - 2);
    while (!inner.empty() && (inner.front() == ' ' || inner.front() == '\t')) {
      inner.remove_prefix(1);
    }
    while (!inner.empty() && (inner.back() == ' ' || inner.back() == '\t')) {
      inner.remove_suffix(1);
    }
    out.push_back({std::string(inner), at, close + 2});
    at = label.find("{{", close + 2);
  }
  return out;
}

const config::Mount* MountOf(const LintContext& ctx, const parser::PathRule& rule) {
  const std::string_view literal = LiteralPrefix(rule.pattern);
  const config::Mount* mount = ctx.config.MountFor(literal);
  if (mount == nullptr || !literal.starts_with(mount->path)) {
    return nullptr;
  }
  return mount;
}

const config::Mount* Kv2MountOf(const LintContext& ctx, const parser::PathRule& rule) {
  const config::Mount* mount = MountOf(ctx, rule);
  return mount != nullptr && mount->type == "kv" && mount->kv_version == 2 ? mount : nullptr;
}

namespace {

Selector Invalid(std::string problem) {
  Selector s;
  s.problem = std::move(problem);
  return s;
}

Selector Make(SelectorSource source, std::string accessor = {}) {
  Selector s;
  s.source = source;
  s.accessor = std::move(accessor);
  return s;
}

// Go durations as parseutil accepts them: "90", "10s", "1h30m", "1.5h", "2d".
bool IsDuration(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t digits = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.')) {
      ++i;
    }
    if (i == digits) {
      return false;
    }
    const std::size_t unit = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0) {
      ++i;
    }
    const std::string_view u = text.substr(unit, i - unit);
    if (!(u.empty() || u == "ns" || u == "us" || u == "ms" || u == "s" || u == "m" || u == "h" || u == "d")) {
      return false;
    }
    if (u.empty() && i != text.size()) {
      return false;
    }
  }
  return true;
}

bool LooksLikePlaceholderText(std::string_view accessor) {
  return accessor.empty() || accessor.find_first_of("<>$ {}") != std::string_view::npos;
}

Selector ParseAlias(std::string_view rest) {  // after "identity.entity.aliases."
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos) {
    return Invalid("an alias selector needs a mount accessor and a field: aliases.<accessor>.name");
  }
  const std::string accessor(rest.substr(0, dot));
  if (LooksLikePlaceholderText(accessor)) {
    return Invalid(fmt::format("\"{}\" is not a mount accessor (e.g. auth_userpass_1a2b3c4d)", accessor));
  }
  const std::string_view field = rest.substr(dot + 1);
  if (field == "id") {
    return Make(SelectorSource::kAliasId, accessor);
  }
  if (field == "name") {
    return Make(SelectorSource::kAliasName, accessor);
  }
  if (field.size() > 9 && field.starts_with("metadata.")) {
    return Make(SelectorSource::kAliasMetadata, accessor);
  }
  if (field.size() > 16 && field.starts_with("custom_metadata.")) {
    return Make(SelectorSource::kAliasCustomMetadata, accessor);
  }
  return Invalid(fmt::format("unknown alias field \"{}\" (expected id, name, metadata.<key> or "
                             "custom_metadata.<key>)", field));
}

Selector ParseEntity(std::string_view rest) {  // after "identity.entity."
  if (rest == "id") {
    return Make(SelectorSource::kEntityId);
  }
  if (rest == "name") {
    return Make(SelectorSource::kEntityName);
  }
  if (rest.size() > 9 && rest.starts_with("metadata.")) {
    return Make(SelectorSource::kEntityMetadata);
  }
  if (rest == "metadata" || rest == "groups.ids" || rest == "groups.names") {
    Selector s = Make(SelectorSource::kUnusable);
    s.problem = fmt::format("identity.entity.{} yields a list or object: it works only in JSON templates "
                            "(e.g. OIDC tokens), never in ACL policy paths", rest);
    return s;
  }
  if (rest.starts_with("aliases.")) {
    return ParseAlias(rest.substr(8));
  }
  return Invalid(fmt::format("unknown entity field \"{}\" (expected id, name, metadata.<key> or aliases.<accessor>.<field>)",
                             rest));
}

Selector ParseGroups(std::string_view rest) {  // after "identity.groups."
  const bool by_id = rest.starts_with("ids.");
  if (!by_id && !rest.starts_with("names.")) {
    return Invalid("a groups selector is identity.groups.ids.<id>.<field> or identity.groups.names.<name>.<field>");
  }
  rest.remove_prefix(by_id ? 4 : 6);
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) {
    return Invalid("a groups selector needs a group and a field, e.g. identity.groups.ids.<id>.name");
  }
  const std::string group(rest.substr(0, dot));
  const std::string_view field = rest.substr(dot + 1);
  Selector s = Make(SelectorSource::kInvalid, group);
  s.group_by_name = !by_id;
  if (field == "id") {
    s.source = SelectorSource::kGroupId;
  } else if (field == "name") {
    s.source = SelectorSource::kGroupName;
  } else if (field.size() > 9 && field.starts_with("metadata.")) {
    s.source = SelectorSource::kGroupMetadata;
  } else {
    s.problem = fmt::format("unknown group field \"{}\" (expected id, name or metadata.<key>)", field);
  }
  return s;
}

Selector ParseTime(std::string_view rest) {  // after "time."
  if (rest == "now") {
    return Make(SelectorSource::kTime);
  }
  for (std::string_view op : {"now.plus.", "now.minus."}) {
    if (rest.starts_with(op)) {
      return IsDuration(rest.substr(op.size())) ? Make(SelectorSource::kTime)
                                                : Invalid(fmt::format("\"{}\" is not a duration",
                                                                      rest.substr(op.size())));
    }
  }
  return Invalid("a time selector is time.now, time.now.plus.<duration> or time.now.minus.<duration>");
}

}  // namespace

Selector ParseSelector(std::string_view text) {
  if (text.starts_with("identity.entity.")) {
    return ParseEntity(text.substr(16));
  }
  if (text.starts_with("identity.groups.")) {
    return ParseGroups(text.substr(16));
  }
  if (text.starts_with("time.")) {
    return ParseTime(text.substr(5));
  }
  return Invalid("selectors start with identity.entity., identity.groups. or time.");
}

std::string RuleOption(const LintContext& ctx, std::string_view id, std::string_view name, std::string_view fallback) {
  auto rule = ctx.config.lint.rules.find(std::string(id));
  if (rule == ctx.config.lint.rules.end()) {
    return std::string(fallback);
  }
  auto option = rule->second.options.find(std::string(name));
  return option == rule->second.options.end() ? std::string(fallback) : option->second;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) {
      comma = text.size();
    }
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      out.emplace_back(item);
    }
    start = comma + 1;
  }
  return out;
}

// ---------------------------------------------------------------- precedence

PatternRank RankOf(const parser::Pattern& p) {
  PatternRank rank;
  std::string_view key = p.key;
  if (p.kind == parser::PatternKind::kPrefix) {
    rank.first_wc = key.size();
    rank.is_prefix = true;
    rank.length = key.size();
    rank.path = key;
    return rank;
  }
  // As Vault: the byte index of the first '+', even one inside a literal segment.
  rank.first_wc = std::min(key.find('+'), key.size());
  if (key.ends_with('*')) {
    rank.is_prefix = true;
    key.remove_suffix(1);
  }
  rank.path = key;
  rank.length = key.size();
  std::size_t start = 0;
  while (start <= key.size()) {
    const std::size_t slash = std::min(key.find('/', start), key.size());
    rank.wildcards += key.substr(start, slash - start) == "+" ? 1 : 0;
    start = slash + 1;
  }
  return rank;
}

bool Outranks(const parser::Pattern& a, const parser::Pattern& b) {
  const PatternRank x = RankOf(a), y = RankOf(b);
  if (x.first_wc != y.first_wc) {
    return x.first_wc > y.first_wc;
  }
  if (x.is_prefix != y.is_prefix) {
    return !x.is_prefix;
  }
  if (x.wildcards != y.wildcards) {
    return x.wildcards < y.wildcards;
  }
  if (x.length != y.length) {
    return x.length > y.length;
  }
  return x.path > y.path;
}

std::string_view OutrankReason(const parser::Pattern& winner, const parser::Pattern& loser) {
  const PatternRank x = RankOf(winner), y = RankOf(loser);
  if (x.first_wc != y.first_wc) {
    return "its first wildcard or glob comes later (priority rule 1)";
  }
  if (x.is_prefix != y.is_prefix) {
    return "it does not end in a glob (priority rule 2)";
  }
  if (x.wildcards != y.wildcards) {
    return "it has fewer '+' segments (priority rule 3)";
  }
  if (x.length != y.length) {
    return "it is longer (priority rule 4)";
  }
  return "it sorts later (priority rule 5)";
}

namespace {

using PositionSet = std::string;  // '1' at each automaton position in the set

PositionSet Start(const Tokens& t) {
  PositionSet set(t.size() + 1, '0');
  std::vector<std::size_t> closed;
  Close(t, 0, closed);
  for (std::size_t i : closed) {
    set[i] = '1';
  }
  return set;
}

// The positions reached from `from` on character `c` (closed), or "" when none.
PositionSet Advance(const Tokens& t, const PositionSet& from, char c) {
  PositionSet to(t.size() + 1, '0');
  bool any = false;
  std::vector<std::size_t> closed;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::size_t next = from[i] == '1' ? Step(t, i, c) : std::string::npos;
    if (next == std::string::npos) {
      continue;
    }
    closed.clear();
    Close(t, next, closed);
    for (std::size_t k : closed) {
      to[k] = '1';
      any = true;
    }
  }
  return any ? to : PositionSet();
}

// The literal characters of both patterns, '/', and one character neither
// mentions: it stands for every other character, which both treat alike.
std::string InclusionAlphabet(const Tokens& a, const Tokens& b) {
  std::set<char> chars = {'/'};
  for (const Tokens* t : {&a, &b}) {
    for (const Token& tok : *t) {
      if (tok.kind == Token::Kind::kChar) {
        chars.insert(tok.c);
      }
    }
  }
  std::string out(chars.begin(), chars.end());
  for (char c : std::string_view("xyzqjkw0123456789")) {
    if (chars.count(c) == 0) {
      out += c;
      return out;
    }
  }
  for (int c = 1; c < 128; ++c) {
    if (chars.count(static_cast<char>(c)) == 0) {
      out += static_cast<char>(c);
      return out;
    }
  }
  return out;
}

}  // namespace

bool Covers(const parser::Pattern& outer, const parser::Pattern& inner) {
  const std::string_view po = LiteralPrefix(outer), pi = LiteralPrefix(inner);
  const std::size_t n = std::min(po.size(), pi.size());
  if (po.substr(0, n) != pi.substr(0, n)) {
    return false;
  }
  const Tokens o = Tokenize(outer), in = Tokenize(inner);
  const std::string alphabet = InclusionAlphabet(o, in);
  // Search the product of both subset automata for a path `inner` accepts and `outer` does not.
  std::set<std::pair<PositionSet, PositionSet>> seen;
  std::deque<std::pair<PositionSet, PositionSet>> queue;
  queue.emplace_back(Start(in), Start(o));
  seen.insert(queue.front());
  while (!queue.empty()) {
    const auto [si, so] = queue.front();
    queue.pop_front();
    if (si.back() == '1' && (so.empty() || so.back() != '1')) {
      return false;
    }
    for (char c : alphabet) {
      PositionSet ni = Advance(in, si, c);
      if (ni.empty()) {
        continue;
      }
      PositionSet no = so.empty() ? PositionSet() : Advance(o, so, c);
      if (seen.emplace(ni, no).second) {
        queue.emplace_back(std::move(ni), std::move(no));
      }
    }
  }
  return true;
}

std::optional<std::string> CommonCanonicalPath(const parser::Pattern& a, const parser::Pattern& b) {
  const std::string_view pa = LiteralPrefix(a), pb = LiteralPrefix(b);
  const std::size_t n = std::min(pa.size(), pb.size());
  if (pa.substr(0, n) != pb.substr(0, n)) {
    return std::nullopt;
  }
  const Tokens ta = Tokenize(a), tb = Tokenize(b);
  const std::string alphabet = Alphabet(ta, tb);
  // State: both position sets and whether the path so far is empty or ends in '/'.
  struct State {
    PositionSet sa, sb;
    bool after_slash = true;
    std::string word;
  };
  std::set<std::tuple<PositionSet, PositionSet, bool>> seen;
  std::deque<State> queue;
  queue.push_back({Start(ta), Start(tb), true, ""});
  seen.emplace(queue.front().sa, queue.front().sb, true);
  while (!queue.empty()) {
    State s = std::move(queue.front());
    queue.pop_front();
    if (s.sa.back() == '1' && s.sb.back() == '1') {
      return s.word;
    }
    for (char c : alphabet) {
      if (c == '/' && s.after_slash) {
        continue;
      }
      PositionSet na = Advance(ta, s.sa, c), nb = na.empty() ? PositionSet() : Advance(tb, s.sb, c);
      if (nb.empty() || !seen.emplace(na, nb, c == '/').second) {
        continue;
      }
      std::string word = s.word;
      word += c;
      queue.push_back({std::move(na), std::move(nb), c == '/', std::move(word)});
    }
  }
  return std::nullopt;
}

RuleIndex::RuleIndex(const evaluator::Acl& acl) {
  for (evaluator::RuleId id = 0; id < acl.rule_count(); ++id) {
    const evaluator::CompiledRule& rule = acl.rule(id);
    if (rule.kind != parser::PatternKind::kExact) {
      by_prefix_[std::string(LiteralPrefix(PatternOf(rule)))].push_back(id);
    }
  }
}

std::vector<evaluator::RuleId> RuleIndex::Enclosing(std::string_view prefix) const {
  std::vector<evaluator::RuleId> out;
  for (std::size_t n = 0; n <= prefix.size(); ++n) {
    if (auto it = by_prefix_.find(prefix.substr(0, n)); it != by_prefix_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
  }
  return out;
}

std::vector<evaluator::RuleId> RuleIndex::Within(std::string_view prefix) const {
  std::vector<evaluator::RuleId> out;
  for (auto it = by_prefix_.lower_bound(prefix); it != by_prefix_.end() && it->first.starts_with(prefix); ++it) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

std::vector<evaluator::RuleId> Dominators(const evaluator::Acl& acl, const RuleIndex& index, evaluator::RuleId rule,
                                          const std::function<bool(const evaluator::CompiledRule&)>& accept) {
  std::vector<evaluator::RuleId> out;
  const parser::Pattern p = PatternOf(acl.rule(rule));
  if (p.kind == parser::PatternKind::kExact) {
    return out;  // an exact rule always decides its own path
  }
  for (evaluator::RuleId other : index.Enclosing(LiteralPrefix(p))) {
    const evaluator::CompiledRule& w = acl.rule(other);
    if (other != rule && Outranks(PatternOf(w), p) && accept(w) && Covers(PatternOf(w), p)) {
      out.push_back(other);
    }
  }
  return out;
}

int Distance(const LintContext& ctx, const evaluator::RuleSource& a, const evaluator::RuleSource& b) {
  if (a.policy == b.policy) {
    return 0;
  }
  const auto dir = [&ctx](const evaluator::RuleSource& s) {
    const std::string& name = ctx.sources.file(s.label_span.file).name();
    const std::size_t slash = name.rfind('/');
    return std::string_view(name).substr(0, slash == std::string::npos ? 0 : slash);
  };
  return dir(a) == dir(b) ? 1 : 2;
}

const evaluator::RuleSource* NearestSource(const LintContext& ctx, const evaluator::CompiledRule& rule,
                                           const evaluator::RuleSource& near) {
  const evaluator::RuleSource* best = nullptr;
  int best_distance = 3;
  for (const evaluator::RuleSource& s : rule.sources) {
    // A deny merged into a key that was already deny is marked ignored but denies all the same.
    const bool accounts = rule.capabilities.is_deny() ? s.capabilities.is_deny() : !s.ignored;
    if (!accounts) {
      continue;
    }
    const int d = Distance(ctx, s, near);
    if (d < best_distance) {
      best = &s;
      best_distance = d;
      if (d == 0) {
        break;
      }
    }
  }
  return best;
}

const evaluator::RuleSource* FirstSource(const evaluator::CompiledRule& rule) {
  for (const evaluator::RuleSource& source : rule.sources) {
    if (!source.ignored) {
      return &source;
    }
  }
  return nullptr;
}

namespace {

// What the set's Acl depends on: dialect, and every file's id, name and text.
std::uint64_t SetFingerprint(const LintContext& ctx) {
  std::uint64_t h = std::hash<int>{}(static_cast<int>(ctx.dialect)) ^ (ctx.files.size() * 0x9E3779B97F4A7C15ull);
  auto mix = [&h](std::uint64_t v) { h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2); };
  for (const parser::PolicyFile& file : ctx.files) {
    const SourceFile& source = ctx.sources.file(file.file);
    mix(file.file);
    mix(std::hash<std::string_view>{}(source.name()));
    mix(std::hash<std::string_view>{}(source.text()));
    mix(std::hash<std::string_view>{}(file.policy.name));
    mix(file.policy.rules.size());
  }
  return h;
}

// The parse results of a run, by identity: a weak pointer expires with its
// syntax tree, so a later run whose trees happen to reuse the addresses never
// matches. Empty when some file has no syntax tree.
std::vector<std::weak_ptr<const parser::ast::File>> Identity(const LintContext& ctx) {
  std::vector<std::weak_ptr<const parser::ast::File>> out;
  out.reserve(ctx.files.size());
  for (const parser::PolicyFile& file : ctx.files) {
    if (!file.syntax) {
      return {};
    }
    out.emplace_back(file.syntax);
  }
  return out;
}

bool SameIdentity(const std::vector<std::weak_ptr<const parser::ast::File>>& cached, const LintContext& ctx) {
  if (cached.empty() || cached.size() != ctx.files.size()) {
    return false;
  }
  for (std::size_t i = 0; i < cached.size(); ++i) {
    if (cached[i].expired() || cached[i].lock() != ctx.files[i].syntax) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::shared_ptr<const SetAcl> WholeSetAcl(const LintContext& ctx) {
  static std::mutex mutex;
  static std::vector<std::weak_ptr<const parser::ast::File>> cached_identity;
  static Dialect cached_dialect = Dialect::kVault;
  static std::uint64_t cached_fingerprint = 0;
  static std::shared_ptr<const SetAcl> cached;
  static bool cached_valid = false;
  const std::lock_guard<std::mutex> lock(mutex);
  // The same parse results (the common case: every cross-policy rule of one
  // run) skip hashing; otherwise the content decides.
  if (cached_valid && cached_dialect == ctx.dialect && SameIdentity(cached_identity, ctx)) {
    return cached;
  }
  const std::uint64_t fingerprint = SetFingerprint(ctx);
  cached_identity = Identity(ctx);
  if (cached_valid && fingerprint == cached_fingerprint) {
    cached_dialect = ctx.dialect;  // part of the fingerprint
    return cached;
  }
  std::vector<const parser::Policy*> policies;
  policies.reserve(ctx.files.size());
  for (const parser::PolicyFile& file : ctx.files) {
    policies.push_back(&file.policy);
  }
  Expected<evaluator::Acl> acl = evaluator::Acl::Build(policies, {.dialect = ctx.dialect});
  cached_fingerprint = fingerprint;
  cached_dialect = ctx.dialect;
  cached_valid = true;
  cached = acl ? std::make_shared<const SetAcl>(SetAcl{*std::move(acl)}) : nullptr;
  return cached;
}

void WriteTargetRule::Check(const parser::PolicyFile& file, const LintContext& /*ctx*/, Reporter& report) const {
  using parser::Capability;
  for (const parser::PathRule& rule : file.policy.rules) {
    const std::string caps = GrantedNames(rule, {Capability::kCreate, Capability::kUpdate, Capability::kPatch});
    if (caps.empty()) {
      continue;
    }
    const std::optional<TargetHit> hit = FirstTarget(rule, targets_);
    if (!hit) {
      continue;
    }
    report.At(rule.label_span, "\"{}\" grants {} on {} (e.g. \"{}\"): {}", rule.label, caps, hit->target->what,
              hit->path, consequence_);
  }
}

}  // namespace polcheck::linter
