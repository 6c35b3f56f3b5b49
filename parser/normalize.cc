#include "parser/normalize.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>

#include "base/suggest.h"
#include "parser/duration.h"

namespace polcheck::parser {
namespace {

using ast::Node;
using ast::TokenType;

std::string GoType(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kLiteral:
      return "*ast.LiteralType";
    case Node::Kind::kObject:
      return "*ast.ObjectType";
    case Node::Kind::kList:
      return "*ast.ListType";
  }
  return "*ast.LiteralType";
}

std::string At(const ast::Position& p) {
  return p.line > 0 ? fmt::format("At {}:{}", p.line, p.column) : "At -";
}

std::string MultiError(const std::vector<std::string>& errors) {
  std::string out = errors.size() == 1 ? "1 error occurred:\n"
                                       : fmt::format("{} errors occurred:\n", errors.size());
  for (const std::string& e : errors) {
    out += "\t* " + e + "\n";
  }
  return out + "\n";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// " (did you mean "x"?)" for the closest candidate within a small distance.
std::string Suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::optional<std::string_view> best = ClosestWord(word, candidates);
  return best ? fmt::format("; did you mean \"{}\"?", *best) : "";
}

std::vector<std::string_view> PathKeys(Dialect dialect) {
  std::vector<std::string_view> keys = {"comment", "policy", "capabilities", "allowed_parameters",
                                        "denied_parameters", "required_parameters", "min_wrapping_ttl",
                                        "max_wrapping_ttl", "mfa_methods", "control_group"};
  switch (dialect) {
    case Dialect::kVault:
    case Dialect::kVaultLegacy:
      keys.push_back("subscribe_event_types");
      break;
    case Dialect::kOpenBao:
      keys.insert(keys.end(), {"expiration", "pagination_limit", "list_scan_response_keys_filter_path"});
      break;
  }
  return keys;
}

bool IsOtherDialectKey(std::string_view key) {
  return key == "subscribe_event_types" || key == "expiration" || key == "pagination_limit" ||
         key == "list_scan_response_keys_filter_path";
}

// A decoder field path such as "root.allowed_parameters.ttl[0]", as hcl names
// fields in its errors. Rendered only when an error needs it: formatting the
// path of every decoded element was a large part of the parse.
class FieldPath {
 public:
  explicit FieldPath(std::string_view root) : text_(root) {}
  // parent + "." + member
  static FieldPath Member(const FieldPath& parent, std::string_view member) {
    return FieldPath(&parent, member, 0, false);
  }
  // parent + "[index]"
  static FieldPath Index(const FieldPath& parent, std::size_t index) { return FieldPath(&parent, {}, index, true); }

  std::string Render() const {
    if (parent_ == nullptr) {
      return std::string(text_);
    }
    std::string out = parent_->Render();
    if (is_index_) {
      out += '[';
      out += std::to_string(index_);
      out += ']';
    } else {
      out += '.';
      out += text_;
    }
    return out;
  }

 private:
  FieldPath(const FieldPath* parent, std::string_view member, std::size_t index, bool is_index)
      : parent_(parent), text_(member), index_(index), is_index_(is_index) {}

  const FieldPath* parent_ = nullptr;
  std::string_view text_;  // the root's text, or the member name
  std::size_t index_ = 0;
  bool is_index_ = false;
};

// The attribute name of a decoder field path ("root.Capabilities" -> "capabilities").
std::string FieldName(const FieldPath& path) {
  const std::string field = path.Render();
  return Lower(std::string_view(field).substr(field.rfind('.') + 1));
}

// The attributes a path block may hold, in any dialect (which of them a dialect
// accepts is PathKeys()).
enum class PathField : std::uint8_t {
  kComment,
  kPolicy,
  kCapabilities,
  kAllowedParameters,
  kDeniedParameters,
  kRequiredParameters,
  kMinWrappingTtl,
  kMaxWrappingTtl,
  kMfaMethods,
  kControlGroup,
  kSubscribeEventTypes,
  kExpiration,
  kPaginationLimit,
  kListScanResponseKeysFilterPath,
  kUnknown,
};

PathField PathFieldOf(std::string_view name) {
  static constexpr std::pair<std::string_view, PathField> kFields[] = {
      {"comment", PathField::kComment},
      {"policy", PathField::kPolicy},
      {"capabilities", PathField::kCapabilities},
      {"allowed_parameters", PathField::kAllowedParameters},
      {"denied_parameters", PathField::kDeniedParameters},
      {"required_parameters", PathField::kRequiredParameters},
      {"min_wrapping_ttl", PathField::kMinWrappingTtl},
      {"max_wrapping_ttl", PathField::kMaxWrappingTtl},
      {"mfa_methods", PathField::kMfaMethods},
      {"control_group", PathField::kControlGroup},
      {"subscribe_event_types", PathField::kSubscribeEventTypes},
      {"expiration", PathField::kExpiration},
      {"pagination_limit", PathField::kPaginationLimit},
      {"list_scan_response_keys_filter_path", PathField::kListScanResponseKeysFilterPath},
  };
  for (const auto& [text, field] : kFields) {
    if (text == name) {
      return field;
    }
  }
  return PathField::kUnknown;
}

// Whether `dialect` accepts the attribute (the list PathKeys() spells out).
bool PathFieldValid(PathField field, Dialect dialect) {
  switch (field) {
    case PathField::kSubscribeEventTypes:
      return dialect != Dialect::kOpenBao;
    case PathField::kExpiration:
    case PathField::kPaginationLimit:
    case PathField::kListScanResponseKeysFilterPath:
      return dialect == Dialect::kOpenBao;
    case PathField::kUnknown:
      return false;
    default:
      return true;
  }
}

// One decode failure: hcl's error text (with position) and ours.
struct DecodeError {
  std::string vault;
  std::string user;
  Span span;
};

// Scratch buffers of the normaliser (see Normalizer::seen_keys_).
struct NormalizerScratch {
  std::vector<std::pair<std::string_view, const ast::Item*>> seen_keys;
  std::vector<Span> name_spans;
  std::vector<PathField> fields;
};

NormalizerScratch& ThreadScratch() {
  thread_local NormalizerScratch scratch;
  return scratch;
}

class Normalizer {
 public:
  Normalizer(const SourceFile& source, const ast::File& file, const ParseOptions& options,
             DiagnosticSink& sink, PolicyFile& out)
      : source_(source),
        file_(file),
        options_(options),
        dialect_(options.dialect),
        sink_(sink),
        out_(out),
        vault_set_(!out.vault_error.empty()),
        seen_keys_(ThreadScratch().seen_keys),
        name_spans_(ThreadScratch().name_spans),
        fields_(ThreadScratch().fields) {
    seen_keys_.clear();  // empty unless an earlier run on this thread was interrupted
  }

