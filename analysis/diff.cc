// polcheck diff: principals and policies of two workspaces compared region by
// region (analysis/diff.h). Formatters live in diff_format.cc.
#include "analysis/diff.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "analysis/symbolic.h"

namespace polcheck::analysis {
namespace {

using evaluator::Acl;
using evaluator::Operation;
using parser::Capability;
using parser::CapabilitySet;
using parser::Pattern;
using parser::PatternKind;

// Regions a gained write makes risky, and what to call them (SEMANTICS.md §5, §9).
struct Probe {
  Pattern pattern;
  std::string_view risk;
};
const std::vector<Probe>& Probes() {
  static const std::vector<Probe> probes = {
      {{"sys/auth", PatternKind::kPrefix}, "writes to sys/auth (auth methods)"},
      {{"sys/policy", PatternKind::kPrefix}, "writes to sys/policy (policies)"},
      {{"sys/policies", PatternKind::kPrefix}, "writes to sys/policies (policies)"},
      {{"identity/", PatternKind::kPrefix}, "writes to identity/ (entities, groups)"},
      {{"auth/+/role*", PatternKind::kSegment}, "writes to auth/*/role (role bindings)"},
      {{"auth/token/", PatternKind::kPrefix}, "writes to auth/token/ (tokens, token roles)"},
  };
  return probes;
}

std::string PatternKey(const Pattern& p) {
  return fmt::format("{}:{}", static_cast<int>(p.kind), p.key);
}

std::string OptionalMapText(const std::optional<parser::ParameterMap>& map) {
  if (!map) {
    return "unset";
  }
  std::string out = "{";
  for (const auto& [key, values] : *map) {
    out += fmt::format("{}{}=[", out.size() > 1 ? ", " : "", key);
    for (std::size_t i = 0; i < values.size(); ++i) {
      out += (i == 0 ? "" : ", ") + values[i].ToString();
    }
    out += "]";
  }
  return out + "}";
}

std::string TtlText(std::int64_t seconds) {
  return seconds == 0 ? "unset" : fmt::format("{}s", seconds);
}

std::string ListText(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += (i == 0 ? "" : ", ") + v[i];
  }
  return out + "]";
}

// Everything of a compiled rule that decides a request (not where it came from).
bool SameContent(const evaluator::CompiledRule& a, const evaluator::CompiledRule& b) {
  return a.capabilities == b.capabilities && a.min_wrapping_ttl == b.min_wrapping_ttl &&
         a.max_wrapping_ttl == b.max_wrapping_ttl && a.allowed_parameters == b.allowed_parameters &&
         a.denied_parameters == b.denied_parameters && a.required_parameters == b.required_parameters &&
         a.pagination_limit == b.pagination_limit && a.mfa_methods == b.mfa_methods &&
         a.has_control_group == b.has_control_group &&
         a.list_scan_response_keys_filter_path == b.list_scan_response_keys_filter_path;
}

std::vector<std::string> ConstraintChanges(const evaluator::CompiledRule& a, const evaluator::CompiledRule& b) {
  std::vector<std::string> out;
  auto add = [&](std::string_view what, const std::string& x, const std::string& y) {
    if (x != y) {
      out.push_back(fmt::format("{}: {} -> {}", what, x, y));
    }
  };
  add("allowed_parameters", OptionalMapText(a.allowed_parameters), OptionalMapText(b.allowed_parameters));
  add("denied_parameters", OptionalMapText(a.denied_parameters), OptionalMapText(b.denied_parameters));
  add("required_parameters", ListText(a.required_parameters), ListText(b.required_parameters));
  add("min_wrapping_ttl", TtlText(a.min_wrapping_ttl), TtlText(b.min_wrapping_ttl));
  add("max_wrapping_ttl", TtlText(a.max_wrapping_ttl), TtlText(b.max_wrapping_ttl));
  add("mfa_methods", ListText(a.mfa_methods), ListText(b.mfa_methods));
  add("control_group", a.has_control_group ? "set" : "unset", b.has_control_group ? "set" : "unset");
  add("pagination_limit", a.pagination_limit ? std::to_string(*a.pagination_limit) : "unset",
      b.pagination_limit ? std::to_string(*b.pagination_limit) : "unset");
  return out;
}

// One side of a comparison: an Acl and the workspace its sources belong to.
struct Side {
  const Workspace* ws = nullptr;
  const Acl* acl = nullptr;
};

// What one Acl grants on one path (see diff.h).
struct Access {
  CapabilitySet caps;
  evaluator::RuleId rule = evaluator::kNoRule;       // full-path lookup
  evaluator::RuleId list_rule = evaluator::kNoRule;  // LIST lookup (path ends in '/')
};

Access Evaluate(const Acl& acl, std::string_view path) {
  Access a;
  const evaluator::Result full = acl.Check({.path = path, .operation = Operation::kRead});
  if (full.is_root) {
    a.caps = CapabilitySet(static_cast<std::uint16_t>(~1u & ((1u << parser::kCapabilityCount) - 1)));
    return a;
  }
  a.rule = full.rule;
  std::uint16_t bits = full.capabilities.is_deny() ? 0 : full.capabilities.bits();
  bits &= static_cast<std::uint16_t>(~((1u << static_cast<unsigned>(Capability::kList)) |
                                       (1u << static_cast<unsigned>(Capability::kScan))));
  a.caps = CapabilitySet(bits);
  if (!path.ends_with('/')) {
    return a;
  }
  const evaluator::Result list = acl.Check({.path = path, .operation = Operation::kList});
  a.list_rule = list.rule;
  if (list.capabilities.Has(Capability::kList) && !list.capabilities.is_deny()) {
    a.caps.Add(Capability::kList);
  }
  if (acl.dialect() == Dialect::kOpenBao) {
    const evaluator::Result scan = acl.Check({.path = path, .operation = Operation::kScan});
    if (scan.capabilities.Has(Capability::kScan) && !scan.capabilities.is_deny()) {
      a.caps.Add(Capability::kScan);
    }
  }
  return a;
}

std::optional<RuleLocation> Where(const Side& side, evaluator::RuleId id) {
  return side.ws == nullptr ? std::nullopt : RuleLocationOf(*side.ws, *side.acl, id);
}

bool IsRootGlob(const evaluator::CompiledRule& rule) {
  return (rule.kind == PatternKind::kPrefix && rule.key.empty()) ||
         (rule.kind == PatternKind::kSegment && (rule.key == "+" || rule.key.starts_with("+/")));
}

std::vector<std::string> Risks(const RegionChange& c, const std::vector<std::uint32_t>& probes_hit,
                               const Side& head, evaluator::RuleId head_rule) {
  std::vector<std::string> risks;
  const CapabilitySet g = c.gained();
  if (g.empty()) {
    return risks;
  }
  if (g.Has(Capability::kSudo)) {
    risks.emplace_back("sudo gained");
  }
  if (g.Has(Capability::kDelete)) {
    risks.emplace_back("delete gained");
  }
  if (g.Has(Capability::kCreate) || g.Has(Capability::kUpdate) || g.Has(Capability::kPatch)) {
    for (std::uint32_t p : probes_hit) {
      risks.emplace_back(Probes()[p].risk);
    }
  }
  if (head_rule != evaluator::kNoRule && IsRootGlob(head.acl->rule(head_rule))) {
    risks.emplace_back(fmt::format("granted by the root glob \"{}\"", head.acl->rule(head_rule).pattern()));
  }
  return risks;
}

struct Comparison {
  std::vector<RegionChange> changes;
  std::size_t regions = 0;
  // Some compiled rule differs. The Acls may still answer alike everywhere,
  // yet combined with other policies the difference can show.
  bool rules_differ = false;
};

// Region-by-region comparison of two Acls: exact (analysis/regions.h).
Expected<Comparison> Compare(const Side& base, const Side& head) {
  std::vector<Pattern> patterns;
  std::map<std::string, std::uint32_t> index;
  auto add = [&](const Pattern& p) {
    auto [it, inserted] = index.try_emplace(PatternKey(p), static_cast<std::uint32_t>(patterns.size()));
    if (inserted) {
      patterns.push_back(p);
    }
    return it->second;
  };
  std::vector<std::uint32_t> focus;
  for (const Side* side : {&base, &head}) {
    const Side* other = side == &base ? &head : &base;
    for (evaluator::RuleId id = 0; id < side->acl->rule_count(); ++id) {
      const evaluator::CompiledRule& r = side->acl->rule(id);
      const std::uint32_t i = add(Pattern{r.key, r.kind});
      const std::optional<evaluator::RuleId> twin = other->acl->FindRule(r.key, r.kind);
      if (!twin || !SameContent(r, other->acl->rule(*twin))) {
        focus.push_back(i);
      }
    }
  }
  Comparison out;
  out.rules_differ = !focus.empty();
  if (focus.empty()) {
    return out;
  }
  const std::size_t first_probe = patterns.size();
  std::vector<bool> hidden(patterns.size(), false);
  for (const Probe& probe : Probes()) {
    patterns.push_back(probe.pattern);
    hidden.push_back(true);
  }
  Expected<std::vector<Region>> regions = ComputeRegions(patterns, {.focus = focus});
  if (!regions) {
    return Unexpected(regions.error());
  }
  out.regions = regions->size();
  for (const Region& region : *regions) {
    const Access a = Evaluate(*base.acl, region.example);
    const Access b = Evaluate(*head.acl, region.example);
    RegionChange c;
    c.before = a.caps;
    c.after = b.caps;
    const bool both = (a.caps.bits() & b.caps.bits()) != 0;
    if (both && a.rule != evaluator::kNoRule && b.rule != evaluator::kNoRule) {
      c.constraint_changes = ConstraintChanges(base.acl->rule(a.rule), head.acl->rule(b.rule));
    }
    if (a.caps == b.caps && c.constraint_changes.empty()) {
      continue;
    }
    c.description = DescribeRegion(region, patterns, hidden, true);
    c.core = DescribeRegion(region, patterns, hidden, false);
    c.example = region.example;
    c.ends_with_slash = region.ends_with_slash;
    c.canonical = region.canonical;
    std::vector<std::uint32_t> probes_hit;
    for (std::uint32_t m : region.matches) {
      if (m >= first_probe) {
        probes_hit.push_back(m - static_cast<std::uint32_t>(first_probe));
        c.within.push_back(PatternText(patterns[m]));
      } else {
        c.matches.push_back(PatternText(patterns[m]));
      }
    }
    for (std::uint32_t m : region.trimmed_matches) {
      if (m < first_probe) {
        c.trimmed_matches.push_back(PatternText(patterns[m]));
      }
    }
    const bool list_only = (c.gained().bits() | c.lost().bits()) == (1u << static_cast<unsigned>(Capability::kList));
    c.before_rule = Where(base, list_only ? a.list_rule : a.rule);
    c.after_rule = Where(head, list_only ? b.list_rule : b.rule);
    c.risks = Risks(c, probes_hit, head, b.rule);
    out.changes.push_back(std::move(c));
  }
  return out;
}

// "{{ identity.entity.name }}" -> "<identity.entity.name>": a segment no
// literal pattern uses, so a templated rule becomes an ordinary one whose
// placeholder stands for whatever value the identity supplies.
std::string SymbolicLabel(std::string_view label) {
  std::string out;
  while (true) {
    const std::size_t open = label.find("{{");
    if (open == std::string_view::npos) {
      out += label;
      return out;
    }
    const std::size_t close = label.find("}}", open);
    if (close == std::string_view::npos) {
      out += label;
      return out;
    }
    out += label.substr(0, open);
    std::string_view sel = label.substr(open + 2, close - open - 2);
    while (!sel.empty() && sel.front() == ' ') {
      sel.remove_prefix(1);
    }
    while (!sel.empty() && sel.back() == ' ') {
      sel.remove_suffix(1);
    }
    out += "<";
    out += sel;
    out += ">";
    label = label.substr(close + 2);
  }
}

parser::Policy SymbolicPolicy(const parser::Policy& policy) {
  parser::Policy out = policy;
  out.templated = false;
  for (parser::PathRule& rule : out.rules) {
    if (!rule.templated) {
      continue;
    }
    std::string ns;
    if (std::optional<Pattern> bare = parser::NormalizePattern(rule.label, "");
        bare && rule.pattern.key.ends_with(bare->key)) {
      ns = rule.pattern.key.substr(0, rule.pattern.key.size() - bare->key.size());
    }
    if (std::optional<Pattern> p = parser::NormalizePattern(SymbolicLabel(rule.label), ns)) {
      rule.pattern = *p;
    }
    rule.templated = false;
  }
  return out;
}

// Compiled Acls of one workspace, shared by every principal with the same
// policy set (and, for templated policies, the same identity).
class AclStore {
 public:
  explicit AclStore(const Workspace& ws) : ws_(ws) {
    Expected<Acl> empty = Acl::Build({}, {.dialect = ws.dialect});
    empty_ = std::make_unique<Acl>(*std::move(empty));
  }

