// Property test: the compiled Acl and the reference evaluator agree on
// generated policies and requests, in every dialect.
//
// CI runs POLCHECK_PROPERTY_DEFAULT_CASES (20,000) with a fixed seed; the slow
// variant of this file runs 1,000,000. POLCHECK_PROPERTY_CASES and
// POLCHECK_PROPERTY_SEED override both.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>

#include "evaluator/acl.h"
#include "tests/evaluator/policy_builders.h"
#include "tests/evaluator/reference_evaluator.h"

#ifndef POLCHECK_PROPERTY_DEFAULT_CASES
#define POLCHECK_PROPERTY_DEFAULT_CASES 20000
#endif

namespace polcheck::evaluator {
namespace {

using parser::Capability;
using parser::PatternKind;
using parser::Value;

std::uint64_t EnvOr(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoull(v, nullptr, 10) : fallback;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::size_t Below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Below(v.size())]; }

  std::string Segment() {
    static const std::vector<std::string> kSegments = {"a", "b", "ab", "abc", "x", "", "a+", "+a", "*", "b*", "ba"};
    return Chance(0.25) ? "+" : Pick(kSegments);
  }

  std::string Label() {
    static const std::vector<std::string> kSpecial = {"*", "+", "", "+/*", "a/*", "a/+", "a/+/*", "a/", "/a/b*"};
    if (Chance(0.08)) {
      return Pick(kSpecial);
    }
    std::string label = Chance(0.05) ? "/" : "";
    const std::size_t n = 1 + Below(4);
    for (std::size_t i = 0; i < n; ++i) {
      label += (i > 0 ? "/" : "") + Segment();
    }
    if (Chance(0.04)) {
      label += "/{{identity.entity.name}}";
    }
    if (Chance(0.35)) {
      label += "*";
    }
    return label;
  }

  Value ParamValue() {
    static const std::vector<Value> kValues = {
        Value::String("v"),     Value::String("V"),   Value::String("vv"),  Value::String("a,b"),
        Value::String(""),      Value::String("a, v"), Value::String("max"), Value::String("5"),
        Value::String("20"),    Value::Number("1"),   Value::Int(1),        Value::Bool(true),
        Value(),                Value::String("Admin"), Value::String("admin,default"),
        Value::MakeList({Value::String("v"), Value::String("a")}), Value::MakeList({}),
        Value::MakeList({Value::String("ADMIN")}),
    };
    return Pick(kValues);
  }

  Value PolicyValue() {
    static const std::vector<Value> kValues = {
        Value::String("v"), Value::String("v*"), Value::String("*v"), Value::String("**"), Value::String("*"),
        Value::String("a"), Value::String("admin"), Value::Int(1), Value::Bool(true), Value::String("a,b"),
        Value::String(""),
    };
    return Pick(kValues);
  }

