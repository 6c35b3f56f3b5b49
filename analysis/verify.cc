// polcheck verify: invariants proven or refuted region by region (verify.h).
#include "analysis/verify.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/diff.h"
#include "analysis/regions.h"
#include "base/markup.h"

namespace polcheck::analysis {
namespace {

using parser::Capability;
using parser::CapabilitySet;

class InvariantReader {
 public:
  InvariantReader(const SourceFile& source, Dialect dialect, DiagnosticSink& sink)
      : source_(source), dialect_(dialect), sink_(sink) {}

  std::vector<Invariant> Read(const YAML::Node& root) {
    std::vector<Invariant> out;
    if (!root.IsSequence()) {
      Error(root, "expected a list of invariants (- name: ..., deny: {...} or allow: {...})");
      return out;
    }
    for (const YAML::Node& item : root) {
      if (std::optional<Invariant> inv = ReadInvariant(item)) {
        out.push_back(*std::move(inv));
      }
    }
    return out;
  }

 private:
  Span SpanOf(const YAML::Node& node) const {
    const auto size = static_cast<std::uint32_t>(source_.text().size());
    const YAML::Mark mark = node.Mark();
    if (mark.pos < 0) {
      return Span{source_.id(), 0, std::min<std::uint32_t>(1, size)};
    }
    const auto begin = std::min(static_cast<std::uint32_t>(mark.pos), size);
    std::uint32_t end = begin + 1;
    if (node.IsScalar()) {
      const bool quoted = begin < size && (source_.text()[begin] == '"' || source_.text()[begin] == '\'');
      end = begin + static_cast<std::uint32_t>(node.Scalar().size()) + (quoted ? 2 : 0);
    }
    return Span{source_.id(), begin, std::min(std::max(end, begin + 1), size)};
  }

  void Error(const YAML::Node& node, std::string message) {
    sink_.Add(Severity::kError, SpanOf(node), "invariants", std::move(message));
  }

