// Templated rules for logins polcheck knows only in part: open placeholders
// rendered as symbolic segments, or bound to the values a request path asks
// for (SEMANTICS.md §7, §9).
#include "analysis/symbolic.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <optional>

namespace polcheck::analysis {
namespace {

struct Piece {
  bool placeholder = false;
  std::string text;  // literal text, or the trimmed selector
};

// The label cut at its {{ }} placeholders (whitespace inside trimmed, §7).
// An unbalanced label is one literal piece (the parser has reported it).
std::vector<Piece> SplitLabel(std::string_view label) {
  std::vector<Piece> out;
  while (true) {
    const std::size_t open = label.find("{{");
    const std::size_t close = open == std::string_view::npos ? open : label.find("}}", open);
    if (close == std::string_view::npos) {
      out.push_back({false, std::string(label)});
      return out;
    }
    out.push_back({false, std::string(label.substr(0, open))});
    std::string_view sel = label.substr(open + 2, close - open - 2);
    while (!sel.empty() && (sel.front() == ' ' || sel.front() == '\t')) {
      sel.remove_prefix(1);
    }
    while (!sel.empty() && (sel.back() == ' ' || sel.back() == '\t')) {
      sel.remove_suffix(1);
    }
    out.push_back({true, std::string(sel)});
    label = label.substr(close + 2);
  }
}

// Calls f(selector) for each {{ selector }} of `label`, trimmed, in order.
template <typename F>
void ForEachPlaceholder(std::string_view label, F&& f) {
  while (true) {
    const std::size_t open = label.find("{{");
    const std::size_t close = open == std::string_view::npos ? open : label.find("}}", open);
    if (close == std::string_view::npos) {
      return;
    }
    std::string_view sel = label.substr(open + 2, close - open - 2);
    while (!sel.empty() && (sel.front() == ' ' || sel.front() == '\t')) {
      sel.remove_prefix(1);
    }
    while (!sel.empty() && (sel.back() == ' ' || sel.back() == '\t')) {
      sel.remove_suffix(1);
    }
    f(sel);
    label = label.substr(close + 2);
  }
}

// The value an open placeholder renders to: its condition, else "<selector>".
std::string OpenValue(std::string_view selector, const std::vector<Condition>& conditions) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& c) { return c.selector == selector; });
  return it != conditions.end() ? it->value : SymbolicSegment(selector);
}

// The namespace prefix the parser put in front of the rule's key ("" or "ns1/").
std::string RuleNamespace(const parser::PathRule& rule) {
  const std::optional<parser::Pattern> bare = parser::NormalizePattern(rule.label, "");
  if (!bare || !rule.pattern.key.ends_with(bare->key)) {
    return {};
  }
  return rule.pattern.key.substr(0, rule.pattern.key.size() - bare->key.size());
}