  const Acl& empty() const { return *empty_; }

  // The key under which `s`'s Acl is shared; "" for subjects that get nothing.
  std::string KeyFor(const Subject& s) const {
    if (!s.login_error.empty() || s.entity_disabled) {
      return "<none>";
    }
    // Principals whose policies render alike share one Acl (and one comparison).
    if (std::optional<std::string> key = AclKey(ws_, s, {})) {
      return *key;
    }
    return "<own>|" + s.label;
  }

  Expected<const Acl*> For(const Subject& s) {
    const std::string key = KeyFor(s);
    if (key == "<none>") {
      return empty_.get();
    }
    if (auto it = acls_.find(key); it != acls_.end()) {
      return it->second.get();
    }
    // Open placeholders render as "<selector>" segments: a region under one
    // stands for the logins that give the placeholder a value there.
    const RenderedPolicies policies = RenderPolicies(ws_, s, {}, &rendered_);
    evaluator::AclOptions options;
    options.dialect = ws_.dialect;
    options.identity = s.identity ? &*s.identity : nullptr;
    options.root = s.root;
    Expected<Acl> acl = Acl::Build(policies.list, options);
    if (!acl) {
      return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, acl.error().message));
    }
    auto owned = std::make_unique<Acl>(*std::move(acl));
    const Acl* out = owned.get();
    acls_.emplace(key, std::move(owned));
    return out;
  }

 private:
  const Workspace& ws_;
  std::unique_ptr<Acl> empty_;
  std::map<std::string, std::unique_ptr<Acl>> acls_;
  RenderCache rendered_;
};

