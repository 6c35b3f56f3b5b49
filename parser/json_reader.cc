// hcl v1's JSON dialect, as Vault reads JSON policies. Reproduces its quirks
// (SEMANTICS.md §1.2): booleans inside lists are dropped, nested lists are
// spliced, objects whose members are all objects are flattened into
// multi-key items, an unclosed object and text after the root are accepted.
// Each quirk that changes meaning is recorded so the linter can warn.
#include <fmt/format.h>

#include <optional>

#include "parser/readers.h"

namespace polcheck::parser {
namespace {

using ast::TokenType;

struct JsonToken {
  TokenType type = TokenType::kEof;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

struct JsonError {
  std::string vault;
  std::string user;
  Span span;
  bool eof_sentinel = false;
};

class JsonParser {
 public:
  JsonParser(const SourceFile& source, DiagnosticSink& sink, std::vector<JsonQuirk>& quirks)
      : source_(source),
        arena_(std::make_shared<ast::Arena>()),
        text_(ReserveAndCopy(*arena_, source.text())),
        sink_(sink),
        quirks_(quirks) {}

  ReadResult Run();

 private:
  JsonToken Scan();
  JsonToken Next();
  void Unscan() { buffered_ = true; }
  void ScannerError(std::uint32_t offset, std::string_view message, std::string user, Span span);
  std::string PosString(std::uint32_t offset) const {
    const LineCol at = source_.Locate(offset);
    return fmt::format("{}:{}", at.line, at.column);
  }
  // At least one byte wide, never past the end of the text.
  Span SpanOf(const JsonToken& t) const {
    const auto size = static_cast<std::uint32_t>(text_.size());
    return Span{source_.id(), std::min(t.begin, size), std::min(std::max(t.end, t.begin + 1), size)};
  }
  std::string_view Text(const JsonToken& t) const { return text_.substr(t.begin, t.end - t.begin); }
  std::string Describe(const JsonToken& t) const;
  std::string TokenString(const JsonToken& t) const {
    return fmt::format("{} {} {}", PosString(t.begin), ast::TokenTypeName(t.type), Text(t));
  }
  JsonError Error(const JsonToken& t, std::string vault, std::string user) const {
    return JsonError{std::move(vault), std::move(user), SpanOf(t), false};
  }

  std::optional<JsonError> ObjectList(ast::Seq<ast::Item>& items);
  std::optional<JsonError> ObjectItems(std::vector<ast::Item>& items);
  std::optional<JsonError> ObjectItem(ast::Item& item);
  std::optional<JsonError> ObjectKey(ast::Seq<ast::Key>& keys);
  std::optional<JsonError> ObjectKeys(std::vector<ast::Key>& keys);
  std::optional<JsonError> ObjectValue(ast::Node& node);
  std::optional<JsonError> ObjectType(ast::Node& node, const JsonToken& lbrace);
  std::optional<JsonError> ListType(ast::Node& node, const JsonToken& lbrack);
  std::optional<JsonError> ListElements(ast::Node& node, const JsonToken& lbrack, std::vector<ast::Node>& elements);
  void Literal(ast::Node& node, const JsonToken& t);
  bool DecodeString(const JsonToken& t, std::string& out) const;
  // The decoded string token `t`, or its text when it does not decode.
  ast::Text DecodedString(const JsonToken& t);
  // hcl's flattenObjects (see Flatten below).
  ast::Seq<ast::Item> Flatten(ast::Seq<ast::Item> items);
  void FlattenItem(const ast::Item& item, std::vector<ast::Item>& out);
  ast::Node FlattenChildren(ast::Node node);