std::optional<std::string> FromMap(const evaluator::StringMap& map, std::string_view key) {
  auto it = map.find(std::string(key));
  return it == map.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<std::string> NonEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

std::optional<std::string> AliasValue(const evaluator::Entity& entity, std::string_view sel) {
  const std::size_t dot = sel.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view accessor = sel.substr(0, dot);
  const std::string_view field = sel.substr(dot + 1);
  for (const evaluator::Alias& a : entity.aliases) {
    if (a.mount_accessor != accessor) {
      continue;
    }
    if (field == "id") {
      return NonEmpty(a.id);
    }
    if (field == "name") {
      return NonEmpty(a.name);
    }
    if (field.starts_with("metadata.")) {
      return FromMap(a.metadata, field.substr(9));
    }
    if (field.starts_with("custom_metadata.")) {
      return FromMap(a.custom_metadata, field.substr(16));
    }
  }
  return std::nullopt;
}

std::optional<std::string> GroupValue(const std::vector<evaluator::Group>& groups, std::string_view sel,
                                      std::string_view ns) {
  const bool by_id = sel.starts_with("ids.");
  if (!by_id && !sel.starts_with("names.")) {
    return std::nullopt;
  }
  sel.remove_prefix(by_id ? 4 : 6);
  const std::size_t dot = sel.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view key = sel.substr(0, dot);
  const std::string_view field = sel.substr(dot + 1);
  for (const evaluator::Group& g : groups) {
    if (by_id ? g.id != key : (g.name != key || g.namespace_path != ns)) {
      continue;
    }
    if (field == "id") {
      return g.id;
    }
    if (field == "name") {
      return NonEmpty(g.name);
    }
    return field.starts_with("metadata.") ? FromMap(g.metadata, field.substr(9)) : std::nullopt;
  }
  return std::nullopt;
}

// The value the bindings pin for a placeholder that is not open; nullopt when
// it fails (the evaluator then drops the block) or is not an identity selector.
std::optional<std::string> PinnedValue(const Subject& s, std::string_view sel, std::string_view ns) {
  if (!s.identity) {
    return std::nullopt;
  }
  const evaluator::Identity& id = *s.identity;
  if (sel.starts_with("identity.entity.") && id.entity) {
    sel.remove_prefix(16);
    if (sel == "id") {
      return NonEmpty(id.entity->id);
    }
    if (sel == "name") {
      return NonEmpty(id.entity->name);
    }
    if (sel.starts_with("metadata.")) {
      return FromMap(id.entity->metadata, sel.substr(9));
    }
    return sel.starts_with("aliases.") ? AliasValue(*id.entity, sel.substr(8)) : std::nullopt;
  }
  if (sel.starts_with("identity.groups.")) {
    return GroupValue(id.groups, sel.substr(16), ns);
  }
  return std::nullopt;
}

// Which of Vault's reasons a failing identity placeholder fails with, beyond
// what the entity's and groups' presence decide ("alias not found" or "not a
// member of group" against a missing value), so that Acls sharing a key also
// explain their dropped blocks alike.
char FailureClass(const Subject& s, std::string_view sel, std::string_view ns) {
  if (!s.identity) {
    return 'n';
  }
  if (sel.starts_with("identity.entity.aliases.") && s.identity->entity) {
    const std::string_view rest = sel.substr(24);
    const std::string_view accessor = rest.substr(0, rest.find('.'));
    const auto& aliases = s.identity->entity->aliases;
    return std::any_of(aliases.begin(), aliases.end(),
                       [&](const evaluator::Alias& a) { return a.mount_accessor == accessor; })
               ? 'm'
               : 'a';
  }
  if (sel.starts_with("identity.groups.ids.") || sel.starts_with("identity.groups.names.")) {
    const bool by_id = sel.starts_with("identity.groups.ids.");
    const std::string_view rest = sel.substr(by_id ? 20 : 22);
    const std::string_view key = rest.substr(0, rest.find('.'));
    const auto& groups = s.identity->groups;
    return std::any_of(groups.begin(), groups.end(),
                       [&](const evaluator::Group& g) {
                         return by_id ? g.id == key : (g.name == key && g.namespace_path == ns);
                       })
               ? 'm'
               : 'g';
  }
  return 'm';
}

// One rule label as a matcher over request paths: literal bytes, open
// placeholders (variables), '+' segments and a trailing glob.
struct Token {
  enum class Kind : std::uint8_t { kByte, kVar, kSegment, kTail };
  Kind kind = Kind::kByte;
  char byte = 0;
  std::size_t var = 0;
};

struct Var {
  std::string selector;
  const RE2* values = nullptr;  // nullptr: any value
  const std::vector<std::string>* examples = nullptr;
};

// OpenPlaceholder::values compiled once per thread (who-can and matrix ask
// every role about every path).
const RE2* Compiled(const std::string& pattern) {
  if (pattern.empty()) {
    return nullptr;
  }
  thread_local std::map<std::string, std::unique_ptr<RE2>> cache;
  std::unique_ptr<RE2>& re = cache[pattern];
  if (re == nullptr) {
    re = std::make_unique<RE2>(pattern);
  }
  return re.get();
}

class Matcher {
 public:
  Matcher(const std::vector<Token>& tokens, const std::vector<Var>& vars, bool slashes, bool prefix)
      : tokens_(tokens), vars_(vars), slashes_(slashes), prefix_(prefix), bound_(vars.size()) {}

  // The variables' values under which the rule matches `input` (with
  // `prefix`: some path starting with `input`); nullopt when none do.
  std::optional<std::vector<Condition>> Match(std::string_view input) {
    input_ = input;
    std::fill(bound_.begin(), bound_.end(), std::nullopt);
    if (!Run(0, 0)) {
      return std::nullopt;
    }
    std::vector<Condition> out;
    for (std::size_t v = 0; v < vars_.size(); ++v) {
      if (bound_[v]) {
        out.push_back({vars_[v].selector, *bound_[v]});
      }
    }
    return out;
  }

 private:
  bool Run(std::size_t t, std::size_t j) {
    if (t == tokens_.size()) {
      return j == input_.size();
    }
    if (prefix_ && j == input_.size()) {
      return true;  // the path goes on as the rule wants; unbound variables stay symbolic
    }
    const Token& tok = tokens_[t];
    switch (tok.kind) {
      case Token::Kind::kByte:
        return j < input_.size() && input_[j] == tok.byte && Run(t + 1, j + 1);
      case Token::Kind::kTail:
        return true;
      case Token::Kind::kSegment:
        for (std::size_t k = j;; ++k) {
          if (Run(t + 1, k)) {
            return true;
          }
          if (k == input_.size() || input_[k] == '/') {
            return false;
          }
        }
      case Token::Kind::kVar:
        return RunVar(t, j);
    }
    return false;
  }

  bool RunVar(std::size_t t, std::size_t j) {
    const std::size_t v = tokens_[t].var;
    if (bound_[v]) {
      const std::string& val = *bound_[v];
      const std::string_view rest = input_.substr(j);
      if (prefix_ && rest.size() < val.size()) {
        return std::string_view(val).starts_with(rest);
      }
      return rest.starts_with(val) && Run(t + 1, j + val.size());
    }
    for (std::size_t k = j + 1; k <= input_.size(); ++k) {
      const char c = input_[k - 1];
      if (c == '+' || c == '*' || (c == '/' && (!slashes_ || k - 1 == j))) {
        return false;  // Vault rejects such values (§7); a value never starts with '/'
      }
      if (c == '/') {
        continue;  // nor ends with one
      }
      const std::string_view value = input_.substr(j, k - j);
      for (const std::string& full : Values(v, value, prefix_ && k == input_.size())) {
        bound_[v] = full;
        if (Run(t + 1, k)) {
          return true;
        }
      }
      bound_[v].reset();
    }
    return false;
  }

  // The values of variable `v` that read `text` here: `text` itself, and when
  // the path ends inside the value (`cut`), values going on past it.
  std::vector<std::string> Values(std::size_t v, std::string_view text, bool cut) const {
    std::vector<std::string> tries = {std::string(text)};
    if (cut) {
      tries.push_back(std::string(text) + "x");
      tries.push_back(std::string(text) + "0");
      for (const std::string& e : *vars_[v].examples) {
        if (e.size() > text.size() && std::string_view(e).starts_with(text)) {
          tries.push_back(e);
        }
      }
    }
    std::vector<std::string> out;
    for (std::string& value : tries) {
      const bool clean = value.find_first_of("+*") == std::string::npos && value.back() != '/' &&
                         (slashes_ || value.find('/') == std::string::npos);
      if (clean && (vars_[v].values == nullptr || RE2::FullMatch(value, *vars_[v].values))) {
        out.push_back(std::move(value));
        if (!cut) {
          break;
        }
      }
    }
    return out;
  }

  const std::vector<Token>& tokens_;
  const std::vector<Var>& vars_;
  bool slashes_;
  bool prefix_;
  std::string_view input_;
  std::vector<std::optional<std::string>> bound_;
};

// Tokens of a normalised key whose open placeholders are the bytes 1..31.
std::vector<Token> Tokenize(const parser::Pattern& pattern) {
  std::vector<Token> out;
  auto bytes = [&](std::string_view text) {
    for (char c : text) {
      if (c >= 1 && c < 32) {
        out.push_back({Token::Kind::kVar, 0, static_cast<std::size_t>(c - 1)});
      } else {
        out.push_back({Token::Kind::kByte, c, 0});
      }
    }
  };
  switch (pattern.kind) {
    case parser::PatternKind::kExact:
      bytes(pattern.key);
      return out;
    case parser::PatternKind::kPrefix:
      bytes(pattern.key);
      out.push_back({Token::Kind::kTail, 0, 0});
      return out;
    case parser::PatternKind::kSegment:
      break;
  }
  std::string_view key = pattern.key;
  const bool tail = key.ends_with('*');
  if (tail) {
    key.remove_suffix(1);
  }
  while (true) {
    const std::size_t slash = key.find('/');
    const std::string_view segment = key.substr(0, slash);
    if (segment == "+") {
      out.push_back({Token::Kind::kSegment, 0, 0});
    } else {
      bytes(segment);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    out.push_back({Token::Kind::kByte, '/', 0});
    key.remove_prefix(slash + 1);
  }
  if (tail) {
    out.push_back({Token::Kind::kTail, 0, 0});
  }
  return out;
}

// Can `rule` match one of `paths` at all? Its normalised key up to the first
// placeholder or '+' is a fixed prefix of every path it matches; most rules
// fail here, before any allocation.
bool MayMatch(const parser::PathRule& rule, const std::vector<std::string>& paths, bool prefixes) {
  std::string_view fixed = rule.pattern.key;
  fixed = fixed.substr(0, std::min(fixed.find("{{"), fixed.find('+')));
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& path) {
    return path.starts_with(fixed) || (prefixes && fixed.starts_with(path));
  });
}