// One policy alone, rendered symbolically.
Expected<std::unique_ptr<Acl>> PolicyAcl(const Workspace& ws, const parser::Policy* policy) {
  std::vector<const parser::Policy*> list;
  parser::Policy symbolic;
  if (policy != nullptr) {
    symbolic = SymbolicPolicy(*policy);
    list.push_back(&symbolic);
  }
  Expected<Acl> acl = Acl::Build(list, {.dialect = ws.dialect});
  if (!acl) {
    return Unexpected(acl.error());
  }
  return std::make_unique<Acl>(*std::move(acl));
}

std::string FileOf(const Workspace& ws, std::string_view name) {
  auto it = ws.by_name.find(name);
  if (it == ws.by_name.end()) {
    return {};
  }
  const parser::PolicyFile& f = ws.policy_files[it->second];
  return ws.sources->file(f.file).name();
}

Expected<std::vector<PolicyChange>> DiffPolicies(const Workspace& base, const Workspace& head,
                                                  std::set<std::string>& changed_names, std::size_t& regions) {
  std::set<std::string> names;
  for (const std::string& n : base.PolicyNames()) {
    names.insert(n);
  }
  for (const std::string& n : head.PolicyNames()) {
    names.insert(n);
  }
  std::vector<PolicyChange> out;
  for (const std::string& name : names) {
    const parser::Policy* a = base.FindPolicy(name);
    const parser::Policy* b = head.FindPolicy(name);
    Expected<std::unique_ptr<Acl>> acl_a = PolicyAcl(base, a);
    Expected<std::unique_ptr<Acl>> acl_b = PolicyAcl(head, b);
    if (!acl_a || !acl_b) {
      return Unexpected(Error::Code::kInvalidArgument,
                        fmt::format("policy \"{}\": {}", name, (!acl_a ? acl_a : acl_b).error().message));
    }
    Expected<Comparison> cmp = Compare({&base, acl_a->get()}, {&head, acl_b->get()});
    if (!cmp) {
      return Unexpected(cmp.error());
    }
    regions += cmp->regions;
    const bool dialect_changed = base.dialect != head.dialect;
    if (!cmp->rules_differ && (a == nullptr) == (b == nullptr) && !dialect_changed) {
      continue;
    }
    // Principals holding it are compared even when the policy alone answers
    // alike everywhere: a new rule can outrank another policy's deny.
    changed_names.insert(name);
    if (cmp->changes.empty() && a != nullptr && b != nullptr) {
      continue;
    }
    PolicyChange pc;
    pc.name = name;
    pc.status = a == nullptr ? ChangeStatus::kAdded : b == nullptr ? ChangeStatus::kRemoved : ChangeStatus::kChanged;
    pc.file = b != nullptr ? FileOf(head, name) : FileOf(base, name);
    pc.templated = (a != nullptr && a->templated) || (b != nullptr && b->templated);
    pc.changes = std::move(cmp->changes);
    out.push_back(std::move(pc));
  }
  return out;
}

