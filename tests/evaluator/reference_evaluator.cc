#include "tests/evaluator/reference_evaluator.h"

#include <algorithm>

#include "evaluator/go_text.h"
#include "evaluator/templating.h"

namespace polcheck::evaluator::reference {
namespace {

using parser::Capability;
using parser::PatternKind;
using parser::Value;

constexpr std::uint16_t B(Capability c) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c)); }

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool HasPrefix(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0 && s.size() >= p.size(); }

std::string TrimSuffixSlash(const std::string& s) {
  return !s.empty() && s.back() == '/' ? s.substr(0, s.size() - 1) : s;
}

std::string Lower(const std::string& s) { return GoToLower(s); }

void AddGranting(Perms& p, std::uint16_t bits, const std::string& name) {
  for (int c = 0; c < parser::kCapabilityCount; ++c) {
    if ((bits & (1u << c)) != 0) {
      p.granting[c].push_back(name);
    }
  }
}

void MergeMap(std::optional<parser::ParameterMap>& existing, const std::optional<parser::ParameterMap>& pc) {
  if (!pc || pc->size() == 0) {
    return;
  }
  if (!existing) {
    existing = pc;
    return;
  }
  for (const auto& [key, value] : *pc) {
    bool ok = existing->count(key) != 0;
    std::vector<Value> pc_value = ok ? (*existing)[key] : std::vector<Value>{};
    if (value.empty() || (ok && pc_value.empty())) {
      (*existing)[key] = {};
    } else {
      std::vector<Value> merged = value;
      for (const Value& v : (*existing)[key]) {
        merged.push_back(v);
      }
      (*existing)[key] = merged;
    }
  }
}

bool Glob(const std::string& item, const std::string& val) {
  if (item.size() < 2) {
    return val == item;
  }
  bool pre = item[0] == '*';
  bool suf = item[item.size() - 1] == '*';
  if (pre && suf) {
    return val.find(item.substr(1, item.size() - 2)) != std::string::npos;
  }
  if (pre) {
    std::string tail = item.substr(1);
    return val.size() >= tail.size() && val.substr(val.size() - tail.size()) == tail;
  }
  if (suf) {
    return HasPrefix(val, item.substr(0, item.size() - 1));
  }
  return val == item;
}