  void Run();

 private:
  void VaultError(std::string inner) {
    if (!vault_set_) {
      vault_set_ = true;
      out_.vault_error = "failed to parse policy: " + inner;
    }
  }
  void Report(Severity severity, Span span, std::string code, std::string user, std::string vault = {},
              std::vector<RelatedLocation> related = {}) {
    sink_.Add(Diagnostic{severity, span, std::move(user), std::move(code), std::move(vault), std::move(related)});
    if (severity == Severity::kError) {
      ok_ = false;
    }
  }

  struct Duplicate {
    const ast::Item* first;
    const ast::Item* again;
  };
  void CheckDuplicates();
  void CollectDuplicates(ast::Seq<ast::Item> items, std::vector<Duplicate>& out);
  void CollectDuplicatesIn(const Node& node, std::vector<Duplicate>& out);
  void CheckTopLevel();
  void NormalizePath(const ast::Item& item, std::span<const ast::Key> keys);

  std::optional<DecodeError> DecodeString(const Node& node, const FieldPath& field, std::string& out) const;
  // Appends the strings (and, when `spans` is set, their spans) up to the first
  // element that is not a string.
  std::optional<DecodeError> DecodeStringList(const Node& node, const FieldPath& field, std::vector<std::string>& out,
                                              std::vector<Span>* spans) const;
  std::optional<DecodeError> DecodeValue(const Node& node, const FieldPath& field, bool in_slice,
                                         Value& out) const;
  std::optional<DecodeError> DecodeParams(const Node& node, const FieldPath& field, ParameterMap& out,
                                          std::string_view label);
  std::optional<DecodeError> DecodeTtl(const Node& node, std::string_view field, std::int64_t& out,
                                       std::string& vault_error, std::string& user_error) const;

  Span SpanOf(const Node& n) const { return n.span; }
  ast::Position PosOf(const Node& n) const { return n.pos; }