std::vector<std::string> Minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const std::string& x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) {
      out.push_back(x);
    }
  }
  return out;
}

std::vector<std::string> BindingNotes(const Subject* a, const Subject* b) {
  std::vector<std::string> notes;
  const std::vector<std::string> none;
  const std::vector<std::string>& pa = a != nullptr ? a->policies : none;
  const std::vector<std::string>& pb = b != nullptr ? b->policies : none;
  const std::vector<std::string> added = Minus(pb, pa);
  const std::vector<std::string> removed = Minus(pa, pb);
  if (!added.empty()) {
    notes.push_back(fmt::format("policies added: {}", fmt::join(added, ", ")));
  }
  if (!removed.empty()) {
    notes.push_back(fmt::format("policies removed: {}", fmt::join(removed, ", ")));
  }
  if (a != nullptr && b != nullptr) {
    if (a->login_error != b->login_error) {
      notes.push_back(b->login_error.empty() ? fmt::format("login no longer refused (was: {})", a->login_error)
                                             : fmt::format("login now refused: {}", b->login_error));
    }
    if (a->entity_disabled != b->entity_disabled) {
      notes.emplace_back(b->entity_disabled ? "entity disabled" : "entity enabled");
    }
  }
  return notes;
}

std::string FieldText(const Field& f) {
  switch (f.kind) {
    case FieldKind::kString:
    case FieldKind::kYamlText:
    case FieldKind::kAny:
      return f.text;
    case FieldKind::kStringList:
      return ListText(f.list);
    case FieldKind::kBool:
      return f.boolean ? "true" : "false";
    case FieldKind::kInt:
    case FieldKind::kDuration:
      return std::to_string(f.number);
    case FieldKind::kStringMap: {
      std::string out = "{";
      for (const auto& [k, v] : f.map) {
        out += (out.size() > 1 ? ", " : "") + k + "=" + ListText(v);
      }
      return out + "}";
    }
    case FieldKind::kClaimMap: {  // a string that reads like a typed value is quoted: "true" is not true
      std::string out = "{";
      for (const auto& [k, v] : f.map) {
        const auto types = f.claim_types.find(k);
        std::vector<std::string> shown = v;
        for (std::size_t i = 0; i < shown.size(); ++i) {
          const bool typed = types != f.claim_types.end() && i < types->second.size() &&
                             types->second[i] != ClaimValueType::kString;
          const bool looks_typed = shown[i] == "true" || shown[i] == "false" || shown[i] == "True" ||
                                   shown[i] == "False" || shown[i] == "TRUE" || shown[i] == "FALSE" ||
                                   (!shown[i].empty() && shown[i].find_first_not_of("-+.0123456789eE") ==
                                                             std::string::npos);
          if (!typed && looks_typed) {
            shown[i] = "\"" + shown[i] + "\"";
          }
        }
        out += (out.size() > 1 ? ", " : "") + k + "=" + ListText(shown);
      }
      return out + "}";
    }
  }
  return f.text;
}

