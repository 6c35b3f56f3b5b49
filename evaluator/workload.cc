#include "evaluator/workload.h"

#include <random>

namespace polcheck::evaluator {
namespace {

using parser::Capability;
using parser::Value;

struct Template {
  const char* pattern;  // T = team, A = app, E = env
  std::vector<Capability> caps;
};

const std::vector<Template> kExact = {
    {"secret/data/T/A/E/config", {Capability::kRead, Capability::kUpdate}},
    {"secret/metadata/T/A/E", {Capability::kRead}},
    {"database/creds/T-A-E", {Capability::kRead}},
    {"transit/encrypt/T-A", {Capability::kUpdate}},
    {"transit/decrypt/T-A", {Capability::kUpdate}},
    {"pki_int/issue/T-E", {Capability::kCreate, Capability::kUpdate}},
    {"auth/approle/role/T-A/secret-id", {Capability::kUpdate}},
    {"aws/creds/T-A-E", {Capability::kRead}},
};
const std::vector<Template> kPrefix = {
    {"secret/data/T/A/E/*", {Capability::kCreate, Capability::kRead, Capability::kUpdate, Capability::kDelete}},
    {"secret/metadata/T/A/*", {Capability::kList, Capability::kRead, Capability::kDelete}},
    {"secret/data/T/shared/*", {Capability::kRead}},
    {"database/creds/T-A-*", {Capability::kRead}},
    {"transit/keys/T-*", {Capability::kRead}},
    {"sys/policies/acl/T-*", {Capability::kRead, Capability::kList}},
    {"kv/T/A/*", {Capability::kRead, Capability::kList, Capability::kCreate}},
};
const std::vector<Template> kPlus = {
    {"secret/data/T/+/E/config", {Capability::kRead}},
    {"secret/metadata/T/+/E/*", {Capability::kList}},
    {"+/sys/policies/acl/T-A", {Capability::kRead, Capability::kList}},
    {"database/creds/+/T-A", {Capability::kRead}},
    {"pki_T/sign/+", {Capability::kUpdate}},
    {"secret/data/+/A/E/*", {Capability::kRead}},
    {"auth/+/login/T-A", {Capability::kUpdate}},
};

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  std::size_t Below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(gen_) < p; }

 private:
  std::mt19937_64 gen_;
};

std::string Prefixed(const char* prefix, std::size_t n, bool two_digits) {
  std::string out = prefix;
  if (two_digits && n < 10) {
    out += '0';
  }
  out += std::to_string(n);
  return out;
}
std::string Team(std::size_t t) { return Prefixed("team", t, true); }
std::string App(std::size_t a) { return Prefixed("app", a, false); }
std::string Env(std::size_t e) {
  static const char* kEnvs[] = {"dev", "stage", "prod"};
  return kEnvs[e % 3];
}

std::string Fill(const char* pattern, const std::string& team, const std::string& app, const std::string& env) {
  std::string out;
  for (const char* p = pattern; *p != 0; ++p) {
    switch (*p) {
      case 'T': out += team; break;
      case 'A': out += app; break;
      case 'E': out += env; break;
      default: out += *p;
    }
  }
  return out;
}

parser::PathRule MakeRule(const std::string& label, const std::vector<Capability>& caps, bool deny) {
  parser::PathRule rule;
  rule.label = label;
  rule.pattern = *parser::NormalizePattern(label);
  if (deny) {
    rule.capabilities = parser::CapabilitySet::Deny();
    rule.capability_names = {"deny"};
    return rule;
  }
  for (Capability c : caps) {
    rule.capabilities.Add(c);
    rule.capability_names.emplace_back(parser::CapabilityName(c));
  }
  return rule;
}

void AddParameters(parser::PathRule& rule, const std::string& team, Rng& rng) {
  switch (rng.Below(3)) {
    case 0:
      rule.allowed_parameters = parser::ParameterMap{
          {"common_name", {Value::String("*." + team + ".example.com")}}, {"ttl", {}}};
      break;
    case 1:
      rule.allowed_parameters = parser::ParameterMap{{"password", {}}, {"username", {}}};
      break;
    default:
      rule.allowed_parameters = parser::ParameterMap{{"*", {}}, {"ttl", {Value::String("1h"), Value::String("2h")}}};
      break;
  }
}

std::string Hcl(const parser::Policy& policy) {
  std::string out;
  for (const parser::PathRule& rule : policy.rules) {
    out += "path \"" + rule.label + "\" {\n  capabilities = [";
    for (std::size_t i = 0; i < rule.capability_names.size(); ++i) {
      out += (i ? ", \"" : "\"") + rule.capability_names[i] + "\"";
    }
    out += "]\n";
    if (rule.allowed_parameters) {
      out += "  allowed_parameters = {\n";
      for (const auto& [k, values] : *rule.allowed_parameters) {
        out += "    \"" + k + "\" = [";
        for (std::size_t i = 0; i < values.size(); ++i) {
          out += (i ? ", " : "") + values[i].ToString();
        }
        out += "]\n";
      }
      out += "  }\n";
    }
    out += "}\n\n";
  }
  return out;
}

