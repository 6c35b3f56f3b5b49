#include "evaluator/params.h"

#include <algorithm>

#include "evaluator/go_text.h"

namespace polcheck::evaluator {
namespace {

using parser::Value;

// Lower-cases request parameter names without allocating for short ASCII names.
class LowerBuffer {
 public:
  std::string_view Lower(std::string_view s) {
    if (s.size() <= sizeof(buffer_) && IsAscii(s)) {
      for (std::size_t i = 0; i < s.size(); ++i) {
        buffer_[i] = AsciiLower(s[i]);
      }
      return {buffer_, s.size()};
    }
    heap_ = GoToLower(s);
    return heap_;
  }

 private:
  char buffer_[128];
  std::string heap_;
};

// One comma piece of a string request value against the list (only string
// elements can match a string).
bool StringInList(std::string_view piece, const std::vector<Value>& list) {
  for (const Value& element : list) {
    if (element.kind() == Value::Kind::kString && GlobbedStringsMatch(element.str(), piece)) {
      return true;
    }
  }
  return false;
}

// Calls `test(piece)` on each ParseCommaStringSlice piece of `s` until it
// returns `stop_on`; returns whether it did.
template <typename Test>
bool AnyCommaPiece(std::string_view s, bool stop_on, Test test) {
  if (s.empty()) {
    return false;
  }
  for (std::size_t start = 0;;) {
    const std::size_t comma = s.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? s.size() : comma;
    if (test(GoTrimSpace(s.substr(start, end - start))) == stop_on) {
      return true;
    }
    if (comma == std::string_view::npos) {
      return false;
    }
    start = comma + 1;
  }
}

// The value the checks compare: lower-cased for policies/token_policies in Vault.
const Value& Effective(std::string_view lowered_name, const Value& value, ParamSemantics semantics,
                       Value& storage) {
  if (!semantics.lower_policy_values || !IsPolicyListParameter(lowered_name)) {
    return value;
  }
  storage = LowerPolicyValue(value);
  return storage;
}

ParamVerdict Refuse(Reason reason, std::string_view parameter = {}) { return {reason, parameter}; }

ParamVerdict CheckDenied(const ParamTable& denied, const Params& data, ParamSemantics semantics) {
  if (denied.empty()) {
    return {};
  }
  if (denied.has_star()) {
    return Refuse(Reason::kAllParametersDenied);
  }
  LowerBuffer lower;
  for (const auto& [name, value] : data) {
    const std::string_view lowered = lower.Lower(name);
    const std::vector<Value>* list = denied.Find(lowered);
    if (list == nullptr) {
      continue;
    }
    Value storage;
    if (ValueInDeniedList(Effective(lowered, value, semantics, storage), *list, semantics.list_valued)) {
      return Refuse(Reason::kParameterDenied, name);
    }
  }
  return {};
}

ParamVerdict CheckAllowed(const ParamTable& allowed, const Params& data, ParamSemantics semantics) {
  if (allowed.empty() || (allowed.size() == 1 && allowed.has_star())) {
    return {};
  }
  LowerBuffer lower;
  for (const auto& [name, value] : data) {
    const std::string_view lowered = lower.Lower(name);
    const std::vector<Value>* list = allowed.Find(lowered);
    if (list == nullptr) {
      if (!allowed.has_star()) {
        return Refuse(Reason::kParameterNotAllowed, name);
      }
      continue;
    }
    Value storage;
    if (!ValueInAllowedList(Effective(lowered, value, semantics, storage), *list, semantics.list_valued)) {
      return Refuse(Reason::kParameterValueNotAllowed, name);
    }
  }
  return {};
}

// parseutil.SafeParseInt on a request value.
std::optional<std::int64_t> LimitValue(const Value& raw) {
  switch (raw.kind()) {
    case Value::Kind::kString:
    case Value::Kind::kNumber:
      return raw.str().empty() ? std::optional<std::int64_t>(0) : ParseGoInt(raw.str());
    case Value::Kind::kInt:
      return raw.int_value();
    case Value::Kind::kNull:
    case Value::Kind::kFloat:
    case Value::Kind::kBool:
    case Value::Kind::kList:
    case Value::Kind::kObject:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

ParamTable::ParamTable(const parser::ParameterMap& map) {
  entries_.reserve(map.size());
  for (const auto& [key, values] : map) {
    entries_.emplace_back(key, values);
    has_star_ = has_star_ || key == "*";
  }
  // std::map is already sorted by key; keep the invariant explicit.
  std::sort(entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

const std::vector<Value>* ParamTable::Find(std::string_view key) const {
  if (entries_.size() <= 8) {
    for (const auto& [name, values] : entries_) {
      if (name.size() == key.size() && std::equal(name.begin(), name.end(), key.begin())) {
        return &values;
      }
    }
    return nullptr;
  }
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const auto& entry, std::string_view k) { return entry.first < k; });
  if (it == entries_.end() || it->first != key) {
    return nullptr;
  }
  return &it->second;
}

bool IsPolicyListParameter(std::string_view lowered_name) {
  return lowered_name == "policies" || lowered_name == "token_policies";
}

Value LowerPolicyValue(const Value& value) {
  if (value.kind() == Value::Kind::kString) {
    return Value::String(GoToLower(value.str()));
  }
  if (value.kind() != Value::Kind::kList) {
    return value;
  }
  Value::List lowered;
  lowered.reserve(value.list().size());
  for (const Value& element : value.list()) {
    lowered.push_back(element.kind() == Value::Kind::kString ? Value::String(GoToLower(element.str()))
                                                              : element);
  }
  return Value::MakeList(std::move(lowered));
}

bool ValueInParameterList(const Value& value, const std::vector<Value>& list) {
  for (const Value& element : list) {
    if (element.is_null() || value.is_null()) {
      if (element.is_null() && value.is_null()) {
        return true;
      }
      continue;
    }
    if (element.kind() == Value::Kind::kString) {
      if (value.kind() == Value::Kind::kString && GlobbedStringsMatch(element.str(), value.str())) {
        return true;
      }
      continue;
    }
    if (element == value) {
      return true;
    }
  }
  return false;
}

bool ValueInAllowedList(const Value& value, const std::vector<Value>& list, bool list_valued) {
  if (list.empty() || ValueInParameterList(value, list)) {
    return true;
  }
  if (!list_valued) {
    return false;
  }
  if (value.kind() == Value::Kind::kList) {
    return std::all_of(value.list().begin(), value.list().end(),
                       [&](const Value& element) { return ValueInParameterList(element, list); });
  }
  if (value.kind() == Value::Kind::kString) {
    // Every piece must match; "" splits to nothing and passes.
    return !AnyCommaPiece(value.str(), false, [&](std::string_view piece) { return StringInList(piece, list); });
  }
  return false;
}

bool ValueInDeniedList(const Value& value, const std::vector<Value>& list, bool list_valued) {
  if (list.empty() || ValueInParameterList(value, list)) {
    return true;
  }
  if (!list_valued) {
    return false;
  }
  if (value.kind() == Value::Kind::kList) {
    return std::any_of(value.list().begin(), value.list().end(),
                       [&](const Value& element) { return ValueInParameterList(element, list); });
  }
  if (value.kind() == Value::Kind::kString) {
    return AnyCommaPiece(value.str(), true, [&](std::string_view piece) { return StringInList(piece, list); });
  }
  return false;
}

ParamVerdict CheckParameters(const ParamConstraints& constraints, const Params* data,
                             ParamSemantics semantics) {
  for (const std::string& required : constraints.required_lower) {
    if (data == nullptr || data->find(required) == data->end()) {
      return Refuse(Reason::kRequiredParameterMissing, required);
    }
  }
  if (data == nullptr || data->empty()) {
    return {};
  }
  if (ParamVerdict denied = CheckDenied(constraints.denied, *data, semantics); denied.reason != Reason::kAllowed) {
    return denied;
  }
  return CheckAllowed(constraints.allowed, *data, semantics);
}

ParamVerdict CheckPagination(const ParamConstraints& constraints, const Params* data) {
  if (!constraints.pagination_limit || *constraints.pagination_limit <= 0) {
    return {};  // limit=max is merely rewritten to 0
  }
  const std::int64_t limit = *constraints.pagination_limit;
  const Value* raw = nullptr;
  if (data != nullptr) {
    if (auto it = data->find("limit"); it != data->end()) {
      raw = &it->second;
    }
  }
  if (raw == nullptr) {
    const bool required = std::find(constraints.required_lower.begin(), constraints.required_lower.end(),
                                    "limit") != constraints.required_lower.end();
    return required ? Refuse(Reason::kPaginationLimitRequired, "limit") : ParamVerdict{};
  }
  const std::optional<std::int64_t> value = LimitValue(*raw);
  if (!value) {
    const bool is_max = raw->kind() == Value::Kind::kString && raw->str() == "max";
    return is_max ? ParamVerdict{} : Refuse(Reason::kPaginationLimitInvalid, "limit");
  }
  if (*value > limit || *value < 0) {
    return Refuse(Reason::kPaginationLimitInvalid, "limit");
  }
  return {};
}

}  // namespace polcheck::evaluator
