// Parameter constraints (SEMANTICS.md §6.1-§6.4, §6.6), evaluated without
// allocating in the common case. Internal to the evaluator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evaluator/acl.h"
#include "parser/policy.h"
#include "parser/value.h"

namespace polcheck::evaluator {

// allowed_parameters / denied_parameters as a sorted table of lower-cased keys.
class ParamTable {
 public:
  ParamTable() = default;
  explicit ParamTable(const parser::ParameterMap& map);

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  bool has_star() const { return has_star_; }
  // The value list stored under the already lower-cased `key`.
  const std::vector<parser::Value>* Find(std::string_view key) const;

 private:
  std::vector<std::pair<std::string, std::vector<parser::Value>>> entries_;
  bool has_star_ = false;
};

// Everything the parameter phase of AllowOperation reads from a compiled rule.
struct ParamConstraints {
  ParamTable allowed;
  ParamTable denied;
  std::vector<std::string> required_lower;  // required_parameters, lower-cased
  std::optional<std::int64_t> pagination_limit;  // OpenBao, > 0 when set
};

struct ParamVerdict {
  Reason reason = Reason::kAllowed;
  std::string_view parameter;
};

struct ParamSemantics {
  bool list_valued = false;           // Vault >= 1.21 element-wise / comma-split matching (§6.3)
  bool lower_policy_values = false;   // Vault: lower-case policies / token_policies values (§6.2)
};

// Steps 2a-2g of §6.1 (read, update, create, patch; recover in Vault).
ParamVerdict CheckParameters(const ParamConstraints& constraints, const Params* data,
                             ParamSemantics semantics);

// OpenBao pagination (§6.6) for list and scan.
ParamVerdict CheckPagination(const ParamConstraints& constraints, const Params* data);

// valueInParameterList: does `value` match one element of `list` (§6.2)?
bool ValueInParameterList(const parser::Value& value, const std::vector<parser::Value>& list);
bool ValueInAllowedList(const parser::Value& value, const std::vector<parser::Value>& list,
                        bool list_valued);
bool ValueInDeniedList(const parser::Value& value, const std::vector<parser::Value>& list,
                       bool list_valued);

// Vault's normalizePolicyParameterValue: lower-cases the string (or the string
// elements of a list) sent as `policies` / `token_policies`.
bool IsPolicyListParameter(std::string_view lowered_name);
parser::Value LowerPolicyValue(const parser::Value& value);

}  // namespace polcheck::evaluator
