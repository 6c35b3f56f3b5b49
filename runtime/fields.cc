// Weak typing of request fields, as mapstructure.WeakDecode (v1.5, which Vault's
// framework uses) converts them. Vault decodes request JSON with UseNumber, so a
// JSON number reaches these rules as its text (a Go json.Number is a string kind):
// 1 and 0 are bools, 3.5 is not an int. Written by hand: the rules are Go's
// strconv and mapstructure, which no C++ library reproduces.
#include "runtime/fields.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

namespace polcheck::runtime {
namespace {

using nlohmann::json;

// Go's %q of a string: printable ASCII as is, the rest escaped.
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;  // UTF-8 passes through, as Go prints valid runes
        }
    }
  }
  return out + "\"";
}

// The text a json.Number would carry (nlohmann keeps integers exactly).
std::string NumberText(const json& v) {
  return v.dump();
}

// Go's %v of a decoded JSON value: strings raw, [a b], map[k:v] with sorted keys.
std::string GoValue(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return v.get<std::string>();
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) {
        out += (i == 0 ? "" : " ") + GoValue(v[i]);
      }
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "map[";  // nlohmann objects iterate in key order, as fmt sorts them
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        out += (first ? "" : " ") + key + ":" + GoValue(item);
        first = false;
      }
      return out + "]";
    }
    case json::value_t::null:
      return "<nil>";
    default:
      return NumberText(v);
  }
}

std::string GoTypeName(const json& v) {
  return v.is_array() ? "[]interface {}" : v.is_object() ? "map[string]interface {}" : "interface {}";
}

std::string Unconvertible(const std::string& name, std::string_view target, const json& v) {
  return "'" + name + "' expected type '" + std::string(target) + "', got unconvertible type '" +
         GoTypeName(v) + "', value: '" + GoValue(v) + "'";
}

// strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) {
      return true;
    }
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) {
      return false;
    }
  }
  return std::nullopt;
}

// strconv's underscoreOK: '_' only between digits (a base prefix counts as a digit).
bool UnderscoreOk(std::string_view s) {
  char saw = '^';
  std::size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  bool hex = false;
  auto lower = [](char c) { return static_cast<char>(c | 0x20); };
  if (s.size() >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') {
        return false;
      }
      saw = '_';
      continue;
    }
    if (saw == '_') {
      return false;
    }
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseInt(s, 0, 64); the error is strconv's text.
std::optional<std::int64_t> ParseGoInt(std::string_view s0, std::string& error) {
  const std::string quoted = GoQuote(s0);
  auto syntax = [&] {
    error = "strconv.ParseInt: parsing " + quoted + ": invalid syntax";
    return std::nullopt;
  };
  std::string_view s = s0;
  if (s.empty()) {
    return syntax();
  }
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
    if (s.empty()) {
      return syntax();
    }
  }
  unsigned base = 10;
  if (s[0] == '0') {
    auto lower = [](char c) { return static_cast<char>(c | 0x20); };
    if (s.size() >= 3 && lower(s[1]) == 'b') {
      base = 2, s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'o') {
      base = 8, s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'x') {
      base = 16, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
    }
  }
  std::uint64_t n = 0;
  bool overflow = false;
  bool underscores = false;
  for (const char c : s) {
    unsigned digit = 0;
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
      digit = static_cast<unsigned>((c | 0x20) - 'a' + 10);
    } else {
      return syntax();
    }
    if (digit >= base) {
      return syntax();
    }
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / base) {
      overflow = true;
      n = std::numeric_limits<std::uint64_t>::max();
      continue;
    }
    n = n * base + digit;
  }
  if (underscores && !UnderscoreOk(s0)) {
    return syntax();
  }
  const std::uint64_t limit = std::uint64_t{1} << 63;  // |min int64|
  if (overflow || (!negative && n >= limit) || (negative && n > limit)) {
    error = "strconv.ParseInt: parsing " + quoted + ": value out of range";
    return std::nullopt;
  }
  return negative ? static_cast<std::int64_t>(0 - n) : static_cast<std::int64_t>(n);
}