// Adds the bindings of one templated rule for `paths` to `out`.
void RuleCandidates(const Subject& s, const parser::PathRule& rule, const std::vector<std::string>& paths,
                    bool prefixes, bool slashes, std::vector<std::vector<Condition>>& out) {
  if (!MayMatch(rule, paths, prefixes)) {
    return;
  }
  const std::string ns = RuleNamespace(rule);
  std::vector<Var> vars;
  std::string marked;
  for (const Piece& p : SplitLabel(rule.label)) {
    if (!p.placeholder) {
      marked += p.text;
      continue;
    }
    if (const OpenPlaceholder* open = FindOpen(s, p.text)) {
      auto it = std::find_if(vars.begin(), vars.end(), [&](const Var& v) { return v.selector == p.text; });
      if (it == vars.end()) {
        if (vars.size() == 31) {
          return;
        }
        vars.push_back({p.text, Compiled(open->values), &open->examples});
        it = vars.end() - 1;
      }
      marked += static_cast<char>(1 + (it - vars.begin()));
      continue;
    }
    std::optional<std::string> pinned = PinnedValue(s, p.text, ns);
    if (!pinned) {
      return;  // fails for every login: the evaluator drops the block
    }
    marked += *pinned;
  }
  const std::optional<parser::Pattern> pattern = parser::NormalizePattern(marked, ns);
  if (vars.empty() || !pattern) {
    return;
  }
  const std::vector<Token> tokens = Tokenize(*pattern);
  Matcher matcher(tokens, vars, slashes, prefixes);
  for (const std::string& path : paths) {
    for (std::string_view form :
         {std::string_view(path), std::string_view(path).substr(0, path.size() - 1)}) {
      std::optional<std::vector<Condition>> got = matcher.Match(form);
      if (got && !got->empty()) {
        std::sort(got->begin(), got->end(),
                  [](const Condition& a, const Condition& b) { return a.selector < b.selector; });
        out.push_back(*std::move(got));
      }
      if (path.empty() || path.back() != '/') {
        break;
      }
    }
  }
}

