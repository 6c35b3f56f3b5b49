#include "parser/value.h"

#include <fmt/format.h>

namespace polcheck::parser {

bool Value::operator==(const Value& other) const {
  if (kind_ != other.kind_) {
    return false;
  }
  switch (kind_) {
    case Kind::kNull:
      return true;
    case Kind::kString:
    case Kind::kNumber:
      return str_ == other.str_;
    case Kind::kInt:
      return int_ == other.int_;
    case Kind::kFloat:
      return float_ == other.float_;
    case Kind::kBool:
      return bool_ == other.bool_;
    case Kind::kList:
      return list_ == other.list_;
    case Kind::kObject:
      return object_ == other.object_;
  }
  return false;
}

namespace {

std::string QuoteJson(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string Value::ToString() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kString:
      return QuoteJson(str_);
    case Kind::kNumber:
      return str_;
    case Kind::kInt:
      return std::to_string(int_);
    case Kind::kFloat:
      return fmt::format("{}", float_);
    case Kind::kBool:
      return bool_ ? "true" : "false";
    case Kind::kList: {
      std::string out = "[";
      for (std::size_t i = 0; i < list_.size(); ++i) {
        out += (i ? ", " : "") + list_[i].ToString();
      }
      return out + "]";
    }
    case Kind::kObject: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : object_) {
        out += (first ? "" : ", ") + QuoteJson(k) + ": " + v.ToString();
        first = false;
      }
      return out + "}";
    }
  }
  return "null";
}

}  // namespace polcheck::parser