// mapstructure's decoders under WeaklyTypedInput. Each failure is one message;
// `nested` says they come from elements of a list or map, which mapstructure
// reports as a multi-error ("2 error(s) decoding: ...").
struct Failures {
  std::vector<std::string> items;
  bool nested = false;
};

// A null element (a JSON null inside a list or map) decodes to the zero value:
// mapstructure leaves the target untouched when the input is nil.
std::optional<json> DecodeBool(const std::string& name, const json& v, Failures& failed) {
  if (v.is_null()) {
    return json(false);
  }
  if (v.is_boolean()) {
    return v;
  }
  if (v.is_string() || v.is_number()) {
    const std::string text = v.is_string() ? v.get<std::string>() : NumberText(v);
    if (std::optional<bool> b = ParseGoBool(text)) {
      return json(*b);
    }
    if (text.empty()) {
      return json(false);
    }
    failed.items.push_back("cannot parse '" + name + "' as bool: strconv.ParseBool: parsing " +
                           GoQuote(text) + ": invalid syntax");
    return std::nullopt;
  }
  failed.items.push_back(Unconvertible(name, "bool", v));
  return std::nullopt;
}

std::optional<json> DecodeInt(const std::string& name, const json& v, Failures& failed) {
  if (v.is_null()) {
    return json(std::int64_t{0});
  }
  if (v.is_boolean()) {
    return json(std::int64_t{v.get<bool>() ? 1 : 0});
  }
  if (v.is_string() || v.is_number()) {
    std::string text = v.is_string() ? v.get<std::string>() : NumberText(v);
    if (text.empty()) {
      text = "0";
    }
    std::string why;
    if (std::optional<std::int64_t> i = ParseGoInt(text, why)) {
      return json(*i);
    }
    failed.items.push_back("cannot parse '" + name + "' as int: " + why);
    return std::nullopt;
  }
  failed.items.push_back(Unconvertible(name, "int", v));
  return std::nullopt;
}

std::optional<json> DecodeString(const std::string& name, const json& v, Failures& failed) {
  if (v.is_null()) {
    return json("");
  }
  if (v.is_string()) {
    return v;
  }
  if (v.is_boolean()) {
    return json(v.get<bool>() ? "1" : "0");
  }
  if (v.is_number()) {
    return json(NumberText(v));
  }
  failed.items.push_back(Unconvertible(name, "string", v));
  return std::nullopt;
}

// strings.Split(s, ","), except that "" gives no element (StringToSliceHookFunc).
json SplitCommas(std::string_view s) {
  json items = json::array();
  if (s.empty()) {
    return items;
  }
  for (;;) {
    const std::size_t comma = s.find(',');
    items.push_back(std::string(s.substr(0, comma)));
    if (comma == std::string_view::npos) {
      return items;
    }
    s.remove_prefix(comma + 1);
  }
}

// decodeSlice: a list as is; a non-empty map or a scalar becomes a one-element list.
json AsList(const json& v) {
  if (v.is_array()) {
    return v;
  }
  if (v.is_object() && v.empty()) {
    return json::array();
  }
  return json::array({v});
}

using ElementDecoder = std::optional<json> (*)(const std::string&, const json&, Failures&);

// Each element with `decode`, named "NAME[i]"; failures are nested.
std::optional<json> DecodeElements(const std::string& name, const json& items, ElementDecoder decode,
                                   Failures& failed) {
  json out = json::array();
  Failures elements;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (std::optional<json> item = decode(name + "[" + std::to_string(i) + "]", items[i], elements)) {
      out.push_back(*std::move(item));
    }
  }
  if (elements.items.empty()) {
    return out;
  }
  failed.items.insert(failed.items.end(), elements.items.begin(), elements.items.end());
  failed.nested = true;
  return std::nullopt;
}