  const SourceFile& source_;
  // The tree's bytes: text_ is the arena's copy of the source, so every token
  // text is already a view the tree can keep.
  std::shared_ptr<ast::Arena> arena_;
  std::string_view text_;
  std::string decoded_;  // scratch for DecodedString
  DiagnosticSink& sink_;
  std::vector<JsonQuirk>& quirks_;
  std::uint32_t offset_ = 0;
  JsonToken tok_;
  bool buffered_ = false;
  std::string last_scanner_error_;
};

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
bool IsLetterChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (static_cast<unsigned char>(c) >= 0x80);
}

std::string JsonParser::Describe(const JsonToken& t) const {
  switch (t.type) {
    case TokenType::kEof:
      return "end of file";
    case TokenType::kString:
      return fmt::format("string {}", Text(t));
    default:
      return fmt::format("'{}'", Text(t));
  }
}

void JsonParser::ScannerError(std::uint32_t offset, std::string_view message, std::string user, Span span) {
  last_scanner_error_ = fmt::format("{}: {}", PosString(offset), message);
  Diagnostic d;
  d.severity = Severity::kError;
  d.span = span;
  d.code = "json-syntax";
  d.message = std::move(user);
  d.vault_message = last_scanner_error_;
  sink_.Add(std::move(d));
}

JsonToken JsonParser::Scan() {
  if (buffered_) {
    buffered_ = false;
    return tok_;
  }
  tok_ = Next();
  return tok_;
}

JsonToken JsonParser::Next() {
  while (offset_ < text_.size() && IsJsonSpace(text_[offset_])) {
    ++offset_;
  }
  JsonToken t;
  t.begin = offset_;
  if (offset_ >= text_.size()) {
    t.type = TokenType::kEof;
    t.end = offset_;
    return t;
  }
  const char c = text_[offset_];
  auto single = [&](TokenType type) {
    t.type = type;
    t.end = ++offset_;
    return t;
  };
  switch (c) {
    case '{': return single(TokenType::kLbrace);
    case '}': return single(TokenType::kRbrace);
    case '[': return single(TokenType::kLbrack);
    case ']': return single(TokenType::kRbrack);
    case ',': return single(TokenType::kComma);
    case ':': return single(TokenType::kColon);
    default: break;
  }
  if (c == '"') {
    t.type = TokenType::kString;
    ++offset_;
    for (;;) {
      if (offset_ >= text_.size() || text_[offset_] == '\n') {
        t.end = offset_;
        ScannerError(offset_, "literal not terminated",
                     "unterminated string: a closing '\"' is missing before the end of the line",
                     Span{source_.id(), t.begin, std::max<std::uint32_t>(offset_, t.begin + 1)});
        return t;
      }
      const char ch = text_[offset_++];
      if (ch == '"') {
        break;
      }
      if (ch == '\\' && offset_ < text_.size()) {
        ++offset_;
      }
    }
    t.end = offset_;
    return t;
  }
  if (IsDigitChar(c) || c == '-') {
    t.type = TokenType::kNumber;
    ++offset_;
    while (offset_ < text_.size() && IsDigitChar(text_[offset_])) {
      ++offset_;
    }
    if (offset_ < text_.size() && (text_[offset_] == '.' || text_[offset_] == 'e' || text_[offset_] == 'E')) {
      t.type = TokenType::kFloat;
      ++offset_;
      while (offset_ < text_.size() &&
             (IsDigitChar(text_[offset_]) || text_[offset_] == 'e' || text_[offset_] == 'E' ||
              text_[offset_] == '+' || text_[offset_] == '-')) {
        ++offset_;
      }
    }
    t.end = offset_;
    return t;
  }
  if (IsLetterChar(c)) {
    while (offset_ < text_.size() &&
           (IsLetterChar(text_[offset_]) || IsDigitChar(text_[offset_]) || text_[offset_] == '-')) {
      ++offset_;
    }
    t.end = offset_;
    const std::string_view word = Text(t);
    if (word == "true" || word == "false") {
      t.type = TokenType::kBool;
    } else if (word == "null") {
      t.type = TokenType::kNull;
    } else {
      t.type = TokenType::kIllegal;
      // hcl's scanner reports the position of the identifier's last character
      // (one past it when the identifier ends the file).
      std::uint32_t at = offset_ - 1;
      while (at > t.begin && (static_cast<unsigned char>(text_[at]) & 0xC0) == 0x80) {
        --at;
      }
      ScannerError(offset_ == text_.size() ? offset_ : at, "illegal char",
                   fmt::format("unexpected word '{}': JSON values are strings, numbers, true, false, "
                               "null, objects or lists",
                               word),
                   SpanOf(t));
    }
    return t;
  }
  t.type = TokenType::kIllegal;
  t.end = ++offset_;
  while (t.end < text_.size() && (static_cast<unsigned char>(text_[t.end]) & 0xC0) == 0x80) {
    t.end = ++offset_;
  }
  ScannerError(t.begin, "illegal char", fmt::format("unexpected character '{}'", Text(t)), SpanOf(t));
  return t;
}

bool JsonParser::DecodeString(const JsonToken& t, std::string& out) const {
  // JSON string escapes; \uXXXX including surrogate pairs.
  out.clear();
  std::string_view s = Text(t);
  if (s.size() < 2) {
    return false;
  }
  s = s.substr(1, s.size() - 2);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) {
      return false;
    }
    switch (s[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        if (i + 4 >= s.size()) {
          return false;
        }
        unsigned cp = 0;
        for (int k = 1; k <= 4; ++k) {
          const char h = s[i + k];
          cp <<= 4;
          if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
          else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
          else return false;
        }
        i += 4;
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

void JsonParser::Literal(ast::Node& node, const JsonToken& t) {
  node.kind = ast::Node::Kind::kLiteral;
  node.token = t.type;
  node.text = Text(t);
  node.span = SpanOf(t);
  const LineCol at = source_.Locate(t.begin);
  node.pos = ast::Position{t.begin, at.line, at.column};
  node.value = t.type == TokenType::kString ? DecodedString(t) : node.text;
}

ast::Text JsonParser::DecodedString(const JsonToken& t) {
  decoded_.clear();
  if (!DecodeString(t, decoded_)) {
    return Text(t);
  }
  return decoded_ == Text(t).substr(1, decoded_.size()) ? Text(t).substr(1, decoded_.size()) : arena_->Copy(decoded_);
}

std::optional<JsonError> JsonParser::ObjectList(ast::Seq<ast::Item>& out) {
  // The JSON reader is not on the hot path (policies are mostly HCL): each
  // object collects its items in a vector of its own.
  std::vector<ast::Item> items;
  std::optional<JsonError> err = ObjectItems(items);
  out = arena_->Copy(items);
  return err;
}

std::optional<JsonError> JsonParser::ObjectItems(std::vector<ast::Item>& items) {
  for (;;) {
    ast::Item item;
    std::optional<JsonError> err = ObjectItem(item);
    if (err && err->eof_sentinel) {
      break;
    }
    if (err) {
      return err;
    }
    items.push_back(std::move(item));
    if (Scan().type != TokenType::kComma) {
      break;
    }
  }
  return std::nullopt;
}

std::optional<JsonError> JsonParser::ObjectItem(ast::Item& item) {
  if (std::optional<JsonError> err = ObjectKey(item.keys)) {
    return err;
  }
  // ObjectKey only returns on ':'.
  item.has_assign = true;
  const LineCol at = source_.Locate(tok_.begin);
  item.assign = ast::Position{tok_.begin, at.line, at.column};
  if (std::optional<JsonError> err = ObjectValue(item.value)) {
    return err;
  }
  item.span = Span{source_.id(), item.keys.front().span.begin, item.value.span.end};
  return std::nullopt;
}

std::optional<JsonError> JsonParser::ObjectKey(ast::Seq<ast::Key>& out) {
  std::vector<ast::Key> keys;
  std::optional<JsonError> err = ObjectKeys(keys);
  out = arena_->Copy(keys);
  return err;
}

std::optional<JsonError> JsonParser::ObjectKeys(std::vector<ast::Key>& keys) {
  for (;;) {
    const JsonToken t = Scan();
    switch (t.type) {
      case TokenType::kEof: {
        JsonError e;
        e.eof_sentinel = true;
        return e;
      }
      case TokenType::kString: {
        ast::Key key;
        key.type = TokenType::kString;
        key.text = Text(t);
        key.value = DecodedString(t);
        key.span = SpanOf(t);
        const LineCol at = source_.Locate(t.begin);
        key.pos = ast::Position{t.begin, at.line, at.column};
        keys.push_back(std::move(key));
        break;
      }
      case TokenType::kColon:
        if (keys.empty()) {
          return Error(t, "expected: STRING got: COLON", "expected a quoted key before ':'");
        }
        return std::nullopt;
      case TokenType::kIllegal:
        return Error(t, "illegal", fmt::format("unexpected {}", Describe(t)));
      default:
        return Error(t, fmt::format("expected: STRING got: {}", ast::TokenTypeName(t.type)),
                     keys.empty() ? fmt::format("expected a quoted key, found {}", Describe(t))
                                  : fmt::format("expected ':' after key {}, found {}", keys.back().text,
                                                Describe(t)));
    }
  }
}

std::optional<JsonError> JsonParser::ObjectValue(ast::Node& node) {
  const JsonToken t = Scan();
  switch (t.type) {
    case TokenType::kNumber:
    case TokenType::kFloat:
    case TokenType::kBool:
    case TokenType::kNull:
    case TokenType::kString:
      Literal(node, t);
      return std::nullopt;
    case TokenType::kLbrace:
      return ObjectType(node, t);
    case TokenType::kLbrack:
      return ListType(node, t);
    case TokenType::kEof: {
      JsonError e;
      e.eof_sentinel = true;
      return e;
    }
    default:
      break;
  }
  return Error(t, fmt::format("Expected object value, got unknown token: {}", TokenString(t)),
               fmt::format("expected a value after ':', found {}", Describe(t)));
}

std::optional<JsonError> JsonParser::ObjectType(ast::Node& node, const JsonToken& lbrace) {
  node.kind = ast::Node::Kind::kObject;
  node.span = SpanOf(lbrace);
  const LineCol at = source_.Locate(lbrace.begin);
  node.pos = ast::Position{lbrace.begin, at.line, at.column};
  std::optional<JsonError> err = ObjectList(node.items);
  // hcl v1.0.0 (SEMANTICS.md §1.2): an error that stopped on '}' is dropped, and an
  // object that ends on anything else (a missing '}') is accepted as it is.
  if (err && tok_.type != TokenType::kRbrace) {
    return err;
  }
  if (tok_.type != TokenType::kRbrace) {
    quirks_.push_back(JsonQuirk{JsonQuirk::Kind::kMissingBrace, SpanOf(lbrace),
                                fmt::format("this '{{' is not closed (found {}); Vault's JSON reader "
                                            "accepts it anyway",
                                            Describe(tok_))});
    node.span.end = tok_.begin;
    return std::nullopt;
  }
  node.span.end = tok_.end;
  return std::nullopt;
}

std::optional<JsonError> JsonParser::ListType(ast::Node& node, const JsonToken& lbrack) {
  std::vector<ast::Node> elements;
  std::optional<JsonError> err = ListElements(node, lbrack, elements);
  node.elements = arena_->Copy(elements);
  return err;
}

std::optional<JsonError> JsonParser::ListElements(ast::Node& node, const JsonToken& lbrack,
                                                  std::vector<ast::Node>& elements) {
  node.kind = ast::Node::Kind::kList;
  node.span = SpanOf(lbrack);
  const LineCol at = source_.Locate(lbrack.begin);
  node.pos = ast::Position{lbrack.begin, at.line, at.column};
  for (;;) {
    const JsonToken t = Scan();
    switch (t.type) {
      case TokenType::kNumber:
      case TokenType::kFloat:
      case TokenType::kString: {
        ast::Node element;
        Literal(element, t);
        elements.push_back(element);
        break;
      }
      case TokenType::kComma:
        break;
      case TokenType::kLbrace: {
        ast::Node element;
        if (std::optional<JsonError> err = ObjectType(element, t)) {
          return err;
        }
        elements.push_back(element);
        break;
      }
      case TokenType::kBool:
        quirks_.push_back(JsonQuirk{JsonQuirk::Kind::kDroppedBool, SpanOf(t),
                                    fmt::format("Vault's JSON reader drops '{}' from this list "
                                                "(hashicorp/hcl#740)",
                                                Text(t))});
        break;
      case TokenType::kLbrack:
        quirks_.push_back(JsonQuirk{JsonQuirk::Kind::kNestedList, SpanOf(t),
                                    "Vault's JSON reader does not support nested lists: this '[' is "
                                    "ignored and the first ']' ends the outer list"});
        break;
      case TokenType::kRbrack:
        node.span.end = t.end;
        return std::nullopt;
      default:
        return Error(t, fmt::format("unexpected token while parsing list: {}", ast::TokenTypeName(t.type)),
                     t.type == TokenType::kNull
                         ? std::string("null is not allowed inside a list")
                         : fmt::format("unexpected {} in list", Describe(t)));
    }
  }
}

// hcl's flattenObjects: an item whose value is an object made only of objects
// (or a non-empty list made only of objects) is replaced by one item per
// member, with the member's keys appended. Order is preserved.
void JsonParser::FlattenItem(const ast::Item& item, std::vector<ast::Item>& out) {
  const ast::Node& v = item.value;
  if (v.kind == ast::Node::Kind::kObject && !v.items.empty()) {
    bool all_objects = true;
    for (const ast::Item& sub : v.items) {
      all_objects = all_objects && sub.value.kind == ast::Node::Kind::kObject;
    }
    if (all_objects) {
      for (const ast::Item& sub : v.items) {
        std::vector<ast::Key> keys(item.keys.begin(), item.keys.end());
        keys.insert(keys.end(), sub.keys.begin(), sub.keys.end());
        ast::Item flat;
        flat.keys = arena_->Copy(keys);
        flat.has_assign = item.has_assign;
        flat.assign = item.assign;
        flat.value = sub.value;
        flat.span = sub.span;
        FlattenItem(flat, out);
      }
      return;
    }
  }
  if (v.kind == ast::Node::Kind::kList && !v.elements.empty()) {
    bool all_objects = true;
    for (const ast::Node& e : v.elements) {
      all_objects = all_objects && e.kind == ast::Node::Kind::kObject;
    }
    if (all_objects) {
      for (const ast::Node& e : v.elements) {
        ast::Item flat;
        flat.keys = item.keys;
        flat.has_assign = item.has_assign;
        flat.assign = item.assign;
        flat.span = e.span;
        flat.value = e;
        FlattenItem(flat, out);
      }
      return;
    }
  }
  out.push_back(item);
}

ast::Node JsonParser::FlattenChildren(ast::Node node) {
  if (node.kind == ast::Node::Kind::kObject) {
    node.items = Flatten(node.items);
  } else if (node.kind == ast::Node::Kind::kList) {
    std::vector<ast::Node> elements;
    elements.reserve(node.elements.size());
    for (const ast::Node& e : node.elements) {
      elements.push_back(FlattenChildren(e));
    }
    node.elements = arena_->Copy(elements);
  }
  return node;
}

ast::Seq<ast::Item> JsonParser::Flatten(ast::Seq<ast::Item> items) {
  std::vector<ast::Item> out;
  out.reserve(items.size());
  for (const ast::Item& item : items) {
    FlattenItem(item, out);
  }
  for (ast::Item& item : out) {
    item.value = FlattenChildren(item.value);
  }
  return arena_->Copy(out);
}

ReadResult JsonParser::Run() {
  ReadResult result;
  result.file.json = true;
  const JsonToken first = Scan();
  std::optional<JsonError> err;
  ast::Node root;
  if (first.type == TokenType::kLbrace) {
    err = ObjectType(root, first);
  } else if (first.type != TokenType::kEof) {
    err = Error(first, fmt::format("Expected object, got unknown token: {}", TokenString(first)),
                fmt::format("a JSON policy must be one object, found {}", Describe(first)));
  }
  if (err) {
    Diagnostic d;
    d.severity = Severity::kError;
    d.span = err->span;
    d.code = "json-syntax";
    d.message = err->user;
    d.vault_message = err->vault;
    sink_.Add(std::move(d));
  }
  // hcl returns the scanner's error in preference to the parser's.
  result.vault_error = !last_scanner_error_.empty() ? last_scanner_error_ : (err ? err->vault : "");
  if (!err) {
    while (offset_ < text_.size() && IsJsonSpace(text_[offset_])) {
      ++offset_;
    }
    if (offset_ < text_.size()) {
      quirks_.push_back(JsonQuirk{JsonQuirk::Kind::kTrailingText,
                                  Span{source_.id(), offset_, static_cast<std::uint32_t>(text_.size())},
                                  "text after the policy's closing '}' is ignored by Vault"});
    }
  }
  result.file.items = Flatten(root.items);
  result.file.arena = arena_;
  return result;
}

}  // namespace

ReadResult ReadJson(const SourceFile& source, DiagnosticSink& sink, std::vector<JsonQuirk>& quirks) {
  JsonParser parser(source, sink, quirks);
  return parser.Run();
}

}  // namespace polcheck::parser