  std::optional<std::string> Scalar(const YAML::Node& node, std::string_view what) {
    if (!node.IsScalar()) {
      Error(node, fmt::format("{}: expected a string", what));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<Invariant> ReadInvariant(const YAML::Node& item) {
    if (!item.IsMap()) {
      Error(item, "expected an invariant: a map with `name` and `deny` or `allow`");
      return std::nullopt;
    }
    Invariant inv;
    inv.span = SpanOf(item);
    const YAML::Node* body = nullptr;
    std::vector<YAML::Node> bodies;
    for (const auto& kv : item) {
      const std::string key = kv.first.Scalar();
      if (key == "name") {
        inv.name = Scalar(kv.second, "name").value_or("");
      } else if (key == "deny" || key == "allow") {
        inv.allow = key == "allow";
        bodies.push_back(kv.second);
      } else {
        Error(kv.first, fmt::format("unknown key \"{}\" (expected name, deny or allow)", key));
      }
    }
    if (bodies.size() != 1) {
      Error(item, "an invariant needs exactly one of `deny:` or `allow:`");
      return std::nullopt;
    }
    body = &bodies.front();
    if (inv.name.empty()) {
      Error(item, "an invariant needs a `name`");
    }
    if (!ReadBody(*body, inv)) {
      return std::nullopt;
    }
    return inv;
  }

  bool ReadBody(const YAML::Node& body, Invariant& inv) {
    if (!body.IsMap()) {
      Error(body, "expected { principals: [...], path: \"...\", caps: [...] }");
      return false;
    }
    bool ok = true;
    bool has_principals = false;
    bool has_path = false;
    bool has_caps = false;
    bool has_op = false;
    bool has_params = false;
    for (const auto& kv : body) {
      const std::string key = kv.first.Scalar();
      if (key == "principals") {
        has_principals = true;
        ok &= ReadPrincipals(kv.second, inv);
      } else if (key == "path") {
        has_path = true;
        ok &= ReadPath(kv.second, inv);
      } else if (key == "caps" || key == "capabilities") {
        has_caps = true;
        ok &= ReadCaps(kv.second, inv);
      } else if (key == "op") {
        has_op = true;
        ok &= ReadOp(kv.second, inv);
      } else if (key == "params") {
        has_params = true;
        ok &= ReadParams(kv.second, inv);
      } else {
        Error(kv.first, fmt::format("unknown key \"{}\" (expected principals, path, caps, op, params)", key));
        ok = false;
      }
    }
    if (!has_principals || !has_path || has_caps == has_op) {
      Error(body, "`principals`, `path` and one of `caps` or `op` are required");
      ok = false;
    }
    if (has_params && !has_op) {
      Error(body, "`params` needs `op`: parameters belong to one request");
      ok = false;
    }
    return ok;
  }

  bool ReadOp(const YAML::Node& node, Invariant& inv) {
    std::optional<std::string> name = Scalar(node, "op");
    if (!name) {
      return false;
    }
    inv.op = evaluator::ParseOperation(*name);
    if (!inv.op || !evaluator::RequiredCapability(*inv.op, dialect_)) {
      Error(node, fmt::format("op: unknown operation \"{}\" for {} (expected read, create, update, patch, delete, "
                              "list, ...)",
                              *name, DialectName(dialect_)));
      inv.op.reset();
      return false;
    }
    return true;
  }

  bool ReadParams(const YAML::Node& node, Invariant& inv) {
    if (!node.IsMap()) {
      Error(node, "params: expected a map of parameter names to values");
      return false;
    }
    bool ok = true;
    for (const auto& kv : node) {
      const std::string name = kv.first.Scalar();
      if (kv.second.IsScalar()) {
        inv.params[name] = parser::Value::String(kv.second.Scalar());
      } else if (kv.second.IsSequence()) {
        parser::Value::List items;
        for (const YAML::Node& item : kv.second) {
          std::optional<std::string> v = Scalar(item, "params: " + name);
          ok &= v.has_value();
          items.push_back(parser::Value::String(v.value_or("")));
        }
        inv.params[name] = parser::Value::MakeList(std::move(items));
      } else {
        Error(kv.second, fmt::format("params: {}: expected a string or a list of strings", name));
        ok = false;
      }
    }
    return ok;
  }

  bool ReadPrincipals(const YAML::Node& node, Invariant& inv) {
    if (!node.IsSequence() || node.size() == 0) {
      Error(node, "principals: expected a non-empty list of selectors");
      return false;
    }
    bool ok = true;
    for (const YAML::Node& n : node) {
      std::optional<std::string> text = Scalar(n, "principal selector");
      if (!text) {
        ok = false;
        continue;
      }
      PrincipalSelector sel;
      sel.text = *text;
      sel.negated = text->starts_with("!");
      sel.span = SpanOf(n);
      const std::string_view body = std::string_view(sel.text).substr(sel.negated ? 1 : 0);
      if (!ValidSelector(body)) {
        Error(n, fmt::format("unknown principal selector \"{}\" (expected *, MOUNT/role:NAME, user:MOUNT/NAME, "
                             "token-role:NAME, entity:NAME, group:NAME, github-team:MOUNT/TEAM, "
                             "github-user:MOUNT/LOGIN, or a label auth/... / identity/..., each optionally "
                             "prefixed with !)",
                             sel.text));
        ok = false;
        continue;
      }
      inv.principals.push_back(std::move(sel));
    }
    return ok;
  }

  static bool ValidSelector(std::string_view s) {
    if (s == "*" || s.starts_with("auth/") || s.starts_with("identity/")) {
      return true;
    }
    const std::size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon + 1 == s.size()) {
      return false;
    }
    const std::string_view kind = s.substr(0, colon);
    const std::string_view name = s.substr(colon + 1);
    if (kind == "token-role" || kind == "entity" || kind == "group") {
      return true;
    }
    if (kind == "user" || kind == "github-team" || kind == "github-user") {
      return name.find('/') != std::string_view::npos;
    }
    return kind.ends_with("/role") && kind.size() > 5;
  }

  bool ReadPath(const YAML::Node& node, Invariant& inv) {
    std::optional<std::string> path = Scalar(node, "path");
    if (!path) {
      return false;
    }
    if (path->find("{{") != std::string::npos) {
      Error(node, "path: templated paths are not supported in invariants; name a concrete pattern");
      return false;
    }
    std::optional<parser::Pattern> pattern = parser::NormalizePattern(*path);
    if (!pattern) {
      Error(node, fmt::format("path \"{}\": invalid use of wildcards ('+*' is forbidden)", *path));
      return false;
    }
    inv.path = *path;
    inv.pattern = *pattern;
    return true;
  }

  bool ReadCaps(const YAML::Node& node, Invariant& inv) {
    if (!node.IsSequence() || node.size() == 0) {
      Error(node, "caps: expected a non-empty list of capabilities");
      return false;
    }
    bool ok = true;
    for (const YAML::Node& n : node) {
      std::optional<std::string> name = Scalar(n, "capability");
      if (!name) {
        ok = false;
        continue;
      }
      std::optional<Capability> c = parser::ParseCapability(*name, dialect_);
      if (!c || *c == Capability::kDeny) {
        Error(n, fmt::format("unknown capability \"{}\" for {}", *name, DialectName(dialect_)));
        ok = false;
        continue;
      }
      inv.caps.Add(*c);
    }
    return ok;
  }

  const SourceFile& source_;
  Dialect dialect_;
  DiagnosticSink& sink_;
};

// '*' matches any run of bytes.
bool Glob(std::string_view pattern, std::string_view text) {
  const std::size_t star = pattern.find('*');
  if (star == std::string_view::npos) {
    return pattern == text;
  }
  if (!text.starts_with(pattern.substr(0, star))) {
    return false;
  }
  std::string_view rest = pattern.substr(star + 1);
  for (std::size_t i = star; i <= text.size(); ++i) {
    if (Glob(rest, text.substr(i))) {
      return true;
    }
  }
  return false;
}

bool Selects(std::string_view sel, const Subject& s) {
  if (sel == "*") {
    return true;
  }
  if (sel.starts_with("auth/") || sel.starts_with("identity/")) {
    return Glob(sel, s.label);
  }
  const std::size_t colon = sel.find(':');
  const std::string_view kind = sel.substr(0, colon);
  const std::string_view name = sel.substr(colon + 1);
  if (kind == "token-role") {
    return Glob(fmt::format("auth/token/roles/{}", name), s.label);
  }
  if (kind == "user") {
    const std::size_t slash = name.find('/');
    return Glob(fmt::format("auth/{}/users/{}", name.substr(0, slash), name.substr(slash + 1)), s.label);
  }
  if (kind == "github-team" || kind == "github-user") {
    const std::size_t slash = name.find('/');
    return Glob(fmt::format("auth/{}/map/{}/{}", name.substr(0, slash), kind == "github-team" ? "teams" : "users",
                            name.substr(slash + 1)),
                s.label);
  }
  if (kind == "entity") {
    if (Glob(fmt::format("identity/entity/name/{}", name), s.label)) {
      return true;
    }
    return s.kind == SubjectKind::kLogin && s.identity && s.identity->entity && Glob(name, s.identity->entity->name);
  }
  if (kind == "group") {
    if (Glob(fmt::format("identity/group/name/{}", name), s.label)) {
      return true;
    }
    if (s.kind == SubjectKind::kGroup || !s.identity) {
      return false;
    }
    return std::any_of(s.identity->groups.begin(), s.identity->groups.end(),
                       [&](const evaluator::Group& g) { return Glob(name, g.name); });
  }
  // MOUNT/role:NAME
  const std::string_view mount = kind.substr(0, kind.size() - 5);
  return Glob(fmt::format("auth/{}/role/{}", mount, name), s.label);
}

std::vector<std::string> NamesOf(CapabilitySet caps) {
  std::vector<std::string> out;
  for (std::string_view n : caps.SortedNames()) {
    out.emplace_back(n);
  }
  return out;
}

constexpr std::uint16_t kListingBits = (1u << static_cast<unsigned>(Capability::kList)) |
                                       (1u << static_cast<unsigned>(Capability::kScan));

// The caps of `inv` the principal gets wrong on a path (held under deny, missing under allow).
CapabilitySet Offending(const Invariant& inv, CapabilitySet held, bool ends_with_slash) {
  if (!inv.allow) {
    return CapabilitySet(held.bits() & inv.caps.bits());
  }
  std::uint16_t required = inv.caps.bits();
  if (!ends_with_slash) {
    required &= static_cast<std::uint16_t>(~kListingBits);
  }
  return CapabilitySet(required & ~held.bits());
}

struct AclVerdict {
  std::size_t regions = 0;
  std::optional<Counterexample> counterexample;  // without the principal filled in
};

Expected<AclVerdict> CheckAcl(const Workspace& ws, const evaluator::Acl& acl, const Invariant& inv) {
  std::vector<parser::Pattern> patterns;
  for (evaluator::RuleId id = 0; id < acl.rule_count(); ++id) {
    patterns.push_back({acl.rule(id).key, acl.rule(id).kind});
  }
  const auto query = static_cast<std::uint32_t>(patterns.size());
  patterns.push_back(inv.pattern);
  std::vector<bool> hidden(patterns.size(), false);
  hidden[query] = true;
  Expected<std::vector<Region>> regions = ComputeRegions(patterns, {.focus = {query}});
  if (!regions) {
    return Unexpected(regions.error());
  }
  AclVerdict verdict;
  for (const Region& r : *regions) {
    if (!std::binary_search(r.matches.begin(), r.matches.end(), query)) {
      continue;  // only the trimmed form is under the path
    }
    ++verdict.regions;
    // Prefer a path without the trailing '/': the request people picture.
    if (verdict.counterexample && (r.ends_with_slash || !verdict.counterexample->path.ends_with('/'))) {
      continue;
    }
    const CapabilitySet held = EffectiveCapabilities(acl, r.example);
    std::string refusal;
    CapabilitySet bad;
    if (inv.op) {
      const bool listing = *inv.op == evaluator::Operation::kList || *inv.op == evaluator::Operation::kScan;
      if (listing && !r.ends_with_slash) {
        continue;  // LIST requests always end in '/'
      }
      const evaluator::Result res =
          acl.Check({.path = r.example, .operation = *inv.op, .params = inv.params.empty() ? nullptr : &inv.params});
      if (res.allowed == inv.allow) {
        continue;
      }
      refusal = std::string(evaluator::ReasonCode(res.reason));
    } else {
      bad = Offending(inv, held, r.ends_with_slash);
      if (bad.empty()) {
        continue;
      }
    }
    Counterexample c;
    c.path = r.example;
    c.region = DescribeRegion(r, patterns, hidden);
    c.capabilities = NamesOf(held);
    c.offending = NamesOf(bad);
    c.refusal = std::move(refusal);
    const bool listing = inv.op ? (*inv.op == evaluator::Operation::kList || *inv.op == evaluator::Operation::kScan)
                                : (bad.bits() & ~kListingBits) == 0;
    const evaluator::Result res = acl.Check(
        {.path = r.example, .operation = listing ? evaluator::Operation::kList : evaluator::Operation::kRead});
    c.rule = RuleLocationOf(ws, acl, res.rule);
    verdict.counterexample = std::move(c);
  }
  return verdict;
}

// A counterexample for one of `s`'s logins whose open placeholders make a
// templated rule render under the invariant's path; nullopt when none does.
Expected<std::optional<Counterexample>> ConditionalCounterexample(const Workspace& ws, AclCache& cache,
                                                                  const Subject& s, const Invariant& inv,
                                                                  std::size_t& regions) {
  const bool subtree = inv.pattern.kind != parser::PatternKind::kExact;
  for (const std::vector<Condition>& conditions : CandidateConditions(ws, s, {inv.pattern.key}, subtree)) {
    Expected<const evaluator::Acl*> acl = cache.For(s, conditions);
    if (!acl) {
      return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, acl.error().message));
    }
    Expected<AclVerdict> v = CheckAcl(ws, **acl, inv);
    if (!v) {
      return Unexpected(v.error());
    }
    regions += v->regions;
    if (v->counterexample) {
      Counterexample c = *std::move(v->counterexample);
      c.principal = s.label;
      c.conditions = conditions;
      return std::optional<Counterexample>(std::move(c));
    }
  }
  return std::optional<Counterexample>();
}

std::vector<const Subject*> Select(const std::vector<Subject>& all, const Invariant& inv, DiagnosticSink& sink) {
  std::vector<const Subject*> out;
  bool any_positive = false;
  for (const PrincipalSelector& sel : inv.principals) {
    const std::string_view body = std::string_view(sel.text).substr(sel.negated ? 1 : 0);
    const bool hit = std::any_of(all.begin(), all.end(), [&](const Subject& s) { return Selects(body, s); });
    if (!hit) {
      sink.Add(Severity::kError, sel.span, "invariants",
               fmt::format("principal selector \"{}\" matches no principal of the workspace", sel.text));
    }
    any_positive |= !sel.negated;
  }
  if (!any_positive) {
    sink.Add(Severity::kError, inv.span, "invariants",
             fmt::format("invariant \"{}\": principals has only exclusions; start with \"*\" or a selector", inv.name));
  }
  for (const Subject& s : all) {
    bool in = false;
    bool out_of = false;
    for (const PrincipalSelector& sel : inv.principals) {
      const std::string_view body = std::string_view(sel.text).substr(sel.negated ? 1 : 0);
      if (Selects(body, s)) {
        (sel.negated ? out_of : in) = true;
      }
    }
    if (in && !out_of) {
      out.push_back(&s);
    }
  }
  return out;
}

std::string CounterexampleText(const InvariantResult& r, const Counterexample& c) {
  std::string out = fmt::format("  {}: ", c.principal);
  if (!c.note.empty()) {
    return out + c.note + "\n";
  }
  const std::string offending = fmt::format("{}", fmt::join(c.offending, ", "));
  const std::string held = c.capabilities.empty() ? "none" : fmt::format("{}", fmt::join(c.capabilities, ", "));
  if (!c.refusal.empty()) {
    out += r.allow ? fmt::format("{} {} is refused ({})", r.caps.front(), c.path, c.refusal)
                   : fmt::format("{} {} is allowed", r.caps.front(), c.path);
  } else {
    out += r.allow ? fmt::format("lacks {} on {}", offending, c.path) : fmt::format("holds {} on {}", offending, c.path);
  }
  if (!c.conditions.empty()) {
    out += fmt::format(" for logins where {}", ConditionsText(c.conditions));
  }
  out += fmt::format(" (capabilities there: {}; region {})", held, c.region);
  if (c.rule) {
    out += fmt::format(" [{}:{} \"{}\"]", c.rule->file, c.rule->line, c.rule->pattern);
  }
  return out + "\n";
}

}  // namespace