// TypeCommaIntSlice: "1,2,3", [1, "2"] or one int.
std::optional<json> DecodeIntList(const std::string& name, const json& v, Failures& failed) {
  return DecodeElements(name, v.is_string() ? SplitCommas(v.get_ref<const std::string&>()) : AsList(v),
                        DecodeInt, failed);
}

std::string GoKind(const json& v) {
  return v.is_boolean()  ? "bool"
         : v.is_array()  ? "slice"
         : v.is_object() ? "map"
                         : "string";  // json.Number is a string
}

// map[string]string: every value decodes as a string, named "NAME[key]".
std::optional<json> DecodeStringMap(const std::string& name, const json& v, Failures& failed) {
  if (v.is_array() && v.empty()) {
    return json::object();  // decodeMapFromSlice of nothing
  }
  if (!v.is_object()) {
    failed.items.push_back("'" + name + "' expected a map, got '" + GoKind(v) + "'");
    return std::nullopt;
  }
  json out = json::object();
  Failures values;
  for (const auto& [key, item] : v.items()) {
    if (std::optional<json> text = DecodeString(name + "[" + key + "]", item, values)) {
      out[key] = *std::move(text);
    }
  }
  if (values.items.empty()) {
    return out;
  }
  failed.items.insert(failed.items.end(), values.items.begin(), values.items.end());
  failed.nested = true;
  return std::nullopt;
}

// TypeKVPairs: a map of strings, else a list of "key=value" strings.
std::optional<json> DecodeKvPairs(const std::string& name, const json& v, Failures& failed) {
  Failures as_map;
  if (std::optional<json> map = DecodeStringMap(name, v, as_map)) {
    return map;
  }
  std::optional<json> list = DecodeElements(name, AsList(v), DecodeString, failed);
  if (!list) {
    return std::nullopt;
  }
  json out = json::object();
  for (const json& pair : *list) {
    const std::string& text = pair.get_ref<const std::string&>();
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      failed.items.push_back("invalid key pair " + GoQuote(text));
      return std::nullopt;
    }
    out[text.substr(0, eq)] = text.substr(eq + 1);
  }
  return out;
}

std::string MultiError(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out = std::to_string(items.size()) + " error(s) decoding:\n\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "* " : "\n* ") + items[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> ConvertFields(json& data, FieldList fields, FieldErrors style) {
  const bool as_struct = style == FieldErrors::kStruct;
  std::vector<std::string> struct_errors;
  for (const Field& field : fields) {
    auto it = data.find(std::string(field.name));
    if (it == data.end() || it->is_null()) {
      continue;
    }
    // mapstructure names a struct member by its tag; a framework field decodes alone, unnamed.
    const std::string name = as_struct ? std::string(field.name) : "";
    Failures failed;
    std::optional<json> converted;
    switch (field.kind) {
      case FieldKind::kBool:
        converted = DecodeBool(name, *it, failed);
        break;
      case FieldKind::kInt:
        converted = DecodeInt(name, *it, failed);
        break;
      case FieldKind::kString:
        converted = DecodeString(name, *it, failed);
        break;
      case FieldKind::kIntList:
        converted = DecodeIntList(name, *it, failed);
        break;
      case FieldKind::kStringMap:
        converted = DecodeStringMap(name, *it, failed);
        break;
      case FieldKind::kKvPairs:
        converted = DecodeKvPairs(name, *it, failed);
        break;
    }
    if (converted) {
      *it = *std::move(converted);
    } else if (as_struct) {
      struct_errors.insert(struct_errors.end(), failed.items.begin(), failed.items.end());
    } else {
      return "error converting input " + GoValue(*it) + " for field " + GoQuote(field.name) + ": " +
             (failed.nested ? MultiError(failed.items) : failed.items.front());
    }
  }
  if (struct_errors.empty()) {
    return std::nullopt;
  }
  return "Error decoding request: " + MultiError(std::move(struct_errors));
}

}  // namespace polcheck::runtime