// Fields of a role / token role that changed, except the policy lists
// (reported as policies added / removed).
std::vector<std::string> FieldChanges(const Fields* a, const Fields* b) {
  std::vector<std::string> out;
  if (a == nullptr || b == nullptr) {
    return out;
  }
  std::set<std::string> names;
  for (const auto& [name, f] : a->values) {
    names.insert(name);
  }
  for (const auto& [name, f] : b->values) {
    names.insert(name);
  }
  for (const std::string& name : names) {
    if (name == "token_policies" || name == "policies" || name == "allowed_policies") {
      continue;
    }
    const Field* fa = a->Find(name);
    const Field* fb = b->Find(name);
    const std::string ta = fa != nullptr ? FieldText(*fa) : "unset";
    const std::string tb = fb != nullptr ? FieldText(*fb) : "unset";
    if (ta != tb) {
      out.push_back(fmt::format("{}: {} -> {}", name, ta, tb));
    }
  }
  return out;
}

// The fields of the role, user or token role a subject stands for.
const Fields* FieldsOf(const Workspace& ws, const Subject& s) {
  if (s.kind == SubjectKind::kTokenRole) {
    for (const TokenRole& t : ws.bindings.token_roles) {
      if (t.name == s.name) {
        return &t.fields;
      }
    }
    return nullptr;
  }
  if (s.kind != SubjectKind::kRole && s.kind != SubjectKind::kUser && s.kind != SubjectKind::kLogin) {
    return nullptr;
  }
  const AuthMount* m = ws.bindings.FindMount(s.mount);
  if (m == nullptr) {
    return nullptr;
  }
  for (const Role& r : m->roles) {
    if (r.name == s.name) {
      return &r.fields;
    }
  }
  return nullptr;
}

