// Parameter values, as policy files write them and as requests carry them.
//
// Mirrors the Go types Vault compares with reflect.DeepEqual: a policy int is
// never equal to a policy float or string, and a request number decoded from an
// HTTP JSON body (Go json.Number, Kind::kNumber here) equals nothing a policy can
// write (SEMANTICS.md §6.2).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace polcheck::parser {

class Value {
 public:
  enum class Kind { kNull, kString, kInt, kFloat, kBool, kList, kObject, kNumber };
  using List = std::vector<Value>;
  using Object = std::map<std::string, Value>;

  Value() = default;  // null
  static Value String(std::string s) { return Value(Kind::kString, std::move(s)); }
  // A request number from a JSON body, kept as its literal text ("1", "2.5").
  static Value Number(std::string literal) { return Value(Kind::kNumber, std::move(literal)); }
  static Value Int(std::int64_t i) { Value v; v.kind_ = Kind::kInt; v.int_ = i; return v; }
  static Value Float(double d) { Value v; v.kind_ = Kind::kFloat; v.float_ = d; return v; }
  static Value Bool(bool b) { Value v; v.kind_ = Kind::kBool; v.bool_ = b; return v; }
  static Value MakeList(List items) { Value v; v.kind_ = Kind::kList; v.list_ = std::move(items); return v; }
  static Value MakeObject(Object members) {
    Value v; v.kind_ = Kind::kObject; v.object_ = std::move(members); return v;
  }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  // Text of a kString or kNumber value.
  const std::string& str() const { return str_; }
  std::int64_t int_value() const { return int_; }
  double float_value() const { return float_; }
  bool bool_value() const { return bool_; }
  const List& list() const { return list_; }
  const Object& object() const { return object_; }

  // Go reflect.DeepEqual on the decoded values: same kind and equal contents.
  bool operator==(const Value& other) const;

  // Human-readable rendering (JSON-like) for explanations and `parse` output.
  std::string ToString() const;

 private:
  Value(Kind kind, std::string s) : kind_(kind), str_(std::move(s)) {}

  Kind kind_ = Kind::kNull;
  std::string str_;
  std::int64_t int_ = 0;
  double float_ = 0;
  bool bool_ = false;
  List list_;
  Object object_;
};

}  // namespace polcheck::parser