std::vector<Invariant> LoadInvariants(const SourceFile& source, Dialect dialect, DiagnosticSink& sink) {
  YAML::Node root;
  try {
    root = YAML::Load(source.text());
  } catch (const YAML::Exception& e) {
    const auto size = static_cast<std::uint32_t>(source.text().size());
    const auto at = e.mark.pos < 0 ? 0u : std::min(static_cast<std::uint32_t>(e.mark.pos), size);
    sink.Add(Severity::kError, Span{source.id(), at, std::min(at + 1, size)}, "invariants-syntax",
             fmt::format("invalid YAML/JSON: {}", e.msg));
    return {};
  }
  try {
    return InvariantReader(source, dialect, sink).Read(root);
  } catch (const YAML::Exception& e) {
    sink.Add(Severity::kError, Span{source.id(), 0, 0}, "invariants", fmt::format("unreadable invariants: {}", e.msg));
    return {};
  }
}

bool VerifyResult::all_proven() const {
  return std::all_of(results.begin(), results.end(), [](const InvariantResult& r) { return r.proven; });
}

Expected<VerifyResult> Verify(const Workspace& ws, const std::vector<Invariant>& invariants, DiagnosticSink& sink) {
  const std::vector<Subject> all = AllSubjects(ws);
  AclCache cache(ws);
  VerifyResult out;
  for (const Invariant& inv : invariants) {
    InvariantResult r;
    r.name = inv.name;
    r.allow = inv.allow;
    r.path = inv.path;
    r.caps = inv.op ? std::vector<std::string>{std::string(evaluator::OperationName(*inv.op))} : NamesOf(inv.caps);
    const std::vector<const Subject*> selected = Select(all, inv, sink);
    r.principals = selected.size();
    std::map<const evaluator::Acl*, AclVerdict> verdicts;
    for (const Subject* s : selected) {
      if (!s->login_error.empty() || s->entity_disabled) {
        if (inv.allow) {
          Counterexample c;
          c.principal = s->label;
          c.note = s->entity_disabled ? "the entity is disabled: every request is denied"
                                      : "login refused: " + s->login_error;
          r.counterexamples.push_back(std::move(c));
        }
        continue;
      }
      Expected<const evaluator::Acl*> acl = cache.For(*s);
      if (!acl) {
        return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s->label, acl.error().message));
      }
      auto it = verdicts.find(*acl);
      if (it == verdicts.end()) {
        Expected<AclVerdict> v = CheckAcl(ws, **acl, inv);
        if (!v) {
          return Unexpected(v.error());
        }
        r.regions += v->regions;
        it = verdicts.emplace(*acl, *std::move(v)).first;
      }
      if (it->second.counterexample) {
        Counterexample c = *it->second.counterexample;
        c.principal = s->label;
        r.counterexamples.push_back(std::move(c));
        continue;
      }
      // Some login of a role may hold what the symbolic rendering does not:
      // a deny invariant is refuted by a conditional grant.
      if (inv.allow) {
        continue;
      }
      Expected<std::optional<Counterexample>> bound = ConditionalCounterexample(ws, cache, *s, inv, r.regions);
      if (!bound) {
        return Unexpected(bound.error());
      }
      if (*bound) {
        r.counterexamples.push_back(**std::move(bound));
      }
    }
    r.proven = r.counterexamples.empty();
    out.results.push_back(std::move(r));
  }
  return out;
}