std::map<std::string, Subject> ByLabel(const Workspace& ws) {
  std::map<std::string, Subject> out;
  for (Subject& s : AllSubjects(ws)) {
    out.try_emplace(s.label, std::move(s));
  }
  return out;
}

}  // namespace

std::string_view ChangeStatusName(ChangeStatus status) {
  switch (status) {
    case ChangeStatus::kAdded:
      return "added";
    case ChangeStatus::kRemoved:
      return "removed";
    case ChangeStatus::kChanged:
      return "changed";
  }
  return "changed";
}

Expected<std::vector<RegionChange>> CompareAcls(const evaluator::Acl& base, const evaluator::Acl& head,
                                                const Workspace* base_ws, const Workspace* head_ws) {
  Expected<Comparison> cmp = Compare({base_ws, &base}, {head_ws, &head});
  if (!cmp) {
    return Unexpected(cmp.error());
  }
  return std::move(cmp->changes);
}

parser::CapabilitySet EffectiveCapabilities(const evaluator::Acl& acl, std::string_view path) {
  return Evaluate(acl, path).caps;
}

std::optional<RuleLocation> RuleLocationOf(const Workspace& ws, const evaluator::Acl& acl, evaluator::RuleId id) {
  if (id == evaluator::kNoRule) {
    return std::nullopt;
  }
  // The first deny block of a deny rule, else the first block that counted.
  const evaluator::RuleSource* src = nullptr;
  for (const evaluator::RuleSource& s : acl.rule(id).sources) {
    if (!s.ignored && (src == nullptr || (s.capabilities.is_deny() && !src->capabilities.is_deny()))) {
      src = &s;
    }
  }
  if (src == nullptr) {
    return std::nullopt;
  }
  RuleLocation at;
  at.policy = std::string(acl.policy_name(src->policy));
  at.pattern = src->label;
  const SourceFile& file = ws.sources->file(src->label_span.file);
  at.file = file.name();
  at.line = file.Locate(src->label_span.begin).line;
  return at;
}

bool PrincipalChange::risky() const {
  return std::any_of(changes.begin(), changes.end(), [](const RegionChange& c) { return !c.risks.empty(); });
}

bool PrincipalChange::gains() const {
  return std::any_of(changes.begin(), changes.end(), [](const RegionChange& c) { return !c.gained().empty(); });
}

bool DiffResult::new_access() const {
  return std::any_of(principals.begin(), principals.end(), [](const PrincipalChange& p) { return p.gains(); });
}

bool DiffResult::risky() const {
  return std::any_of(principals.begin(), principals.end(), [](const PrincipalChange& p) { return p.risky(); });
}

std::optional<FailOn> ParseFailOn(std::string_view text) {
  if (text == "new-access") {
    return FailOn::kNewAccess;
  }
  if (text == "any-change") {
    return FailOn::kAnyChange;
  }
  if (text == "risky") {
    return FailOn::kRisky;
  }
  if (text == "never") {
    return FailOn::kNever;
  }
  return std::nullopt;
}

bool GateTripped(const DiffResult& result, FailOn fail_on) {
  switch (fail_on) {
    case FailOn::kNever:
      return false;
    case FailOn::kNewAccess:
      return result.new_access();
    case FailOn::kAnyChange:
      return result.any_change();
    case FailOn::kRisky:
      return result.risky();
  }
  return false;
}

namespace {

// Compares principals group by group: one comparison per (base Acl, head Acl)
// pair, shared by every principal holding the same policy sets.
class PrincipalDiffer {
 public:
  PrincipalDiffer(const Workspace& base, const Workspace& head, const std::set<std::string>& changed_policies,
                  DiffResult& result)
      : base_(base), head_(head), changed_(changed_policies), result_(result), store_a_(base), store_b_(head) {}