std::string DerivePath(const parser::PathRule& rule, Rng& rng) {
  std::string key = rule.pattern.key;
  std::string out;
  for (std::size_t start = 0;;) {
    const std::size_t slash = key.find('/', start);
    std::string seg = key.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg == "+") {
      seg = rng.Chance(0.5) ? Team(rng.Below(40)) : App(rng.Below(10));
    }
    out += (start == 0 ? "" : "/") + seg;
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
  const bool glob = rule.pattern.kind == parser::PatternKind::kPrefix || (!out.empty() && out.back() == '*');
  if (!out.empty() && out.back() == '*') {
    out.pop_back();
  }
  if (glob) {
    static const char* kTails[] = {"config", "db/password", "x", "svc"};
    out += kTails[rng.Below(4)];
  }
  return out;
}

std::string MissPath(Rng& rng) {
  switch (rng.Below(5)) {
    case 0: return "secret/data/" + Team(40 + rng.Below(20)) + "/" + App(rng.Below(10)) + "/dev/config";
    case 1: return "kv2/" + Team(rng.Below(40)) + "/thing";
    case 2: return "identity/entity/id/" + std::to_string(rng.Below(100000));
    case 3: return "cubbyhole/" + App(rng.Below(10));
    default: return "sys/mounts/" + Team(rng.Below(40));
  }
}

Operation PickOperation(Rng& rng) {
  const std::size_t r = rng.Below(10);
  if (r < 4) return Operation::kRead;
  if (r < 6) return Operation::kList;
  if (r < 8) return Operation::kUpdate;
  if (r < 9) return Operation::kCreate;
  return Operation::kDelete;
}

OwnedRequest MakeRequest(const Workload& w, Rng& rng) {
  OwnedRequest r;
  r.operation = PickOperation(rng);
  if (rng.Chance(0.85)) {
    const parser::Policy& p = w.policies[rng.Below(w.policies.size())];
    r.path = DerivePath(p.rules[rng.Below(p.rules.size())], rng);
  } else {
    r.path = MissPath(rng);
  }
  if (r.operation == Operation::kList) {
    if (rng.Chance(0.5) && r.path.find('/') != std::string::npos) {
      r.path.erase(r.path.rfind('/'));
    }
    r.path += "/";
  }
  if ((r.operation == Operation::kUpdate || r.operation == Operation::kCreate) && rng.Chance(0.3)) {
    r.params = rng.Chance(0.5) ? Params{{"ttl", Value::String("1h")}}
                               : Params{{"common_name", Value::String("a." + Team(rng.Below(40)) + ".example.com")}};
  }
  return r;
}

}  // namespace

std::vector<const parser::Policy*> Workload::pointers() const {
  std::vector<const parser::Policy*> out;
  out.reserve(policies.size());
  for (const parser::Policy& p : policies) {
    out.push_back(&p);
  }
  return out;
}

Workload GenerateWorkload(const WorkloadOptions& options) {
  Rng rng(options.seed);
  Workload w;
  for (int i = 0; i < options.policies; ++i) {
    const std::string team = Team(static_cast<std::size_t>(i) % 40);
    parser::Policy policy;
    policy.name = team + "-p" + std::to_string(i);
    for (int j = 0; j < options.paths_per_policy; ++j) {
      const double kind = static_cast<double>(rng.Below(1000)) / 1000.0;
      const std::vector<Template>& family = kind < 0.5 ? kExact : (kind < 0.85 ? kPrefix : kPlus);
      const bool plus = &family == &kPlus;
      const Template& t = plus && !options.plus_rules ? kExact[rng.Below(kExact.size())] : family[rng.Below(family.size())];
      const std::string label = Fill(t.pattern, team, App(rng.Below(10)), Env(rng.Below(3)));
      parser::PathRule rule = MakeRule(label, t.caps, rng.Chance(0.03));
      if (!rule.capabilities.is_deny() && rng.Chance(0.10)) {
        AddParameters(rule, team, rng);
      }
      policy.rules.push_back(std::move(rule));
    }
    w.hcl.push_back(Hcl(policy));
    w.policies.push_back(std::move(policy));
  }
  w.requests.reserve(static_cast<std::size_t>(options.requests));
  for (int i = 0; i < options.requests; ++i) {
    w.requests.push_back(MakeRequest(w, rng));
  }
  return w;
}

}  // namespace polcheck::evaluator