std::string FormatVerifyText(const VerifyResult& result) {
  std::string out;
  std::size_t proven = 0;
  for (const InvariantResult& r : result.results) {
    proven += r.proven ? 1 : 0;
    out += fmt::format("{}  {}  ({} {} on {}; {} {}, {} {})\n", r.proven ? "PROVEN " : "REFUTED", r.name,
                       r.allow ? "allow" : "deny", fmt::join(r.caps, ", "), r.path, r.principals,
                       r.principals == 1 ? "principal" : "principals", r.regions, r.regions == 1 ? "region" : "regions");
    for (const Counterexample& c : r.counterexamples) {
      out += CounterexampleText(r, c);
    }
  }
  out += fmt::format("{} of {} invariants proven\n", proven, result.results.size());
  return out;
}

std::string FormatVerifyJson(const VerifyResult& result) {
  nlohmann::ordered_json invariants = nlohmann::ordered_json::array();
  for (const InvariantResult& r : result.results) {
    nlohmann::ordered_json ces = nlohmann::ordered_json::array();
    for (const Counterexample& c : r.counterexamples) {
      nlohmann::ordered_json rule = nullptr;
      if (c.rule) {
        rule = {{"policy", c.rule->policy}, {"pattern", c.rule->pattern}, {"file", c.rule->file},
                {"line", c.rule->line}};
      }
      ces.push_back({{"principal", c.principal},
                     {"path", c.path},
                     {"region", c.region},
                     {"capabilities", c.capabilities},
                     {"offending", c.offending},
                     {"refusal", c.refusal},
                     {"rule", rule},
                     {"note", c.note}});
      if (!c.conditions.empty()) {
        nlohmann::ordered_json conditions = nlohmann::ordered_json::array();
        for (const Condition& one : c.conditions) {
          conditions.push_back({{"selector", one.selector}, {"value", one.value}});
        }
        ces.back()["conditions"] = std::move(conditions);
      }
    }
    invariants.push_back({{"name", r.name},
                          {"kind", r.allow ? "allow" : "deny"},
                          {"path", r.path},
                          {"caps", r.caps},
                          {"status", r.proven ? "proven" : "refuted"},
                          {"principals", r.principals},
                          {"regions", r.regions},
                          {"counterexamples", ces}});
  }
  return nlohmann::ordered_json{{"all_proven", result.all_proven()}, {"invariants", invariants}}.dump(2) + "\n";
}

std::string FormatVerifyJunit(const VerifyResult& result) {
  std::size_t failures = 0;
  for (const InvariantResult& r : result.results) {
    failures += r.proven ? 0 : 1;
  }
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
      "<testsuite name=\"polcheck verify\" tests=\"{}\" failures=\"{}\">\n",
      result.results.size(), failures);
  for (const InvariantResult& r : result.results) {
    out += fmt::format("  <testcase classname=\"invariants\" name=\"{}\"", EscapeXml(r.name));
    if (r.proven) {
      out += "/>\n";
      continue;
    }
    std::string body;
    for (const Counterexample& c : r.counterexamples) {
      body += CounterexampleText(r, c);
    }
    out += fmt::format(">\n    <failure message=\"{} counterexample(s)\">{}</failure>\n  </testcase>\n",
                       r.counterexamples.size(), EscapeXml(body));
  }
  out += "</testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace polcheck::analysis