bool SameConditions(const std::vector<Condition>& a, const std::vector<Condition>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Condition& x, const Condition& y) {
    return x.selector == y.selector && x.value == y.value;
  });
}

// The union of every candidate, when no two give one placeholder different values.
std::optional<std::vector<Condition>> Union(const std::vector<std::vector<Condition>>& all) {
  std::map<std::string, std::string> merged;
  for (const std::vector<Condition>& c : all) {
    for (const Condition& one : c) {
      auto [it, fresh] = merged.emplace(one.selector, one.value);
      if (!fresh && it->second != one.value) {
        return std::nullopt;
      }
    }
  }
  std::vector<Condition> out;
  for (const auto& [sel, value] : merged) {
    out.push_back({sel, value});
  }
  return out;
}

}  // namespace

const OpenPlaceholder* FindOpen(const Subject& s, std::string_view selector) {
  for (const OpenPlaceholder& o : s.open_placeholders) {
    if (!o.selector.ends_with('.')) {
      if (selector == o.selector) {
        return &o;
      }
      continue;
    }
    // Any key under the prefix, except those the bindings pin (approle's role_name).
    if (selector.starts_with(o.selector) && selector.size() > o.selector.size() &&
        !PinnedValue(s, selector, "")) {
      return &o;
    }
  }
  return nullptr;
}

