// Typed request fields, converted as Vault's framework does before a handler
// runs (sdk/framework FieldData.Validate: mapstructure.WeakDecode per field).
// Clients send booleans and numbers as strings — every form body, and the Vault
// CLI's `vault write path key=value` — so "true", "1" and "3" must work where a
// handler reads a bool or an int, and "yes" must be a 400 naming the field, not
// an internal error. A backend declares the typed fields of each path
// (Backend::Fields); the core converts them in place after the ACL check (the
// ACL judges the values as sent) and before Handle.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace polcheck::runtime {

enum class FieldKind {
  kBool,       // framework.TypeBool: bool, number (0 false, 1 true) or strconv.ParseBool text; "" = false
  kInt,        // framework.TypeInt: integer, bool (1/0), or strconv.ParseInt(text, 0, 64); "" = 0
  kString,     // framework.TypeString: string; bool -> "1"/"0", number -> its text
  kIntList,    // framework.TypeCommaIntSlice: [int], "1,2,3" or one int
  kStringMap,  // map[string]string: an object whose values convert as kString
  kKvPairs,    // framework.TypeKVPairs: such an object, else a list of "key=value" strings
};

struct Field {
  std::string_view name;
  FieldKind kind;
};

using FieldList = std::span<const Field>;

// How a failure is reported: a framework path names the first bad field; a request
// Vault decodes into a struct in one mapstructure.WeakDecode (token create) lists
// every bad field, prefixed "Error decoding request: ".
enum class FieldErrors { kFramework, kStruct };

// Rewrites each of `fields` present in `data` (an object) to its JSON type: bool,
// int64, string, or an array of int64. Returns Vault's message for the first field
// (in `fields` order) that does not convert, e.g.
//   error converting input yes for field "renewable": cannot parse '' as bool:
//   strconv.ParseBool: parsing "yes": invalid syntax
// and leaves the remaining fields as they were.
// With FieldErrors::kStruct every field that converts is rewritten and the message
// lists each failure, sorted, as mapstructure's multi-error does:
//   Error decoding request: 1 error(s) decoding:\n\n* cannot parse 'num_uses' as int: ...
[[nodiscard]] std::optional<std::string> ConvertFields(nlohmann::json& data, FieldList fields,
                                                       FieldErrors style = FieldErrors::kFramework);

}  // namespace polcheck::runtime