  // The region changes of a principal (either side may be missing).
  Expected<const std::vector<RegionChange>*> ChangesFor(const Subject* sa, const Subject* sb) {
    const std::string ka = sa != nullptr ? store_a_.KeyFor(*sa) : "<none>";
    const std::string kb = sb != nullptr ? store_b_.KeyFor(*sb) : "<none>";
    auto group = by_group_.find({ka, kb});
    if (group != by_group_.end()) {
      return &group->second;
    }
    std::vector<RegionChange> changes;
    if (!Unchanged(ka, kb, sb)) {
      Expected<const Acl*> acl_a = sa != nullptr ? store_a_.For(*sa) : Expected<const Acl*>(&store_a_.empty());
      Expected<const Acl*> acl_b = sb != nullptr ? store_b_.For(*sb) : Expected<const Acl*>(&store_b_.empty());
      if (!acl_a || !acl_b) {
        return Unexpected((!acl_a ? acl_a : acl_b).error());
      }
      Expected<Comparison> cmp = Compare({&base_, *acl_a}, {&head_, *acl_b});
      if (!cmp) {
        return Unexpected(cmp.error());
      }
      ++result_.principal_groups_compared;
      result_.regions_evaluated += cmp->regions;
      changes = std::move(cmp->changes);
    }
    return &by_group_.emplace(std::make_pair(ka, kb), std::move(changes)).first->second;
  }

 private:
  // Same policies rendered alike (AclKey holds every rendered placeholder),
  // none of whose rules changed, same dialect: no answer can differ, so
  // nothing is compiled. A rendering without a key is always compared.
  bool Unchanged(const std::string& ka, const std::string& kb, const Subject* sb) const {
    if (ka != kb || ka.starts_with("<own>|") || base_.dialect != head_.dialect) {
      return false;
    }
    if (sb == nullptr) {
      return true;
    }
    return std::none_of(sb->policies.begin(), sb->policies.end(),
                        [&](const std::string& p) { return changed_.count(p) != 0; });
  }

  const Workspace& base_;
  const Workspace& head_;
  const std::set<std::string>& changed_;
  DiffResult& result_;
  AclStore store_a_;
  AclStore store_b_;
  std::map<std::pair<std::string, std::string>, std::vector<RegionChange>> by_group_;
};

PrincipalChange Describe(const std::string& label, const Workspace& base, const Workspace& head, const Subject* sa,
                         const Subject* sb) {
  PrincipalChange pc;
  pc.label = label;
  pc.kind = (sb != nullptr ? sb : sa)->kind;
  pc.status = sa == nullptr ? ChangeStatus::kAdded : sb == nullptr ? ChangeStatus::kRemoved : ChangeStatus::kChanged;
  if (sa != nullptr) {
    pc.policies_before = sa->policies;
  }
  if (sb != nullptr) {
    pc.policies_after = sb->policies;
  }
  pc.notes = BindingNotes(sa, sb);
  if (sa != nullptr && sb != nullptr) {
    for (std::string& n : FieldChanges(FieldsOf(base, *sa), FieldsOf(head, *sb))) {
      pc.notes.push_back(std::move(n));
    }
  }
  return pc;
}

}  // namespace

Expected<DiffResult> DiffWorkspaces(const Workspace& base, const Workspace& head, const DiffOptions& options) {
  DiffResult result;
  result.base_label = options.base_label;
  result.head_label = options.head_label;
  std::set<std::string> changed_policies;
  Expected<std::vector<PolicyChange>> policies = DiffPolicies(base, head, changed_policies, result.regions_evaluated);
  if (!policies) {
    return Unexpected(policies.error());
  }
  result.policies = *std::move(policies);

  const std::map<std::string, Subject> a = ByLabel(base);
  const std::map<std::string, Subject> b = ByLabel(head);
  std::set<std::string> labels;
  for (const auto* side : {&a, &b}) {
    for (const auto& [label, s] : *side) {
      labels.insert(label);
    }
  }
  result.principals_total = labels.size();
  PrincipalDiffer differ(base, head, changed_policies, result);
  for (const std::string& label : labels) {
    const auto ia = a.find(label);
    const auto ib = b.find(label);
    const Subject* sa = ia == a.end() ? nullptr : &ia->second;
    const Subject* sb = ib == b.end() ? nullptr : &ib->second;
    Expected<const std::vector<RegionChange>*> changes = differ.ChangesFor(sa, sb);
    if (!changes) {
      return Unexpected(changes.error());
    }
    PrincipalChange pc = Describe(label, base, head, sa, sb);
    pc.changes = **changes;
    if (pc.status != ChangeStatus::kChanged || !pc.notes.empty() || !pc.changes.empty()) {
      result.principals.push_back(std::move(pc));
    }
  }
  return result;
}