  const SourceFile& source_;
  const ast::File& file_;
  const ParseOptions& options_;
  Dialect dialect_;
  DiagnosticSink& sink_;
  PolicyFile& out_;
  bool vault_set_;
  bool ok_ = true;
  // Keys seen in the objects being checked for duplicates, innermost last.
  // These buffers belong to the thread and keep their capacity between files.
  std::vector<std::pair<std::string_view, const ast::Item*>>& seen_keys_;
  const ast::Item* FindSeenKey(std::size_t first, std::string_view key) const {
    for (std::size_t i = first; i < seen_keys_.size(); ++i) {
      if (seen_keys_[i].first == key) {
        return seen_keys_[i].second;
      }
    }
    return nullptr;
  }
  // The span of each capability name of the path block being normalised.
  std::vector<Span>& name_spans_;
  // PathFieldOf() of each attribute of the path block being normalised.
  std::vector<PathField>& fields_;
};

// Filters an object's items by key (exact, as Vault's key checks are).
std::vector<const ast::Item*> ItemsNamed(ast::Seq<ast::Item> items, std::string_view key) {
  std::vector<const ast::Item*> out;
  for (const ast::Item& item : items) {
    if (!item.keys.empty() && item.keys.front().value == key) {
      out.push_back(&item);
    }
  }
  return out;
}

// Duplicate attributes (SEMANTICS.md §1.6). Vault 2.x's hcl fork rejects them while
// parsing HCL, in every object (top level, path bodies, parameter maps, ...), naming
// the second occurrence: `The argument "x" at L:C was already set. ...` without an
// "At" prefix (vault command/policy_fmt_test.go, logical_system_test.go). Blocks
// (`path "a" {}` twice) are not attributes. The JSON reader has no such check, so
// JSON duplicates are concatenated in every dialect.
void Normalizer::CollectDuplicates(ast::Seq<ast::Item> items, std::vector<Duplicate>& out) {
  // The keys of this object go on top of seen_keys_ (a linear search: objects
  // are small) and are popped when the object is done.
  const std::size_t first = seen_keys_.size();
  // A hash map only for big objects, where the linear search would be quadratic.
  std::optional<std::unordered_map<std::string_view, const ast::Item*>> large;
  if (items.size() > 32) {
    large.emplace();
  }
  for (const ast::Item& item : items) {
    if (item.keys.empty()) {
      continue;
    }
    if (item.has_assign && item.keys.size() == 1) {  // JSON-flattened `path` items have more keys
      const std::string_view key = item.keys.front().value;
      if (large) {
        auto [it, inserted] = large->emplace(key, &item);
        if (!inserted) {
          out.push_back(Duplicate{it->second, &item});
        }
      } else if (const ast::Item* earlier = FindSeenKey(first, key)) {
        out.push_back(Duplicate{earlier, &item});
      } else {
        seen_keys_.emplace_back(key, &item);
      }
    }
    const std::size_t mark = seen_keys_.size();
    CollectDuplicatesIn(item.value, out);
    seen_keys_.resize(mark);
  }
  seen_keys_.resize(first);
}

void Normalizer::CollectDuplicatesIn(const Node& node, std::vector<Duplicate>& out) {
  if (node.kind == Node::Kind::kObject) {
    CollectDuplicates(node.items, out);
  } else if (node.kind == Node::Kind::kList) {
    for (const Node& element : node.elements) {
      CollectDuplicatesIn(element, out);
    }
  }
}

void Normalizer::CheckDuplicates() {
  std::vector<Duplicate> duplicates;
  CollectDuplicates(file_.items, duplicates);
  std::stable_sort(duplicates.begin(), duplicates.end(), [](const Duplicate& a, const Duplicate& b) {
    return a.again->keys.front().span.begin < b.again->keys.front().span.begin;
  });
  for (const Duplicate& d : duplicates) {
    const ast::Key& first = d.first->keys.front();
    const ast::Key& again = d.again->keys.front();
    const std::string_view key = again.value;
    std::vector<RelatedLocation> related = {{first.span, "first set here"}};
    if (file_.json) {
      Report(Severity::kWarning, again.span, "duplicate-attribute",
             fmt::format("\"{}\" is set twice: lists are concatenated and the last scalar wins", key), "",
             std::move(related));
      continue;
    }
    switch (dialect_) {
      case Dialect::kVault: {
        const std::string vault = fmt::format(
            "The argument \"{}\" at {}:{} was already set. Each argument can only be defined once", key,
            again.pos.line, again.pos.column);
        Report(Severity::kError, again.span, "duplicate-attribute",
               fmt::format("\"{}\" is set twice; Vault 2.x rejects duplicate attributes (older versions "
                           "concatenated lists and kept the last scalar)",
                           key),
               vault, std::move(related));
        VaultError(vault);
        break;
      }
      case Dialect::kVaultLegacy:
        Report(Severity::kWarning, again.span, "duplicate-attribute",
               fmt::format("\"{}\" is set twice: lists are concatenated and the last scalar wins; Vault "
                           "1.19.6+ warns and Vault 2.x rejects this",
                           key),
               "policy contains duplicate attributes, which will no longer be supported in a future version",
               std::move(related));
        break;
      case Dialect::kOpenBao:
        Report(Severity::kWarning, again.span, "duplicate-attribute",
               fmt::format("\"{}\" is set twice: lists are concatenated and the last scalar wins", key), "",
               std::move(related));
        break;
    }
  }
}

void Normalizer::CheckTopLevel() {
  std::vector<std::string> errors;
  for (const ast::Item& item : file_.items) {
    const std::string_view key = item.keys.front().value;
    if (key == "name" || key == "path") {
      continue;
    }
    const std::string vault = fmt::format("invalid key \"{}\" on line {}", key, item.assign.line);
    errors.push_back(vault);
    Report(Severity::kError, item.keys.front().span, "unknown-key",
           fmt::format("unknown top-level key \"{}\": a policy holds only \"path\" blocks (and an ignored "
                       "\"name\"){}",
                       key, Suggest(key, {"path", "name"})),
           vault);
  }
  if (!errors.empty()) {
    VaultError(MultiError(errors));
  }
  // hcl DecodeObject into Policy{Name string `hcl:"name"`}: only the type is checked.
  for (const ast::Item* item : ItemsNamed(file_.items, "name")) {
    std::string ignored;
    if (std::optional<DecodeError> e = DecodeString(item->value, FieldPath("root.name"), ignored)) {
      Report(Severity::kError, e->span, "invalid-type", "\"name\" must be a string (Vault ignores its value)",
             e->vault);
      VaultError(e->vault);
    }
  }
}

std::optional<DecodeError> Normalizer::DecodeString(const Node& node, const FieldPath& field,
                                                    std::string& out) const {
  if (node.kind == Node::Kind::kLiteral) {
    switch (node.token) {
      case TokenType::kNumber:
        out = node.text;
        return std::nullopt;
      case TokenType::kString:
      case TokenType::kHeredoc:
        out = node.value;
        return std::nullopt;
      case TokenType::kNull:
        out.clear();
        return std::nullopt;
      default:
        break;
    }
  }
  const std::string type = node.kind == Node::Kind::kObject ? "*ast.ObjectList" : GoType(node);
  return DecodeError{fmt::format("{}: {}: unknown type for string {}", At(node.pos), field.Render(), type),
                     fmt::format("expected a string, found {}", node.kind == Node::Kind::kLiteral
                                                                     ? std::string_view(node.text)
                                                                     : (node.kind == Node::Kind::kList ? "a list"
                                                                                                       : "an object")),
                     node.span};
}

std::optional<DecodeError> Normalizer::DecodeStringList(const Node& node, const FieldPath& field,
                                                        std::vector<std::string>& out, std::vector<Span>* spans) const {
  if (node.kind == Node::Kind::kLiteral) {
    return DecodeError{fmt::format("{}: unknown slice type: *ast.LiteralType", At(node.pos)),
                       fmt::format("\"{}\" must be a list of strings, such as [{}]", FieldName(field),
                                   node.token == TokenType::kString ? std::string_view(node.text) : "\"read\""),
                       node.span};
  }
  if (node.kind == Node::Kind::kObject) {
    // hcl decodes an object's items as the slice elements: {} is an empty list.
    if (!node.items.empty()) {
      const ast::Item& item = node.items.front();
      return DecodeError{fmt::format("{}: {}[0]: unknown type for string *ast.ObjectItem", At(item.keys.front().pos),
                                     field.Render()),
                         fmt::format("\"{}\" must be a list of strings, not an object", FieldName(field)),
                         node.span};
    }
    return std::nullopt;
  }
  out.reserve(out.size() + node.elements.size());
  if (spans != nullptr) {
    spans->reserve(spans->size() + node.elements.size());
  }
  for (std::size_t i = 0; i < node.elements.size(); ++i) {
    const Node& e = node.elements[i];
    std::string value;
    if (std::optional<DecodeError> err = DecodeString(e, FieldPath::Index(field, i), value)) {
      err->user = fmt::format("\"{}\" must hold strings; found {}", FieldName(field),
                              e.kind == Node::Kind::kLiteral ? std::string_view(e.text) : (e.kind == Node::Kind::kList ? "a list" : "an object"));
      return err;
    }
    out.push_back(std::move(value));
    if (spans != nullptr) {
      spans->push_back(e.span);
    }
  }
  return std::nullopt;
}

std::optional<DecodeError> Normalizer::DecodeValue(const Node& node, const FieldPath& field, bool in_slice,
                                                   Value& out) const {
  switch (node.kind) {
    case Node::Kind::kLiteral:
      switch (node.token) {
        case TokenType::kNumber: {
          std::int64_t v = 0;
          std::string text = node.text;
          int base = 10;
          bool neg = false;
          std::string_view digits = text;
          if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
            neg = digits[0] == '-';
            digits.remove_prefix(1);
          }
          if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
            base = 16, digits.remove_prefix(2);
          } else if (digits.size() > 1 && digits[0] == '0') {
            base = 8, digits.remove_prefix(1);
          }
          errno = 0;
          char* end = nullptr;
          const std::string d(digits);
          const long long parsed = std::strtoll(d.c_str(), &end, base);
          if (errno == ERANGE || end == d.c_str() || *end != '\0') {
            return DecodeError{fmt::format("strconv.ParseInt: parsing \"{}\": {}", node.text,
                                           errno == ERANGE ? "value out of range" : "invalid syntax"),
                               fmt::format("number {} is not a valid integer", node.text), node.span};
          }
          v = neg ? -parsed : parsed;
          out = Value::Int(v);
          return std::nullopt;
        }
        case TokenType::kFloat:
          out = Value::Float(std::strtod(std::string(node.text).c_str(), nullptr));
          return std::nullopt;
        case TokenType::kBool:
          out = Value::Bool(node.text == "true");
          return std::nullopt;
        case TokenType::kNull:
          out = Value();
          return std::nullopt;
        default:
          out = Value::String(node.value);
          return std::nullopt;
      }
    case Node::Kind::kList: {
      Value::List items;
      for (std::size_t i = 0; i < node.elements.size(); ++i) {
        Value v;
        if (std::optional<DecodeError> e = DecodeValue(node.elements[i], FieldPath::Index(field, i), true, v)) {
          return e;
        }
        items.push_back(std::move(v));
      }
      out = Value::MakeList(std::move(items));
      return std::nullopt;
    }
    case Node::Kind::kObject: {
      Value::Object members;
      for (const ast::Item& item : node.items) {
        Value v;
        if (std::optional<DecodeError> e =
                DecodeValue(item.value, FieldPath::Member(field, item.keys.front().value), false, v)) {
          return e;
        }
        members[item.keys.front().value] = std::move(v);
      }
      // hcl: an object directly inside a list decodes to a map; elsewhere to a list of maps.
      out = in_slice ? Value::MakeObject(std::move(members))
                     : Value::MakeList({Value::MakeObject(std::move(members))});
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<DecodeError> Normalizer::DecodeParams(const Node& node, const FieldPath& field, ParameterMap& out,
                                                    std::string_view label) {
  if (node.kind != Node::Kind::kObject) {
    return DecodeError{fmt::format("{}: {}: not an object type for map ({})", At(node.pos), field.Render(), GoType(node)),
                       fmt::format("\"{}\" must be a map of parameter names to lists of values, such as "
                                   "{{ \"ttl\" = [] }}",
                                   FieldName(field)),
                       node.span};
  }
  std::map<std::string, const ast::Key*> lowered;
  for (const ast::Item& item : node.items) {
    const ast::Key& key = item.keys.front();
    std::vector<Value> values;
    const Node& v = item.value;
    const FieldPath name = FieldPath::Member(field, key.value);
    if (v.kind == Node::Kind::kLiteral) {
      return DecodeError{fmt::format("{}: unknown slice type: *ast.LiteralType", At(v.pos)),
                         fmt::format("the values of parameter \"{}\" must be a list, such as [{}]", key.value,
                                     v.token == TokenType::kString ? std::string_view(v.text) : "\"value\""),
                         v.span};
    }
    if (v.kind == Node::Kind::kObject) {
      Value element;
      if (std::optional<DecodeError> e = DecodeValue(v, FieldPath::Index(name, 0), true, element)) {
        return e;
      }
      values.push_back(std::move(element));
    } else {
      for (std::size_t i = 0; i < v.elements.size(); ++i) {
        Value element;
        if (std::optional<DecodeError> e = DecodeValue(v.elements[i], FieldPath::Index(name, i), true, element)) {
          return e;
        }
        values.push_back(std::move(element));
      }
    }
    const std::string lower = GoToLower(key.value);  // Vault: strings.ToLower(key)
    auto [it, inserted] = lowered.emplace(lower, &key);
    if (!inserted && it->second->value != key.value) {
      Report(Severity::kWarning, key.span, "parameter-case-collision",
             fmt::format("parameter \"{}\" collides with \"{}\" after lower-casing in path \"{}\": Vault keeps "
                         "one of the two value lists at random; polcheck keeps this one",
                         key.value, it->second->value, label),
             "", {{it->second->span, "the other spelling"}});
      out[lower] = std::move(values);
      it->second = &key;
      continue;
    }
    std::vector<Value>& slot = out[lower];
    slot.insert(slot.end(), std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
  }
  return std::nullopt;
}

std::optional<DecodeError> Normalizer::DecodeTtl(const Node& node, std::string_view field, std::int64_t& out,
                                                 std::string& vault_error, std::string& user_error) const {
  Value v;
  const FieldPath root("root");
  if (std::optional<DecodeError> e = DecodeValue(node, FieldPath::Member(root, field), false, v)) {
    return e;
  }
  switch (v.kind()) {
    case Value::Kind::kNull:
      out = 0;
      return std::nullopt;
    case Value::Kind::kInt:
      out = v.int_value();
      return std::nullopt;
    case Value::Kind::kFloat:
      out = static_cast<std::int64_t>(v.float_value());
      return std::nullopt;
    case Value::Kind::kString: {
      DurationResult r = ParseDurationString(v.str());
      if (r.seconds) {
        out = *r.seconds;
        return std::nullopt;
      }
      vault_error = fmt::format("error parsing {}: {}", field, r.error);
      user_error = fmt::format("invalid {} \"{}\": expected seconds or a duration such as \"300s\", \"5m\", "
                               "\"1h\" or \"1d\"",
                               field, v.str());
      return std::nullopt;
    }
    default:
      vault_error = fmt::format("error parsing {}: could not parse duration from input", field);
      user_error = fmt::format("invalid {}: expected seconds or a duration string", field);
      return std::nullopt;
  }
}

struct LegacyPolicy {
  std::string_view name;
  std::vector<std::string_view> adds;
};

std::optional<std::vector<std::string>> ExpandLegacyPolicy(const std::string& policy,
                                                           std::vector<std::string> caps) {
  if (policy == "deny") {
    return std::vector<std::string>{"deny"};
  }
  static const std::map<std::string, std::vector<std::string>> kAdds = {
      {"read", {"read", "list"}},
      {"write", {"create", "read", "update", "delete", "list"}},
      {"sudo", {"create", "read", "update", "delete", "list", "sudo"}},
  };
  auto it = kAdds.find(policy);
  if (it == kAdds.end()) {
    return std::nullopt;
  }
  caps.insert(caps.end(), it->second.begin(), it->second.end());
  return caps;
}

std::string CapabilityHint(std::string_view name, Dialect dialect) {
  const std::string lower = Lower(name);
  if (lower != name && ParseCapability(lower, dialect)) {
    return fmt::format("; capabilities are case-sensitive: write \"{}\"", lower);
  }
  if (name == "scan") {
    return ": \"scan\" is an OpenBao capability; Vault rejects it";
  }
  if (name == "subscribe" || name == "recover") {
    return fmt::format(": \"{}\" is a Vault capability; OpenBao rejects it", name);
  }
  if (name == "root") {
    return ": \"root\" is only reported for root tokens and cannot be granted by a policy";
  }
  if (name == "write") {
    return ": \"write\" is not a capability; use \"create\" and \"update\" (or the legacy policy = \"write\")";
  }
  std::vector<std::string_view> all;
  for (int i = 0; i < kCapabilityCount; ++i) {
    if (ParseCapability(CapabilityName(static_cast<Capability>(i)), dialect)) {
      all.push_back(CapabilityName(static_cast<Capability>(i)));
    }
  }
  return Suggest(name, all);
}

// Go's time.Parse(time.RFC3339, s) acceptance, returning Unix seconds.
std::optional<std::int64_t> ParseRfc3339(const std::string& s) {
  std::tm tm{};
  int offset_sign = 0, oh = 0, om = 0;
  char tz = 0;
  const char* p = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr) {
    return std::nullopt;
  }
  if (*p == '.') {
    ++p;
    while (*p >= '0' && *p <= '9') {
      ++p;
    }
  }
  tz = *p;
  if (tz == 'Z') {
    ++p;
  } else if (tz == '+' || tz == '-') {
    offset_sign = tz == '+' ? 1 : -1;
    if (std::sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) {
      return std::nullopt;
    }
    p += 6;
  } else {
    return std::nullopt;
  }
  if (*p != '\0') {
    return std::nullopt;
  }
  const std::int64_t utc = timegm(&tm);
  return utc - offset_sign * (oh * 3600 + om * 60);
}

void Normalizer::NormalizePath(const ast::Item& item, std::span<const ast::Key> keys) {
  PathRule rule;
  const bool labelled = !keys.empty();
  const std::string_view key = labelled ? std::string_view(keys.front().value) : std::string_view("path");
  rule.label = std::string(key);
  rule.block_span = item.span;
  rule.label_span = labelled ? keys.front().span : item.keys.front().span;
  if (keys.size() > 1) {
    if (file_.json) {
      out_.json_quirks.push_back(JsonQuirk{
          JsonQuirk::Kind::kFlattenedBody, keys[1].span,
          fmt::format("Vault's JSON reader flattens the body of path \"{}\" because all its members are "
                      "objects: \"{}\" is read as a second label and its members as the path's keys; add "
                      "\"capabilities\" to the body to avoid it",
                      key, keys[1].value)});
    } else {
      Report(Severity::kWarning, keys[1].span, "extra-label",
             fmt::format("extra label {} is ignored by Vault: only the first label names the path", keys[1].text));
    }
  }

  // 2. Templating (write-time brace check only).
  bool templated = false;
  if (!CheckTemplateBraces(key, templated)) {
    const std::string vault = "failed to validate policy templating: unbalanced templating characters";
    Report(Severity::kError, rule.label_span, "template-syntax",
           fmt::format("unbalanced template braces in path \"{}\": every \"{{{{\" needs exactly one matching \"}}}}\"", key),
           vault);
    VaultError(vault);
    return;
  }
  rule.templated = templated;

  // 3. Key whitelist (multierror for the block).
  const Node& body = item.value;
  if (body.kind != Node::Kind::kObject) {
    const std::string vault = fmt::format("path \"{}\": cannot check HCL keys of type {}", key, GoType(body));
    Report(Severity::kError, body.span, "invalid-type",
           fmt::format("path \"{}\" must be a block: path \"{}\" {{ capabilities = [...] }}", key, key), vault);
    VaultError(vault);
    return;
  }
  // One pass over the attribute names; the decoding below goes field by field.
  fields_.clear();
  std::uint32_t present = 0;  // bit i: some attribute is PathField i
  for (const ast::Item& attr : body.items) {
    fields_.push_back(attr.keys.empty() ? PathField::kUnknown : PathFieldOf(attr.keys.front().value));
    present |= 1u << static_cast<unsigned>(fields_.back());
  }
  auto each = [&](PathField field, auto&& fn) {
    if ((present & (1u << static_cast<unsigned>(field))) == 0) {
      return;
    }
    for (std::size_t i = 0; i < body.items.size(); ++i) {
      if (fields_[i] == field) {
        fn(body.items[i]);
      }
    }
  };
  auto last = [&](PathField field) {
    const ast::Item* found = nullptr;
    each(field, [&](const ast::Item& attr) { found = &attr; });
    return found;
  };
  std::vector<std::string> key_errors;
  bool block_ok = true;
  for (std::size_t i = 0; i < body.items.size(); ++i) {
    const ast::Item& attr = body.items[i];
    const std::string_view name = attr.keys.front().value;
    if (PathFieldValid(fields_[i], dialect_)) {
      continue;
    }
    const std::string vault = fmt::format("path \"{}\": invalid key \"{}\" on line {}", key, name, attr.assign.line);
    key_errors.push_back(vault);
    std::string user = fmt::format("unknown key \"{}\" in path \"{}\"", name, key);
    if (IsOtherDialectKey(name)) {
      user += fmt::format(": \"{}\" is not supported by {}", name, DialectName(dialect_));
    } else {
      user += Suggest(name, PathKeys(dialect_));
    }
    Report(Severity::kError, attr.keys.front().span, "unknown-key", std::move(user), vault);
    block_ok = false;
  }
  if (!key_errors.empty()) {
    VaultError(MultiError(key_errors));
  }

  // 4. Decode (hcl DecodeObject into PathRules), field by field in struct order.
  auto decode_failed = [&](const DecodeError& e) {
    const std::string vault = fmt::format("path \"{}\": {}", key, e.vault);
    Report(Severity::kError, e.span, "invalid-type", e.user, vault);
    VaultError(vault);
    block_ok = false;
  };
  std::string policy;
  each(PathField::kPolicy, [&](const ast::Item& attr) {
    if (std::optional<DecodeError> e = DecodeString(attr.value, FieldPath("root.Policy"), policy)) {
      decode_failed(*e);
    }
  });
  std::vector<std::string> names;  // capability names, then the legacy policy's
  std::vector<Span>& name_spans = name_spans_;  // only read when reporting an error
  name_spans.clear();
  each(PathField::kCapabilities, [&](const ast::Item& attr) {
    if (std::optional<DecodeError> e = DecodeStringList(attr.value, FieldPath("root.Capabilities"), names, &name_spans)) {
      decode_failed(*e);
    }
  });
  struct Ttl {
    PathField field;
    std::string_view name;
    std::int64_t* target;
  };
  std::vector<std::pair<std::string, std::string>> ttl_errors;  // vault, user
  std::vector<Span> ttl_spans;
  for (const Ttl& ttl : {Ttl{PathField::kMinWrappingTtl, "min_wrapping_ttl", &rule.min_wrapping_ttl},
                         Ttl{PathField::kMaxWrappingTtl, "max_wrapping_ttl", &rule.max_wrapping_ttl}}) {
    each(ttl.field, [&](const ast::Item& attr) {
      std::string vault_error, user_error;
      if (std::optional<DecodeError> e = DecodeTtl(attr.value, ttl.name, *ttl.target, vault_error, user_error)) {
        decode_failed(*e);
      } else if (!vault_error.empty()) {
        ttl_errors.emplace_back(vault_error, user_error);
        ttl_spans.push_back(attr.value.span);
      }
    });
  }
  const FieldPath root("root");
  struct Params {
    PathField field;
    std::string_view name;
    std::optional<ParameterMap>* target;
  };
  for (const Params& params : {Params{PathField::kAllowedParameters, "allowed_parameters", &rule.allowed_parameters},
                               Params{PathField::kDeniedParameters, "denied_parameters", &rule.denied_parameters}}) {
    each(params.field, [&](const ast::Item& attr) {
      if (!params.target->has_value()) {
        params.target->emplace();
      }
      if (std::optional<DecodeError> e =
              DecodeParams(attr.value, FieldPath::Member(root, params.name), **params.target, key)) {
        decode_failed(*e);
      }
    });
  }
  struct Strings {
    PathField field;
    std::string_view name;
    std::vector<std::string>* target;
  };
  for (const Strings& list : {Strings{PathField::kRequiredParameters, "required_parameters", &rule.required_parameters},
                              Strings{PathField::kMfaMethods, "mfa_methods", &rule.mfa_methods},
                              Strings{PathField::kSubscribeEventTypes, "subscribe_event_types",
                                      &rule.subscribe_event_types}}) {
    each(list.field, [&](const ast::Item& attr) {
      if (std::optional<DecodeError> e =
              DecodeStringList(attr.value, FieldPath::Member(root, list.name), *list.target, nullptr)) {
        decode_failed(*e);
      }
    });
  }
  each(PathField::kControlGroup, [&](const ast::Item& attr) {
    if (attr.value.kind != Node::Kind::kObject) {
      decode_failed(DecodeError{fmt::format("{}: root.control_group: not an object type for struct ({})",
                                            At(attr.value.pos), GoType(attr.value)),
                                "\"control_group\" must be a block", attr.value.span});
    }
    rule.has_control_group = true;
  });
  if (dialect_ == Dialect::kOpenBao) {
    each(PathField::kExpiration, [&](const ast::Item& attr) {
      if (std::optional<DecodeError> e = DecodeString(attr.value, FieldPath("root.expiration"), rule.expiration)) {
        decode_failed(*e);
      }
    });
    each(PathField::kPaginationLimit, [&](const ast::Item& attr) {
      Value v;
      if (std::optional<DecodeError> e = DecodeValue(attr.value, FieldPath("root.pagination_limit"), false, v)) {
        decode_failed(*e);
      } else if (v.kind() != Value::Kind::kInt) {
        decode_failed(DecodeError{fmt::format("{}: root.pagination_limit: unknown type for int", At(attr.value.pos)),
                                  "\"pagination_limit\" must be a whole number", attr.value.span});
      } else {
        rule.pagination_limit = v.int_value();
      }
    });
    each(PathField::kListScanResponseKeysFilterPath, [&](const ast::Item& attr) {
      if (std::optional<DecodeError> e = DecodeString(attr.value, FieldPath("root.list_scan_response_keys_filter_path"),
                                                      rule.list_scan_response_keys_filter_path)) {
        decode_failed(*e);
      }
    });
  }
  // (OpenBao) expiration: an already expired block is dropped.
  if (!rule.expiration.empty()) {
    const std::optional<std::int64_t> when = ParseRfc3339(rule.expiration);
    if (!when) {
      const std::string vault = fmt::format("path \"{}\": invalid expiration time: parsing time \"{}\" as RFC 3339",
                                            key, rule.expiration);
      Report(Severity::kError, rule.label_span, "invalid-expiration",
             fmt::format("invalid expiration \"{}\": expected an RFC 3339 time such as \"2027-01-31T00:00:00Z\"",
                         rule.expiration),
             vault);
      VaultError(vault);
      return;
    }
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    if (*when <= now) {
      Report(Severity::kWarning, rule.label_span, "expired-path",
             fmt::format("path \"{}\" expired at {}: OpenBao drops this block", key, rule.expiration));
      return;
    }
  }

  // 5-8. Leading '/', namespace, '+*', pattern kind.
  std::optional<Pattern> pattern = NormalizePattern(key, options_.namespace_path);
  if (!pattern) {
    std::string normalized(key.size() > 0 && key[0] == '/' ? key.substr(1) : key);
    normalized.insert(0, options_.namespace_path);
    const std::string vault = fmt::format("path \"{}\": invalid use of wildcards ('+*' is forbidden)", normalized);
    Report(Severity::kError, rule.label_span, "plus-star",
           fmt::format("\"+*\" is not allowed in path \"{}\": '+' must stand for a whole segment and '*' only "
                       "at the end (write \"+/*\" or a \"*\" suffix)",
                       key),
           vault);
    VaultError(vault);
    block_ok = false;
  } else {
    rule.pattern = std::move(*pattern);
  }

  // 9. Legacy `policy`.
  if (!policy.empty()) {
    std::optional<std::vector<std::string>> expanded = ExpandLegacyPolicy(policy, names);
    if (!expanded) {
      const std::string vault = fmt::format("path \"{}\": invalid policy \"{}\"", key, policy);
      const ast::Item* attr = last(PathField::kPolicy);
      Report(Severity::kError, attr->value.span, "invalid-policy",
             fmt::format("invalid legacy policy \"{}\": expected \"deny\", \"read\", \"write\" or \"sudo\"", policy),
             vault);
      VaultError(vault);
      block_ok = false;
    } else {
      names = std::move(*expanded);
      name_spans.resize(names.size(), last(PathField::kPolicy)->value.span);
    }
  }

  // 10. Capabilities -> bitmap; the first deny short-circuits everything after it.
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "deny") {
      // Vault jumps to PathFinished: nothing decoded after the bitmap reaches the
      // rule's permissions (parameters, TTLs, MFA, control group, event types).
      rule.capabilities = CapabilitySet::Deny();
      rule.capability_names = {"deny"};
      rule.allowed_parameters.reset();
      rule.denied_parameters.reset();
      rule.required_parameters.clear();
      rule.min_wrapping_ttl = 0;
      rule.max_wrapping_ttl = 0;
      rule.mfa_methods.clear();
      rule.subscribe_event_types.clear();
      rule.has_control_group = false;
      rule.pagination_limit.reset();
      rule.list_scan_response_keys_filter_path.clear();
      if (block_ok) {
        out_.policy.rules.push_back(std::move(rule));
      }
      return;
    }
    std::optional<Capability> c = ParseCapability(names[i], dialect_);
    if (!c) {
      const std::string vault = fmt::format("path \"{}\": invalid capability \"{}\"", key, names[i]);
      Report(Severity::kError, name_spans[i], "unknown-capability",
             fmt::format("unknown capability \"{}\"{}", names[i], CapabilityHint(names[i], dialect_)), vault);
      VaultError(vault);
      block_ok = false;
      continue;
    }
    rule.capabilities.Add(*c);
  }
  rule.capability_names = std::move(names);