std::vector<std::string> OpenPlaceholderNotes(const Workspace& ws, const Subject& s) {
  std::vector<std::string> used;
  for (const std::string& name : s.policies) {
    const parser::Policy* p = ws.FindPolicy(name);
    if (p == nullptr || !p->templated) {
      continue;
    }
    for (const parser::PathRule& rule : p->rules) {
      for (const Piece& piece : SplitLabel(rule.label)) {
        if (piece.placeholder && FindOpen(s, piece.text) != nullptr &&
            std::find(used.begin(), used.end(), piece.text) == used.end()) {
          used.push_back(piece.text);
        }
      }
    }
  }
  std::vector<std::string> out;
  for (const std::string& sel : used) {
    out.push_back(
        fmt::format("templated rules: {{{{{}}}}} differs per login ({})", sel, FindOpen(s, sel)->source));
  }
  return out;
}

std::string SymbolicSegment(std::string_view selector) {
  std::string out = "<";
  for (char c : selector) {
    out += c == '/' || c == '+' || c == '*' ? '_' : c;
  }
  return out + ">";
}

namespace {

// `p` with the open placeholders of `s` rendered; nullptr when none occurs.
std::unique_ptr<parser::Policy> RenderPolicy(const parser::Policy& p, const Subject& s,
                                             const std::vector<Condition>& conditions) {
  auto copy = std::make_unique<parser::Policy>(p);
  bool changed = false;
  for (parser::PathRule& rule : copy->rules) {
    if (!rule.templated) {
      continue;
    }
    std::string label;
    bool open = false;
    bool remaining = false;
    for (const Piece& piece : SplitLabel(rule.label)) {
      if (!piece.placeholder) {
        label += piece.text;
      } else if (FindOpen(s, piece.text) != nullptr) {
        open = true;
        label += OpenValue(piece.text, conditions);
      } else {
        remaining = true;
        label += "{{" + piece.text + "}}";
      }
    }
    if (!open) {
      continue;
    }
    changed = true;
    const std::string ns = RuleNamespace(rule);
    std::optional<parser::Pattern> pattern = parser::NormalizePattern(label, ns);
    if (!remaining && pattern) {
      rule.pattern = *std::move(pattern);  // the label stays as written, for locations
      rule.templated = false;
      continue;
    }
    // Pinned placeholders left (or "+*", which the evaluator then refuses as Vault does).
    if (pattern) {
      rule.pattern = *std::move(pattern);
    }
    rule.label = std::move(label);
  }
  if (!changed) {
    return nullptr;
  }
  copy->templated = std::any_of(copy->rules.begin(), copy->rules.end(),
                                [](const parser::PathRule& r) { return r.templated; });
  return copy;
}

// What RenderPolicy's result depends on: the policy and its open placeholders' values.
std::string RenderKey(const parser::Policy& p, const Subject& s, const std::vector<Condition>& conditions) {
  std::string key = p.name;
  for (const parser::PathRule& rule : p.rules) {
    if (rule.templated) {
      ForEachPlaceholder(rule.label, [&](std::string_view sel) {
        key += '\x01';
        if (FindOpen(s, sel) != nullptr) {
          key += OpenValue(sel, conditions);
        }
      });
    }
  }
  return key;
}

}  // namespace