  parser::ParameterMap ParamMap() {
    static const std::vector<std::string> kKeys = {"x", "y", "*", "policies", "token_policies", "limit"};
    parser::ParameterMap map;
    const std::size_t n = Below(4);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<Value> values;
      const std::size_t m = Below(3);
      for (std::size_t j = 0; j < m; ++j) {
        values.push_back(PolicyValue());
      }
      map[Pick(kKeys)] = values;
    }
    return map;
  }

  parser::PathRule Rule(Dialect dialect) {
    while (true) {
      std::string label = Label();
      if (!parser::NormalizePattern(label)) {
        continue;  // "+*" is rejected by the parser
      }
      parser::PathRule rule = testing::MakeRule(label, {});
      if (Chance(0.1)) {
        rule.capabilities = parser::CapabilitySet::Deny();
        return rule;
      }
      std::vector<Capability> caps = {Capability::kCreate, Capability::kRead,  Capability::kUpdate,
                                      Capability::kDelete, Capability::kList,  Capability::kSudo,
                                      Capability::kPatch};
      if (dialect == Dialect::kOpenBao) {
        caps.push_back(Capability::kScan);
      } else {
        caps.push_back(Capability::kRecover);
        caps.push_back(Capability::kSubscribe);
      }
      for (Capability c : caps) {
        if (Chance(0.35)) {
          rule.capabilities.Add(c);
        }
      }
      Decorate(rule, dialect);
      return rule;
    }
  }

  void Decorate(parser::PathRule& rule, Dialect dialect) {
    if (Chance(0.15)) {
      rule.allowed_parameters = ParamMap();
    }
    if (Chance(0.1)) {
      rule.denied_parameters = ParamMap();
    }
    if (Chance(0.05)) {
      static const std::vector<std::string> kRequired = {"x", "X", "limit", "Y"};
      rule.required_parameters.push_back(Pick(kRequired));
    }
    if (Chance(0.1)) {
      static const std::vector<std::int64_t> kTtls = {0, 60, 300};
      rule.min_wrapping_ttl = Pick(kTtls);
      rule.max_wrapping_ttl = Pick(kTtls);
    }
    if (dialect == Dialect::kOpenBao && Chance(0.08)) {
      rule.pagination_limit = Chance(0.5) ? 10 : 0;
    }
  }

  std::vector<parser::Policy> Policies(Dialect dialect) {
    std::vector<parser::Policy> out;
    const std::size_t n = 1 + Below(4);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<parser::PathRule> rules;
      const std::size_t m = 1 + Below(8);
      for (std::size_t j = 0; j < m; ++j) {
        rules.push_back(Rule(dialect));
      }
      out.push_back(testing::MakePolicy("p" + std::to_string(i), std::move(rules)));
    }
    if (Chance(0.01)) {
      out.push_back(testing::MakePolicy("root", {}));
    }
    return out;
  }

  std::string PathFrom(const std::vector<parser::Policy>& policies) {
    if (Chance(0.3)) {
      std::string path = Chance(0.03) ? "/" : "";
      const std::size_t n = Below(6);
      for (std::size_t i = 0; i < n; ++i) {
        std::string seg = Segment();
        path += (i > 0 ? "/" : "") + (seg == "+" ? std::string("q") : seg);
      }
      return path + (Chance(0.3) ? "/" : "");
    }
    const parser::Policy& p = Pick(policies);
    if (p.rules.empty()) {
      return "a";
    }
    std::string key = Pick(p.rules).pattern.key;
    std::string path;
    std::string seg;
    bool first = true;
    for (std::size_t start = 0;;) {
      const std::size_t slash = key.find('/', start);
      seg = key.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      if (seg == "+") {
        static const std::vector<std::string> kFill = {"q", "", "a", "ab"};
        seg = Pick(kFill);
      }
      path += (first ? "" : "/") + seg;
      first = false;
      if (slash == std::string::npos) {
        break;
      }
      start = slash + 1;
    }
    if (!path.empty() && path.back() == '*') {
      path.pop_back();
    }
    if (Chance(0.4)) {
      static const std::vector<std::string> kTails = {"x", "/x", "/", "b/c", "/+", "a/"};
      path += Pick(kTails);
    }
    if (Chance(0.15)) {
      path += "/";
    }
    return path;
  }

  Operation Op() {
    static const std::vector<Operation> kOps = {
        Operation::kRead,  Operation::kRead,    Operation::kList,   Operation::kList,  Operation::kUpdate,
        Operation::kCreate, Operation::kDelete, Operation::kPatch,  Operation::kHelp,  Operation::kScan,
        Operation::kRecover, Operation::kRevoke, Operation::kRenew, Operation::kRollback, Operation::kSubscribe,
        Operation::kHeader,
    };
    return Pick(kOps);
  }

  Params Data() {
    static const std::vector<std::string> kKeys = {"x", "X", "y", "policies", "Token_Policies", "limit", "z", "*"};
    Params data;
    const std::size_t n = Below(4);
    for (std::size_t i = 0; i < n; ++i) {
      data[Pick(kKeys)] = ParamValue();
    }
    return data;
  }

  std::optional<std::chrono::nanoseconds> Wrap() {
    if (!Chance(0.25)) {
      return std::nullopt;
    }
    static const std::vector<std::int64_t> kNanos = {30'000'000'000, 60'000'000'000, 300'000'000'000,
                                                     60'500'000'000, 1'500'000'000};
    return std::chrono::nanoseconds(Pick(kNanos));
  }

 private:
  std::mt19937_64 rng_;
};

std::vector<std::string> Names(const CapabilityList& caps) {
  return {caps.begin(), caps.end()};
}