  // 11. Parameter keys were lower-cased while decoding. 12. Wrapping TTLs.
  for (std::size_t i = 0; i < ttl_errors.size(); ++i) {
    Report(Severity::kError, ttl_spans[i], "invalid-duration", ttl_errors[i].second, ttl_errors[i].first);
    VaultError(ttl_errors[i].first);
    block_ok = false;
  }
  if (ttl_errors.empty() && rule.min_wrapping_ttl != 0 && rule.max_wrapping_ttl != 0 &&
      rule.max_wrapping_ttl < rule.min_wrapping_ttl) {
    const std::string vault = "max_wrapping_ttl cannot be less than min_wrapping_ttl";
    const ast::Item* attr = last(PathField::kMaxWrappingTtl);
    Report(Severity::kError, attr->value.span, "wrapping-ttl-order",
           fmt::format("max_wrapping_ttl ({}s) is less than min_wrapping_ttl ({}s)", rule.max_wrapping_ttl,
                       rule.min_wrapping_ttl),
           vault, {{last(PathField::kMinWrappingTtl)->value.span, "min_wrapping_ttl set here"}});
    VaultError(vault);
    block_ok = false;
  }
  if (dialect_ == Dialect::kOpenBao && !rule.list_scan_response_keys_filter_path.empty() &&
      !rule.capabilities.Has(Capability::kList)) {
    const std::string vault = "list_scan_response_keys_filter_path needs to be used on a path with the list capability";
    Report(Severity::kError, last(PathField::kListScanResponseKeysFilterPath)->keys.front().span,
           "list-filter-without-list",
           "list_scan_response_keys_filter_path needs the \"list\" capability on the same path", vault);
    VaultError(vault);
    block_ok = false;
  }
  if (block_ok) {
    out_.policy.rules.push_back(std::move(rule));
  }
}

