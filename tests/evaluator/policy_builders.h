// Hand-built policies for evaluator unit tests that should not depend on the
// HCL reader.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "evaluator/acl.h"
#include "parser/policy.h"

namespace polcheck::evaluator::testing {

using parser::Capability;
using parser::Value;

// A normalised path block as the parser would produce it.
inline parser::PathRule MakeRule(const std::string& label, std::initializer_list<Capability> caps,
                                 const std::string& namespace_path = "") {
  parser::PathRule rule;
  rule.label = label;
  if (std::optional<parser::Pattern> p = parser::NormalizePattern(label, namespace_path)) {
    rule.pattern = *p;
  }
  rule.templated = label.find("{{") != std::string::npos;
  for (Capability c : caps) {
    if (c == Capability::kDeny) {
      rule.capabilities = parser::CapabilitySet::Deny();
      rule.capability_names = {"deny"};
      break;
    }
    rule.capabilities.Add(c);
    rule.capability_names.emplace_back(parser::CapabilityName(c));
  }
  return rule;
}

inline parser::Policy MakePolicy(const std::string& name, std::vector<parser::PathRule> rules) {
  parser::Policy policy;
  policy.name = name;
  policy.rules = std::move(rules);
  for (const parser::PathRule& r : policy.rules) {
    policy.templated = policy.templated || r.templated;
  }
  return policy;
}

inline std::vector<const parser::Policy*> Pointers(const std::vector<parser::Policy>& policies) {
  std::vector<const parser::Policy*> out;
  for (const parser::Policy& p : policies) {
    out.push_back(&p);
  }
  return out;
}

inline Acl BuildOrDie(const std::vector<parser::Policy>& policies, const AclOptions& options = {}) {
  Expected<Acl> acl = Acl::Build(Pointers(policies), options);
  if (!acl) {
    throw std::runtime_error(acl.error().message);
  }
  return std::move(*acl);
}

}  // namespace polcheck::evaluator::testing