std::string Describe(const std::vector<parser::Policy>& policies) {
  std::string out;
  for (const parser::Policy& p : policies) {
    out += "policy " + p.name + ":\n";
    for (const parser::PathRule& r : p.rules) {
      out += "  path \"" + r.label + "\" caps=" + std::to_string(r.capabilities.bits());
      if (r.allowed_parameters) {
        out += " allowed{";
        for (const auto& [k, v] : *r.allowed_parameters) {
          out += k + ":" + Value::MakeList(v).ToString() + " ";
        }
        out += "}";
      }
      if (r.denied_parameters) {
        out += " denied{";
        for (const auto& [k, v] : *r.denied_parameters) {
          out += k + ":" + Value::MakeList(v).ToString() + " ";
        }
        out += "}";
      }
      for (const std::string& q : r.required_parameters) {
        out += " required:" + q;
      }
      out += " ttl=" + std::to_string(r.min_wrapping_ttl) + "/" + std::to_string(r.max_wrapping_ttl);
      if (r.pagination_limit) {
        out += " page=" + std::to_string(*r.pagination_limit);
      }
      out += "\n";
    }
  }
  return out;
}

TEST(EvaluatorProperty, CompiledAclAgreesWithReference) {
  const std::uint64_t cases = EnvOr("POLCHECK_PROPERTY_CASES", POLCHECK_PROPERTY_DEFAULT_CASES);
  const std::uint64_t seed = EnvOr("POLCHECK_PROPERTY_SEED", 20260523);
  Generator gen(seed);
  Identity identity;
  identity.entity = Entity{.id = "e1", .name = "a", .metadata = {}, .aliases = {}};
  Identity plus_identity;
  plus_identity.entity = Entity{.id = "e2", .name = "+", .metadata = {}, .aliases = {}};
  const std::vector<Dialect> dialects = {Dialect::kVault, Dialect::kVaultLegacy, Dialect::kOpenBao};
  std::uint64_t checked = 0;
  std::uint64_t allowed = 0;
  std::uint64_t policy_sets = 0;
  const auto start = std::chrono::steady_clock::now();
  while (checked < cases) {
    const Dialect dialect = dialects[policy_sets % dialects.size()];
    ++policy_sets;
    std::vector<parser::Policy> policies = gen.Policies(dialect);
    const Identity* who = gen.Chance(0.2) ? nullptr : (gen.Chance(0.5) ? &identity : &plus_identity);
    const AclOptions options{.dialect = dialect, .identity = who, .now_unix = 1700000000};
    Expected<Acl> acl = Acl::Build(testing::Pointers(policies), options);
    std::optional<reference::ReferenceAcl> ref = reference::ReferenceAcl::Build(
        testing::Pointers(policies), {.dialect = dialect, .identity = who, .now_unix = 1700000000});
    ASSERT_EQ(acl.has_value(), ref.has_value()) << Describe(policies);
    if (!acl) {
      continue;
    }
    for (int i = 0; i < 20 && checked < cases; ++i, ++checked) {
      const std::string path = gen.PathFrom(policies);
      const Params data = gen.Data();
      const bool with_data = gen.Chance(0.5);
      const Request request{.path = path,
                            .operation = gen.Op(),
                            .params = with_data ? &data : nullptr,
                            .wrap_ttl = gen.Wrap()};
      const Result got = acl->Check(request);
      const reference::Answer want = ref->Check(request);
      const std::string context = "dialect=" + std::string(DialectName(dialect)) + " op=" +
                                  std::string(OperationName(request.operation)) + " path=\"" + path + "\"\n" +
                                  Describe(policies);
      ASSERT_EQ(got.allowed, want.allowed) << context << "reason=" << ReasonText(got.reason);
      ASSERT_EQ(got.root_privs, want.root_privs) << context;
      ASSERT_EQ(got.is_root, want.is_root) << context;
      ASSERT_EQ(got.rule != kNoRule, want.matched) << context;
      if (want.matched) {
        ASSERT_EQ(acl->rule(got.rule).key, want.key) << context;
        ASSERT_EQ(acl->rule(got.rule).kind, want.kind) << context;
        ASSERT_EQ(got.capabilities.bits(), want.bits) << context;
      }
      std::vector<std::string> granting;
      for (std::uint32_t p : got.granting_policies) {
        granting.emplace_back(acl->policy_name(p));
      }
      ASSERT_EQ(granting, want.granting) << context;
      ASSERT_EQ(Names(acl->Capabilities(path)), ref->Capabilities(path)) << context;
      allowed += got.allowed ? 1 : 0;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("property: %llu cases over %llu policy sets, %llu allowed, seed %llu, %.1f s\n",
              static_cast<unsigned long long>(checked), static_cast<unsigned long long>(policy_sets),
              static_cast<unsigned long long>(allowed), static_cast<unsigned long long>(seed), seconds);
  // The generator must produce both answers in bulk, or the test proves little.
  EXPECT_GT(allowed, checked / 20);
  EXPECT_LT(allowed, checked - checked / 20);
}

}  // namespace
}  // namespace polcheck::evaluator