void Normalizer::Run() {
  out_.policy.dialect = dialect_;
  out_.policy.file = source_.id();
  CheckDuplicates();
  CheckTopLevel();
  out_.policy.rules.reserve(file_.items.size());
  for (const ast::Item& item : file_.items) {
    // hcl's Filter is case-insensitive, but for any other spelling than "path"
    // the top-level key check has already failed.
    if (item.keys.empty() || item.keys.front().value != "path") {
      continue;
    }
    NormalizePath(item, std::span<const ast::Key>(item.keys).subspan(1));
  }
  for (const PathRule& rule : out_.policy.rules) {
    out_.policy.templated = out_.policy.templated || rule.templated;
  }
  if (!ok_ && out_.vault_error.empty()) {
    out_.vault_error = "failed to parse policy";
  }
}

}  // namespace

bool CheckTemplateBraces(std::string_view text, bool& templated) {
  templated = false;
  std::size_t pos = text.find("{{");
  if (text.substr(0, pos).find("}}") != std::string_view::npos) {
    return false;
  }
  while (pos != std::string_view::npos) {
    const std::size_t next = text.find("{{", pos + 2);
    const std::string_view chunk = text.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    const std::size_t close = chunk.find("}}");
    if (close == std::string_view::npos || chunk.find("}}", close + 2) != std::string_view::npos) {
      return false;
    }
    templated = true;
    pos = next;
  }
  return true;
}

void Normalize(const SourceFile& source, const ast::File& file, const ParseOptions& options, DiagnosticSink& sink,
               PolicyFile& out) {
  Normalizer normalizer(source, file, options, sink, out);
  normalizer.Run();
}

}  // namespace polcheck::parser