// ---- git sides ----

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

TempDir::~TempDir() {
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

Expected<TempDir> TempDir::Create(std::string_view tag) {
  std::string pattern = (std::filesystem::temp_directory_path() / fmt::format("polcheck-{}-XXXXXX", tag)).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Unexpected(Error::Code::kIo, fmt::format("cannot create a temporary directory under {}",
                                                    std::filesystem::temp_directory_path().string()));
  }
  return TempDir(std::filesystem::path(pattern));
}

namespace {

struct RunResult {
  int status = -1;
  std::string out;
};

// Runs argv (no shell) with stdout captured and stderr discarded.
Expected<RunResult> RunCapture(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  int fds[2];
  if (::pipe(fds) != 0) {
    return Unexpected(Error::Code::kIo, "pipe failed");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Unexpected(Error::Code::kIo, "fork failed");
  }
  if (pid == 0) {
    ::dup2(fds[1], 1);
    if (const int devnull = ::open("/dev/null", O_WRONLY); devnull >= 0) {
      ::dup2(devnull, 2);
    }
    ::close(fds[0]);
    ::close(fds[1]);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      ::_exit(127);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  RunResult r;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
    r.out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

Expected<std::filesystem::path> ExportGitRevision(std::string_view rev, const std::filesystem::path& directory,
                                                  const std::filesystem::path& into) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(directory, ec);
  std::filesystem::path probe = dir;
  while (!probe.empty() && !std::filesystem::is_directory(probe, ec)) {
    probe = probe.parent_path();
  }
  Expected<RunResult> top = RunCapture({"git", "rev-parse", "--show-toplevel"}, probe);
  if (!top) {
    return Unexpected(top.error());
  }
  if (top->status == 127) {
    return Unexpected(Error::Code::kIo, "git: cannot run git");
  }
  if (top->status != 0) {
    return Unexpected(Error::Code::kNotFound, fmt::format("{}: not inside a git repository", dir.string()));
  }
  const std::filesystem::path root = Trim(top->out);
  const std::string commit = std::string(rev) + "^{commit}";
  Expected<RunResult> verify = RunCapture({"git", "rev-parse", "--verify", "--quiet", commit}, root);
  if (!verify || verify->status != 0) {
    return Unexpected(Error::Code::kNotFound, fmt::format("git:{}: unknown revision", rev));
  }
  const std::string sha = Trim(verify->out);
  std::string rel = std::filesystem::relative(std::filesystem::weakly_canonical(dir, ec),
                                              std::filesystem::weakly_canonical(root, ec), ec)
                        .generic_string();
  if (rel == ".") {
    rel.clear();
  }
  if (!rel.empty()) {
    Expected<RunResult> kind = RunCapture({"git", "cat-file", "-t", sha + ":" + rel}, root);
    if (!kind || kind->status != 0 || Trim(kind->out) != "tree") {
      return Unexpected(Error::Code::kNotFound, fmt::format("git:{}: no directory {} at that revision", rev, rel));
    }
  }
  const std::filesystem::path tar = into / "tree.tar";
  std::vector<std::string> archive = {"git", "archive", "--format=tar", "-o", tar.string(), sha};
  if (!rel.empty()) {
    archive.push_back("--");
    archive.push_back(rel);
  }
  Expected<RunResult> made = RunCapture(archive, root);
  if (!made || made->status != 0) {
    return Unexpected(Error::Code::kIo, fmt::format("git:{}: git archive failed", rev));
  }
  Expected<RunResult> unpacked = RunCapture({"tar", "-x", "-f", tar.string(), "-C", into.string()}, {});
  std::filesystem::remove(tar, ec);
  if (!unpacked || unpacked->status != 0) {
    return Unexpected(Error::Code::kIo, fmt::format("git:{}: cannot unpack the archive", rev));
  }
  return rel.empty() ? into : into / rel;
}

}  // namespace polcheck::analysis