RenderedPolicies RenderPolicies(const Workspace& ws, const Subject& s,
                                const std::vector<Condition>& conditions, RenderCache* cache) {
  RenderedPolicies out;
  for (const std::string& name : s.policies) {
    const parser::Policy* p = ws.FindPolicy(name);
    if (p == nullptr) {
      continue;
    }
    if (!p->templated || s.open_placeholders.empty()) {
      out.list.push_back(p);
      continue;
    }
    std::unique_ptr<parser::Policy> fresh;
    std::unique_ptr<parser::Policy>* slot = &fresh;
    if (cache != nullptr) {
      auto [it, added] = cache->try_emplace(RenderKey(*p, s, conditions));
      slot = &it->second;
      if (!added) {
        out.changed |= *slot != nullptr;
        out.list.push_back(*slot != nullptr ? slot->get() : p);
        continue;
      }
    }
    *slot = RenderPolicy(*p, s, conditions);
    if (*slot == nullptr) {
      out.list.push_back(p);
      continue;
    }
    out.changed = true;
    out.list.push_back(slot->get());
    if (cache == nullptr) {
      out.owned.push_back(std::move(fresh));
    }
  }
  return out;
}

std::optional<std::string> AclKey(const Workspace& ws, const Subject& s,
                                  const std::vector<Condition>& conditions) {
  std::string key = s.root ? "<root>|" : "|";
  if (s.identity) {
    key += s.identity->entity ? "E" : "e";
    key += s.identity->groups.empty() ? "g|" : "G|";
  }
  for (const std::string& name : s.policies) {
    const parser::Policy* p = ws.FindPolicy(name);
    if (p == nullptr) {
      continue;
    }
    key += name + ",";
    if (!p->templated) {
      continue;
    }
    for (const parser::PathRule& rule : p->rules) {
      if (!rule.templated) {
        continue;
      }
      std::optional<std::string> ns;  // computed once, when a group selector needs it
      bool keyable = true;
      ForEachPlaceholder(rule.label, [&](std::string_view sel) {
        key += '\x01';
        if (FindOpen(s, sel) != nullptr) {
          key += OpenValue(sel, conditions);
          return;
        }
        if (!sel.starts_with("identity.")) {
          keyable = false;
          return;
        }
        if (!ns) {
          ns = RuleNamespace(rule);
        }
        if (std::optional<std::string> v = PinnedValue(s, sel, *ns)) {
          key += *v;
        } else {
          key += '\x02';  // fails: the block is dropped, for the reason FailureClass tells apart
          key += FailureClass(s, sel, *ns);
        }
      });
      if (!keyable) {
        return std::nullopt;
      }
    }
  }
  return key;
}

std::vector<std::vector<Condition>> CandidateConditions(const Workspace& ws, const Subject& subject,
                                                        const std::vector<std::string>& paths,
                                                        bool prefixes) {
  std::vector<std::vector<Condition>> found;
  if (subject.open_placeholders.empty()) {
    return found;
  }
  // Vault lets a value contain '/' unless deny_slash_in_templated_paths; OpenBao refuses it (§7).
  const bool slashes = ws.dialect != Dialect::kOpenBao;
  for (const std::string& name : subject.policies) {
    const parser::Policy* p = ws.FindPolicy(name);
    if (p == nullptr || !p->templated) {
      continue;
    }
    for (const parser::PathRule& rule : p->rules) {
      if (rule.templated) {
        RuleCandidates(subject, rule, paths, prefixes, slashes, found);
      }
    }
  }
  std::vector<std::vector<Condition>> out;
  for (std::vector<Condition>& c : found) {
    if (std::none_of(out.begin(), out.end(),
                     [&](const std::vector<Condition>& o) { return SameConditions(o, c); })) {
      out.push_back(std::move(c));
    }
  }
  if (out.size() > 1) {
    std::optional<std::vector<Condition>> all = Union(out);
    if (all && std::none_of(out.begin(), out.end(),
                            [&](const std::vector<Condition>& o) { return SameConditions(o, *all); })) {
      out.push_back(*std::move(all));
    }
  }
  return out;
}

std::string ConditionsText(const std::vector<Condition>& conditions) {
  std::string out;
  for (const Condition& c : conditions) {
    out += fmt::format("{}{} = {}", out.empty() ? "" : " and ", c.selector, c.value);
  }
  return out;
}

}  // namespace polcheck::analysis