bool InSlice(const Value& v, const std::vector<Value>& list) {
  for (const Value& el : list) {
    if (el.is_null() || v.is_null()) {
      if (el.is_null() && v.is_null()) {
        return true;
      }
    } else if (el.kind() == Value::Kind::kString) {
      if (v.kind() == Value::Kind::kString && Glob(el.str(), v.str())) {
        return true;
      }
    } else if (el == v) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> CommaSlice(const std::string& s) {
  if (s.empty()) {
    return {};
  }
  std::vector<std::string> out;
  for (const std::string& piece : Split(s, ',')) {
    out.emplace_back(GoTrimSpace(piece));
  }
  return out;
}

bool InAllowed(const Value& v, const std::vector<Value>& list, bool legacy) {
  if (list.empty()) {
    return true;
  }
  if (InSlice(v, list)) {
    return true;
  }
  if (legacy) {
    return false;
  }
  if (v.kind() == Value::Kind::kList) {
    for (const Value& e : v.list()) {
      if (!InSlice(e, list)) {
        return false;
      }
    }
    return true;
  }
  if (v.kind() == Value::Kind::kString) {
    for (const std::string& e : CommaSlice(v.str())) {
      if (!InSlice(Value::String(e), list)) {
        return false;
      }
    }
    return true;
  }
  return false;
}

bool InDenied(const Value& v, const std::vector<Value>& list, bool legacy) {
  if (list.empty()) {
    return true;
  }
  if (InSlice(v, list)) {
    return true;
  }
  if (legacy) {
    return false;
  }
  if (v.kind() == Value::Kind::kList) {
    for (const Value& e : v.list()) {
      if (InSlice(e, list)) {
        return true;
      }
    }
  } else if (v.kind() == Value::Kind::kString) {
    for (const std::string& e : CommaSlice(v.str())) {
      if (InSlice(Value::String(e), list)) {
        return true;
      }
    }
  }
  return false;
}

Value Normalize(const std::string& parameter, const Value& value, bool enabled) {
  std::string p = Lower(parameter);
  if (!enabled || (p != "policies" && p != "token_policies")) {
    return value;
  }
  if (value.kind() == Value::Kind::kString) {
    return Value::String(Lower(value.str()));
  }
  if (value.kind() == Value::Kind::kList) {
    Value::List out;
    for (const Value& e : value.list()) {
      out.push_back(e.kind() == Value::Kind::kString ? Value::String(Lower(e.str())) : e);
    }
    return Value::MakeList(out);
  }
  return value;
}

bool Less(int fi, bool pi, int wi, const std::string& ci, int fj, bool pj, int wj, const std::string& cj) {
  if (fi < fj) return true;
  if (fi > fj) return false;
  if (pi && !pj) return true;
  if (!pi && pj) return false;
  if (wi > wj) return true;
  if (wi < wj) return false;
  if (ci.size() < cj.size()) return true;
  if (ci.size() > cj.size()) return false;
  return ci < cj;
}

}  // namespace

std::optional<ReferenceAcl> ReferenceAcl::Build(const std::vector<const parser::Policy*>& policies,
                                                const Options& options) {
  ReferenceAcl acl;
  acl.options_ = options;
  bool has_root = options.root;
  for (const parser::Policy* p : policies) {
    has_root = has_root || p->name == "root";
  }
  if (has_root) {
    if (options.dialect != Dialect::kOpenBao && !options.namespace_path.empty()) {
      return std::nullopt;
    }
    acl.root_ = true;
    return acl;
  }
  for (const parser::Policy* policy : policies) {
    for (const parser::PathRule& rule : policy->rules) {
      std::string path = rule.pattern.key;
      PatternKind kind = rule.pattern.kind;
      if (rule.templated) {
        // The namespace is the part of the pattern the bare label does not explain.
        auto bare = parser::NormalizePattern(rule.label, "");
        std::string ns = bare && rule.pattern.key.ends_with(bare->key)
                             ? rule.pattern.key.substr(0, rule.pattern.key.size() - bare->key.size())
                             : "";
        TemplateOptions t;
        t.policy_namespace = ns;
        t.now_unix = options.now_unix;
        t.reject_wildcards = options.dialect != Dialect::kVaultLegacy;
        t.reject_slashes = options.dialect == Dialect::kOpenBao;
        t.openbao_messages = options.dialect == Dialect::kOpenBao;
        RenderResult r = RenderTemplate(rule.label, options.identity, t);
        if (!r.ok) {
          continue;
        }
        auto pattern = parser::NormalizePattern(r.text, ns);
        if (!pattern) {
          return std::nullopt;
        }
        path = pattern->key;
        kind = pattern->kind;
      }
      std::map<std::string, Perms>& store =
          kind == PatternKind::kExact ? acl.exact_ : (kind == PatternKind::kPrefix ? acl.prefix_ : acl.segment_);
      auto it = store.find(path);
      if (it == store.end()) {
        Perms perms;
        perms.bits = rule.capabilities.bits();
        perms.min_wrapping_ttl = rule.min_wrapping_ttl;
        perms.max_wrapping_ttl = rule.max_wrapping_ttl;
        perms.allowed = rule.allowed_parameters;
        perms.denied = rule.denied_parameters;
        perms.required = rule.required_parameters;
        perms.pagination_limit = rule.pagination_limit;
        AddGranting(perms, perms.bits, policy->name);
        store[path] = perms;
        continue;
      }
      Perms& existing = it->second;
      if (existing.bits & B(Capability::kDeny)) {
        continue;
      }
      if (rule.capabilities.bits() & B(Capability::kDeny)) {
        existing.bits = B(Capability::kDeny);
        existing.allowed.reset();
        existing.denied.reset();
        continue;
      }
      existing.bits |= rule.capabilities.bits();
      AddGranting(existing, rule.capabilities.bits(), policy->name);
      if (rule.max_wrapping_ttl > 0 &&
          (existing.max_wrapping_ttl == 0 || rule.max_wrapping_ttl < existing.max_wrapping_ttl)) {
        existing.max_wrapping_ttl = rule.max_wrapping_ttl;
      }
      if (rule.min_wrapping_ttl > 0 &&
          (existing.min_wrapping_ttl == 0 || rule.min_wrapping_ttl < existing.min_wrapping_ttl)) {
        existing.min_wrapping_ttl = rule.min_wrapping_ttl;
      }
      MergeMap(existing.allowed, rule.allowed_parameters);
      MergeMap(existing.denied, rule.denied_parameters);
      if (!rule.required_parameters.empty()) {
        if (existing.required.empty()) {
          existing.required = rule.required_parameters;
        } else {
          for (const std::string& v : rule.required_parameters) {
            if (std::find(existing.required.begin(), existing.required.end(), v) == existing.required.end()) {
              existing.required.push_back(v);
            }
          }
        }
      }
      if (rule.pagination_limit && *rule.pagination_limit > 0) {
        if (!existing.pagination_limit || *existing.pagination_limit <= 0 ||
            *rule.pagination_limit < *existing.pagination_limit) {
          existing.pagination_limit = rule.pagination_limit;
        }
      }
    }
  }
  return acl;
}

std::vector<ReferenceAcl::Descr> ReferenceAcl::Candidates(const std::string& path) const {
  std::vector<Descr> descrs;
  const std::string* longest = nullptr;
  for (const auto& [key, perms] : prefix_) {
    if (HasPrefix(path, key) && (longest == nullptr || key.size() > longest->size())) {
      longest = &key;
    }
  }
  if (longest != nullptr) {
    descrs.push_back({static_cast<int>(longest->size()), 0, true, *longest, &prefix_.at(*longest), *longest,
                      PatternKind::kPrefix});
  }
  std::vector<std::string> path_parts = Split(path, '/');
  for (const auto& [full, perms] : segment_) {
    if (full.empty()) {
      continue;
    }
    Descr pd;
    pd.first_wc = static_cast<int>(full.find('+'));
    std::string curr = full;
    if (curr.back() == '*') {
      pd.is_prefix = true;
      curr.pop_back();
    }
    pd.wc_path = curr;
    std::vector<std::string> split = Split(curr, '/');
    if (path_parts.size() < split.size()) {
      continue;
    }
    if (!pd.is_prefix && split.size() != path_parts.size()) {
      continue;
    }
    bool ok = true;
    for (std::size_t i = 0; i < split.size() && ok; ++i) {
      if (split[i] == "+") {
        pd.wildcards++;
      } else if (split[i] == path_parts[i]) {
      } else if (pd.is_prefix && i == split.size() - 1 && HasPrefix(path_parts[i], split[i])) {
      } else {
        ok = false;
      }
    }
    if (!ok) {
      continue;
    }
    pd.perms = &perms;
    pd.stored_key = full;
    pd.kind = PatternKind::kSegment;
    descrs.push_back(pd);
  }
  return descrs;
}

std::optional<ReferenceAcl::Selected> ReferenceAcl::NonExact(const std::string& path) const {
  std::vector<Descr> d = Candidates(path);
  if (d.empty()) {
    return std::nullopt;
  }
  std::sort(d.begin(), d.end(), [](const Descr& a, const Descr& b) {
    return Less(a.first_wc, a.is_prefix, a.wildcards, a.wc_path, b.first_wc, b.is_prefix, b.wildcards, b.wc_path);
  });
  return Selected{d.back().perms, d.back().stored_key, d.back().kind};
}

std::optional<ReferenceAcl::Selected> ReferenceAcl::Lookup(const std::string& path, Operation op) const {
  if (auto it = exact_.find(path); it != exact_.end()) {
    return Selected{&it->second, path, PatternKind::kExact};
  }
  const Dialect dialect = options_.dialect;
  const bool list_like = op == Operation::kList || (dialect == Dialect::kOpenBao && op == Operation::kScan);
  if (list_like) {
    std::string t = TrimSuffixSlash(path);
    if (auto it = exact_.find(t); it != exact_.end()) {
      return Selected{&it->second, t, PatternKind::kExact};
    }
  }
  const bool trailing = !path.empty() && path.back() == '/';
  if (dialect == Dialect::kVaultLegacy) {
    if (op == Operation::kList && trailing) {
      if (auto s = NonExact(TrimSuffixSlash(path))) {
        return s;
      }
    }
    return NonExact(path);
  }
  if (dialect == Dialect::kOpenBao) {
    if (auto s = NonExact(path)) {
      return s;
    }
    if (list_like && trailing) {
      return NonExact(TrimSuffixSlash(path));
    }
    return std::nullopt;
  }
  if (!(op == Operation::kList && trailing)) {
    return NonExact(path);
  }
  std::vector<Descr> all = Candidates(TrimSuffixSlash(path));
  for (const Descr& d : Candidates(path)) {
    all.push_back(d);
  }
  if (all.empty()) {
    return std::nullopt;
  }
  auto lower = [](const Descr& a, const Descr& b) {
    return Less(a.first_wc, a.is_prefix, a.wildcards, a.wc_path, b.first_wc, b.is_prefix, b.wildcards, b.wc_path);
  };
  const Descr* best_deny = nullptr;
  const Descr* best_list = nullptr;
  for (const Descr& pd : all) {
    if (pd.perms->bits & B(Capability::kDeny)) {
      if (best_deny == nullptr || lower(*best_deny, pd)) {
        best_deny = &pd;
      }
    }
    if (pd.perms->bits & B(Capability::kList)) {
      if (best_list == nullptr || lower(*best_list, pd)) {
        best_list = &pd;
      }
    }
  }
  if (best_deny != nullptr && (best_list == nullptr || lower(*best_list, *best_deny))) {
    return Selected{best_deny->perms, best_deny->stored_key, best_deny->kind};
  }
  if (best_list != nullptr) {
    return Selected{best_list->perms, best_list->stored_key, best_list->kind};
  }
  std::sort(all.begin(), all.end(), lower);
  return Selected{all.back().perms, all.back().stored_key, all.back().kind};
}

Answer ReferenceAcl::Evaluate(const Selected& s, const Request& req) const {
  Answer ret;
  ret.matched = true;
  ret.key = s.key;
  ret.kind = s.kind;
  const Perms& perms = *s.perms;
  ret.bits = perms.bits;
  ret.root_privs = (perms.bits & B(Capability::kSudo)) != 0;
  const Dialect dialect = options_.dialect;
  int needed = -1;
  switch (req.operation) {
    case Operation::kRead: needed = static_cast<int>(Capability::kRead); break;
    case Operation::kList: needed = static_cast<int>(Capability::kList); break;
    case Operation::kUpdate: needed = static_cast<int>(Capability::kUpdate); break;
    case Operation::kDelete: needed = static_cast<int>(Capability::kDelete); break;
    case Operation::kCreate: needed = static_cast<int>(Capability::kCreate); break;
    case Operation::kPatch: needed = static_cast<int>(Capability::kPatch); break;
    case Operation::kScan:
      needed = dialect == Dialect::kOpenBao ? static_cast<int>(Capability::kScan) : -1;
      break;
    case Operation::kRecover:
      needed = dialect == Dialect::kOpenBao ? -1 : static_cast<int>(Capability::kRecover);
      break;
    case Operation::kRevoke:
    case Operation::kRenew:
    case Operation::kRollback:
      needed = static_cast<int>(Capability::kUpdate);
      break;
    default:
      needed = -1;
  }
  if (needed < 0 || (perms.bits & (1u << needed)) == 0) {
    return ret;
  }
  if (auto it = perms.granting.find(needed); it != perms.granting.end()) {
    ret.granting = it->second;
  }
  const std::optional<std::int64_t> ttl =
      req.wrap_ttl ? std::optional<std::int64_t>(req.wrap_ttl->count()) : std::nullopt;
  const std::int64_t max = perms.max_wrapping_ttl * 1000000000;
  const std::int64_t min = perms.min_wrapping_ttl * 1000000000;
  if (max > 0 && (!ttl || *ttl > max)) {
    return ret;
  }
  if (min > 0 && (!ttl || *ttl < min)) {
    return ret;
  }
  if (min != 0 && max != 0 && max < min) {
    return ret;
  }
  const Params empty;
  const Params& data = req.params != nullptr ? *req.params : empty;
  const Operation op = req.operation;
  const bool params_phase = op == Operation::kRead || op == Operation::kUpdate || op == Operation::kCreate ||
                            op == Operation::kPatch || (op == Operation::kRecover && dialect != Dialect::kOpenBao);
  const bool legacy = dialect != Dialect::kVault;
  if (params_phase) {
    for (const std::string& parameter : perms.required) {
      if (data.count(Lower(parameter)) == 0) {
        return ret;
      }
    }
    if (data.empty()) {
      ret.allowed = true;
      return ret;
    }
    if (perms.denied && !perms.denied->empty()) {
      if (perms.denied->count("*") != 0) {
        return ret;
      }
      for (const auto& [parameter, value] : data) {
        auto it = perms.denied->find(Lower(parameter));
        if (it != perms.denied->end() && InDenied(Normalize(parameter, value, !legacy), it->second, legacy)) {
          return ret;
        }
      }
    }
    if (!perms.allowed || perms.allowed->empty()) {
      ret.allowed = true;
      return ret;
    }
    const bool allowed_all = perms.allowed->count("*") != 0;
    if (perms.allowed->size() == 1 && allowed_all) {
      ret.allowed = true;
      return ret;
    }
    for (const auto& [parameter, value] : data) {
      auto it = perms.allowed->find(Lower(parameter));
      if (it == perms.allowed->end() && !allowed_all) {
        return ret;
      }
      if (it != perms.allowed->end() && !InAllowed(Normalize(parameter, value, !legacy), it->second, legacy)) {
        return ret;
      }
    }
  } else if (dialect == Dialect::kOpenBao && (op == Operation::kList || op == Operation::kScan)) {
    if (perms.pagination_limit && *perms.pagination_limit > 0) {
      const std::int64_t limit = *perms.pagination_limit;
      auto it = data.find("limit");
      if (it == data.end()) {
        for (const std::string& parameter : perms.required) {
          if (Lower(parameter) == "limit") {
            return ret;
          }
        }
      } else {
        const Value& raw = it->second;
        std::optional<std::int64_t> val;
        if (raw.kind() == Value::Kind::kString || raw.kind() == Value::Kind::kNumber) {
          val = raw.str().empty() ? std::optional<std::int64_t>(0) : ParseGoInt(raw.str());
        } else if (raw.kind() == Value::Kind::kInt) {
          val = raw.int_value();
        }
        if (!val) {
          if (!(raw.kind() == Value::Kind::kString && raw.str() == "max")) {
            return ret;
          }
        } else if (*val > limit || *val < 0) {
          return ret;
        }
      }
    }
  }
  ret.allowed = true;
  return ret;
}

Answer ReferenceAcl::Check(const Request& req) const {
  Answer ret;
  if (root_) {
    if (options_.dialect == Dialect::kOpenBao && !req.namespace_path.starts_with(options_.namespace_path)) {
      return ret;
    }
    ret.allowed = ret.root_privs = ret.is_root = true;
    ret.granting = {"root"};
    return ret;
  }
  if (req.operation == Operation::kHelp) {
    ret.allowed = true;
    return ret;
  }
  std::string path = std::string(req.namespace_path) + std::string(req.path);
  while (!path.empty() && path[0] == '/') {
    path.erase(0, 1);
  }
  std::optional<Selected> s = Lookup(path, req.operation);
  if (!s) {
    return ret;
  }
  return Evaluate(*s, req);
}

std::vector<std::string> ReferenceAcl::Capabilities(const std::string& path_in) const {
  if (root_) {
    return {"root"};
  }
  std::string path = path_in;
  while (!path.empty() && path[0] == '/') {
    path.erase(0, 1);
  }
  std::optional<Selected> s = Lookup(path, Operation::kList);
  std::uint16_t bits = s ? s->perms->bits : 0;
  std::vector<std::string> caps;
  const bool bao = options_.dialect == Dialect::kOpenBao;
  const std::vector<Capability> order = {Capability::kSudo, Capability::kRead, Capability::kList, Capability::kUpdate,
                                         Capability::kDelete, Capability::kCreate, Capability::kPatch,
                                         Capability::kSubscribe, Capability::kRecover, Capability::kScan};
  for (Capability c : order) {
    const bool dialect_has = bao ? (c != Capability::kSubscribe && c != Capability::kRecover) : c != Capability::kScan;
    if (dialect_has && (bits & B(c))) {
      caps.emplace_back(parser::CapabilityName(c));
    }
  }
  if ((bits & B(Capability::kDeny)) || caps.empty()) {
    caps = {"deny"};
  }
  std::sort(caps.begin(), caps.end());
  return caps;
}

}  // namespace polcheck::evaluator::reference
