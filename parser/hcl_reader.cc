// HCL v1 reader: a port of hashicorp/hcl v1's parser control flow, so the first
// error and its "At L:C: ..." text are exactly what Vault reports, plus
// resynchronisation at the next top-level item so every bad block is reported.
#include <fmt/format.h>

#include <optional>
#include <set>
#include <utility>

#include "parser/hcl_scanner.h"
#include "parser/readers.h"

namespace polcheck::parser {
namespace {

using ast::TokenType;

struct SyntaxError {
  std::string vault;  // hcl's text, "At L:C: ..."
  std::string user;   // our wording
  Span span;
  std::vector<RelatedLocation> related;
  bool eof_sentinel = false;  // hcl's errEofToken: "nothing more here"
};

std::string PosString(const ast::Position& p) {
  return p.line > 0 ? fmt::format("{}:{}", p.line, p.column) : "-";
}

std::string Describe(const Token& t) {
  switch (t.type) {
    case TokenType::kEof:
      return "end of file";
    case TokenType::kString:
      return fmt::format("string {}", t.text);
    case TokenType::kHeredoc:
      return "a heredoc";
    case TokenType::kNumber:
    case TokenType::kFloat:
      return fmt::format("number {}", t.text);
    default:
      return fmt::format("'{}'", t.text);
  }
}

struct ScannerError {
  ast::Position pos;
  std::string message;
  Span span;
};

std::string UserScannerMessage(const ScannerError& e, std::string_view text) {
  const std::string_view at = text.substr(e.pos.offset, 1);
  if (e.message == "illegal char") {
    if (text.substr(e.pos.offset, 3) == "\xEF\xBB\xBF") {
      return "a byte-order mark (BOM) is not allowed at the start of a policy; save the file as "
             "UTF-8 without BOM";
    }
    if (at == "'") {
      return "unexpected character ''': strings must use double quotes";
    }
    if (at == ";") {
      return "unexpected character ';': separate attributes with a newline or ','";
    }
    return fmt::format("unexpected character '{}'", at);
  }
  if (e.message == "literal not terminated") {
    return "unterminated string: a closing '\"' is missing before the end of the line";
  }
  if (e.message == "comment not terminated") {
    return "unterminated block comment: '*/' is missing";
  }
  if (e.message == "illegal char escape") {
    return "invalid escape sequence in string (valid: \\\\ \\\" \\n \\t \\r \\uXXXX ...)";
  }
  if (e.message == "heredoc not terminated") {
    return "heredoc is not terminated: its closing anchor must stand on its own line, followed "
           "by a newline";
  }
  if (e.message == "illegal UTF-8 encoding") {
    return "invalid UTF-8: Vault reads policies as UTF-8 (is the file Latin-1 or UTF-16 encoded?)";
  }
  if (e.message == "expected '/' for comment") {
    return "unexpected '/': comments start with '//', '#' or '/*'";
  }
  return e.message;
}

// Scratch buffers of the reader (see HclParser::item_stack_).
struct ReaderScratch {
  std::vector<ast::Item> root;
  std::vector<ast::Item> items;
  std::vector<ast::Node> nodes;
  std::vector<ast::Key> keys;
};

ReaderScratch& ThreadScratch() {
  thread_local ReaderScratch scratch;
  return scratch;
}

class HclParser {
 public:
  HclParser(const SourceFile& source, DiagnosticSink& sink)
      : source_(source),
        sink_(sink),
        arena_(std::make_shared<ast::Arena>()),
        text_(ReserveAndCopy(*arena_, source.text())),
        scanner_(text_, [this](ast::Position pos, std::string_view message,
                                       std::uint32_t token_start) {
          OnScannerError(pos, message, token_start);
        }),
        root_items_(ThreadScratch().root),
        item_stack_(ThreadScratch().items),
        node_stack_(ThreadScratch().nodes),
        key_buffer_(ThreadScratch().keys) {
    // Empty unless an earlier read on this thread was interrupted.
    root_items_.clear();
    item_stack_.clear();
    node_stack_.clear();
    key_buffer_.clear();
  }

  ReadResult Run();

 private:
  // The next token. The reference is to tok_, which the next Scan()
  // overwrites: copy what is needed after that. (Copying the whole token
  // right after the scanner wrote it stalls the CPU's store forwarding.)
  const Token& Scan() {
    if (buffered_) {
      buffered_ = false;
      return tok_;
    }
    scanner_.Scan(tok_);
    if (tok_.type == TokenType::kComment) [[unlikely]] {
      SkipComments();
    }
    return tok_;
  }
  void SkipComments();
  void Unscan() { buffered_ = true; }

  std::optional<SyntaxError> ObjectList(bool in_object, ast::Seq<ast::Item>& items);
  std::optional<SyntaxError> ObjectItems(bool in_object);
  std::optional<SyntaxError> ObjectItem(ast::Item& item);
  std::optional<SyntaxError> ObjectKey(std::vector<ast::Key>& keys);
  std::optional<SyntaxError> Object(ast::Node& node);
  std::optional<SyntaxError> ObjectType(ast::Node& node);
  std::optional<SyntaxError> ListType(ast::Node& node);
  std::optional<SyntaxError> ListElements(ast::Node& node);
  void Literal(ast::Node& node);
  // The decoded value of an ident or string token (the token text when the
  // string does not decode).
  ast::Text DecodedString(const Token& t);

  SyntaxError Error(const Token& t, std::string vault, std::string user) const;
  static SyntaxError EofSentinel() {
    SyntaxError e;
    e.eof_sentinel = true;
    return e;
  }
  // The token's bytes; at least one byte wide, but never past the end of the
  // text (an EOF token is an empty span at the end).
  Span SpanOf(const Token& t) const {
    const auto size = static_cast<std::uint32_t>(source_.text().size());
    return Span{source_.id(), std::min(t.pos.offset, size), std::min(std::max(t.end, t.pos.offset + 1), size)};
  }

  // True when a scanner error lies in `span` (or, with inside_token, when `span`
  // lies inside the token a scanner error belongs to).
  bool ContainsScannerError(const Span& span, bool inside_token = false) const {
    for (const ScannerError& e : scanner_errors_) {
      if (inside_token ? (span.begin >= e.span.begin && span.begin < e.span.end)
                       : (e.pos.offset >= span.begin && e.pos.offset < span.end)) {
        return true;
      }
    }
    return false;
  }
  void OnScannerError(ast::Position pos, std::string_view message, std::uint32_t token_start);
  void Report(const SyntaxError& error);
  bool Resync(std::uint32_t item_start, std::uint32_t error_offset);

  const SourceFile& source_;
  DiagnosticSink& sink_;
  // The tree's bytes: text_ is the arena's copy of the source, which the
  // scanner reads, so every token text is already a view the tree can keep.
  std::shared_ptr<ast::Arena> arena_;
  std::string_view text_;
  HclScanner scanner_;
  std::string unquoted_;  // scratch for decoding escaped strings
  Token tok_;
  bool buffered_ = false;
  std::vector<ast::Comment> comments_;
  // Items and list elements being read, innermost object or list last: each
  // object or list is copied into the arena when it is done. The buffers
  // belong to the thread and keep their capacity from one file to the next,
  // so reading a file allocates only arena chunks.
  std::vector<ast::Item>& root_items_;
  std::vector<ast::Item>& item_stack_;
  std::vector<ast::Node>& node_stack_;
  std::vector<ast::Key>& key_buffer_;
  std::vector<ScannerError> scanner_errors_;  // of the current segment
  std::set<std::pair<std::uint32_t, std::string>> reported_;
};

void HclParser::SkipComments() {
  while (tok_.type == TokenType::kComment) {
    comments_.push_back(ast::Comment{Span{source_.id(), tok_.pos.offset, tok_.end},
                                     tok_.text.substr(0, 2) == "/*"});
    scanner_.Scan(tok_);
  }
}

SyntaxError HclParser::Error(const Token& t, std::string vault, std::string user) const {
  SyntaxError e;
  e.vault = fmt::format("At {}: {}", PosString(t.pos), vault);
  e.user = std::move(user);
  e.span = SpanOf(t);
  return e;
}

void HclParser::OnScannerError(ast::Position pos, std::string_view message,
                               std::uint32_t token_start) {
  ScannerError e{pos, std::string(message), {}};
  const bool whole_token = message == "literal not terminated" || message == "heredoc not terminated" ||
                           message == "comment not terminated";
  const std::uint32_t begin = whole_token ? token_start : pos.offset;
  e.span = Span{source_.id(), begin, std::max(pos.offset + 1, begin + 1)};
  if (e.span.end > source_.text().size()) {
    e.span.end = static_cast<std::uint32_t>(source_.text().size());
    e.span.begin = std::min(e.span.begin, e.span.end);
  }
  scanner_errors_.push_back(std::move(e));
}

// Copies stack[mark..] into `arena` and pops it.
template <typename T>
ast::Seq<T> PopInto(ast::Arena& arena, std::vector<T>& stack, std::size_t mark) {
  const ast::Seq<T> out = arena.Copy(stack.data() + mark, stack.size() - mark);
  stack.resize(mark);
  return out;
}

std::optional<SyntaxError> HclParser::ObjectList(bool in_object, ast::Seq<ast::Item>& items) {
  const std::size_t mark = item_stack_.size();
  std::optional<SyntaxError> err = ObjectItems(in_object);
  items = PopInto(*arena_, item_stack_, mark);
  return err;
}

std::optional<SyntaxError> HclParser::ObjectItems(bool in_object) {
  for (;;) {
    if (in_object) {
      const Token& t = Scan();
      Unscan();
      if (t.type == TokenType::kRbrace) {
        break;
      }
    }
    ast::Item item;
    std::optional<SyntaxError> err = ObjectItem(item);
    if (err && err->eof_sentinel) {
      break;
    }
    if (err) {
      return err;
    }
    item_stack_.push_back(std::move(item));
    if (Scan().type != TokenType::kComma) {
      Unscan();
    }
  }
  return std::nullopt;
}

template <typename Keys>
std::string KeysText(const Keys& keys) {
  std::string out;
  for (const ast::Key& k : keys) {
    if (!out.empty()) {
      out += ' ';
    }
    out += k.text;
  }
  return out;
}

std::optional<SyntaxError> HclParser::ObjectItem(ast::Item& item) {
  // The keys are read into a reused buffer and moved out at their exact count.
  std::vector<ast::Key>& keys = key_buffer_;
  keys.clear();
  std::optional<SyntaxError> err = ObjectKey(keys);
  if (!keys.empty() && err && err->eof_sentinel) {
    err.reset();
  }
  if (!keys.empty() && err && tok_.type == TokenType::kRbrace) {
    // hcl: keys without a value inside an object; report the wrong value type below.
    err.reset();
    tok_.type = TokenType::kEof;
  }
  if (err) {
    return err;
  }
  item.keys = arena_->Copy(keys);
  keys.clear();
  switch (tok_.type) {
    case TokenType::kAssign:
      item.has_assign = true;
      item.assign = tok_.pos;
      err = Object(item.value);
      break;
    case TokenType::kLbrace:
      err = ObjectType(item.value);
      break;
    default: {
      const std::string text = KeysText(item.keys);
      Token at = tok_;
      SyntaxError e = Error(at, fmt::format("key '{}' expected start of object ('{{') or assignment ('=')", text),
                            fmt::format("expected '=' or '{{' after {}, found {}", text,
                                        at.type == TokenType::kEof && at.text == "}" ? "'}'" : Describe(at)));
      return e;
    }
  }
  if (err) {
    return err;
  }
  item.span = Span{source_.id(), item.keys.front().span.begin, item.value.span.end};
  // hcl looks one token ahead for a line comment.
  Scan();
  Unscan();
  return std::nullopt;
}

std::optional<SyntaxError> HclParser::ObjectKey(std::vector<ast::Key>& keys) {
  int key_count = 0;
  for (;;) {
    const Token& t = Scan();
    switch (t.type) {
      case TokenType::kEof:
        return EofSentinel();
      case TokenType::kAssign:
        if (key_count > 1) {
          keys.clear();
          return Error(t, "nested object expected: LBRACE got: ASSIGN",
                       "a block label cannot be followed by '=': write `path \"...\" { ... }`");
        }
        if (key_count == 0) {
          return Error(t, "no object keys found!", "expected an attribute name before '='");
        }
        return std::nullopt;
      case TokenType::kLbrace:
        if (keys.empty()) {
          return Error(t, "expected: IDENT | STRING got: LBRACE",
                       "expected a block name (such as `path \"...\"`) before '{'");
        }
        return std::nullopt;
      case TokenType::kIdent:
      case TokenType::kString: {
        ++key_count;
        ast::Key key;
        key.type = t.type;
        key.text = t.text;
        key.span = SpanOf(t);
        key.pos = t.pos;
        key.value = DecodedString(t);
        keys.push_back(std::move(key));
        break;
      }
      case TokenType::kIllegal:
        return Error(t, "illegal character", fmt::format("unexpected character {}", Describe(t)));
      default: {
        std::string user = keys.empty()
                               ? fmt::format("expected an attribute or block name, found {}", Describe(t))
                               : fmt::format("expected '=' or '{{' after {}, found {}", KeysText(keys),
                                             Describe(t));
        return Error(t, fmt::format("expected: IDENT | STRING | ASSIGN | LBRACE got: {}",
                                    ast::TokenTypeName(t.type)),
                     std::move(user));
      }
    }
  }
}

ast::Text HclParser::DecodedString(const Token& t) {
  if (t.type != TokenType::kString) {
    return t.text;
  }
  if (t.plain_string) {
    return t.text.substr(1, t.text.size() - 2);
  }
  unquoted_.clear();
  if (!UnquoteHclString(t.text, unquoted_)) {
    return t.text;  // the scanner has reported the bad escape
  }
  return arena_->Copy(unquoted_);
}

void HclParser::Literal(ast::Node& node) {
  node.kind = ast::Node::Kind::kLiteral;
  node.token = tok_.type;
  node.text = tok_.text;
  node.pos = tok_.pos;
  node.span = SpanOf(tok_);
  node.value = tok_.type == TokenType::kHeredoc ? arena_->Copy(HeredocValue(tok_.text)) : DecodedString(tok_);
}

std::optional<SyntaxError> HclParser::Object(ast::Node& node) {
  const Token& t = Scan();
  switch (t.type) {
    case TokenType::kNumber:
    case TokenType::kFloat:
    case TokenType::kBool:
    case TokenType::kString:
    case TokenType::kHeredoc:
      Literal(node);
      return std::nullopt;
    case TokenType::kLbrace:
      return ObjectType(node);
    case TokenType::kLbrack:
      return ListType(node);
    case TokenType::kEof:
      return EofSentinel();
    default:
      break;
  }
  std::string user = fmt::format("expected a value (string, number, bool, list or object), found {}",
                                 Describe(t));
  if (t.type == TokenType::kIdent) {
    user += fmt::format(": strings need double quotes, as in \"{}\"", t.text);
  }
  return Error(t, fmt::format("Unknown token: {} {} {}", PosString(t.pos), ast::TokenTypeName(t.type), t.text),
               std::move(user));
}

std::optional<SyntaxError> HclParser::ObjectType(ast::Node& node) {
  const Token lbrace = tok_;
  node.kind = ast::Node::Kind::kObject;
  node.pos = lbrace.pos;
  std::optional<SyntaxError> err = ObjectList(true, node.items);
  if (err && tok_.type != TokenType::kRbrace) {
    return err;
  }
  const Token& t = Scan();
  if (t.type != TokenType::kRbrace) {
    SyntaxError e = Error(t, fmt::format("object expected closing RBRACE got: {}", ast::TokenTypeName(t.type)), "");
    if (t.type == TokenType::kEof) {
      e.user = "this '{' is never closed: the file ends before its '}'";
      e.span = SpanOf(lbrace);
    } else {
      e.user = fmt::format("expected '}}' to close the block opened at {}, found {}", PosString(lbrace.pos),
                           Describe(t));
      e.related.push_back({SpanOf(lbrace), "the block opened here"});
    }
    return e;
  }
  node.span = Span{source_.id(), lbrace.pos.offset, t.end};
  return std::nullopt;
}

std::optional<SyntaxError> HclParser::ListType(ast::Node& node) {
  const std::size_t mark = node_stack_.size();
  std::optional<SyntaxError> err = ListElements(node);
  node.elements = PopInto(*arena_, node_stack_, mark);
  return err;
}

std::optional<SyntaxError> HclParser::ListElements(ast::Node& node) {
  const Token lbrack = tok_;
  node.kind = ast::Node::Kind::kList;
  node.pos = lbrack.pos;
  bool need_comma = false;
  for (;;) {
    const Token& t = Scan();
    if (need_comma && t.type != TokenType::kComma && t.type != TokenType::kRbrack) {
      return Error(t, fmt::format("error parsing list, expected comma or list end, got: {}",
                                  ast::TokenTypeName(t.type)),
                   fmt::format("expected ',' or ']' in list, found {}", Describe(t)));
    }
    switch (t.type) {
      case TokenType::kBool:
      case TokenType::kNumber:
      case TokenType::kFloat:
      case TokenType::kString:
      case TokenType::kHeredoc: {
        ast::Node element;
        Literal(element);
        node_stack_.push_back(std::move(element));
        need_comma = true;
        break;
      }
      case TokenType::kComma:
        Scan();
        Unscan();
        need_comma = false;
        break;
      case TokenType::kLbrace: {
        const ast::Position at = t.pos;  // ObjectType scans on
        ast::Node element;
        if (std::optional<SyntaxError> err = ObjectType(element)) {
          err->vault = fmt::format("At {}: error while trying to parse object within list: {}",
                                   PosString(at), err->vault);
          return err;
        }
        node_stack_.push_back(std::move(element));
        need_comma = true;
        break;
      }
      case TokenType::kLbrack: {
        const ast::Position at = t.pos;  // ListType scans on
        ast::Node element;
        if (std::optional<SyntaxError> err = ListType(element)) {
          err->vault = fmt::format("At {}: error while trying to parse list within list: {}",
                                   PosString(at), err->vault);
          return err;
        }
        node_stack_.push_back(std::move(element));
        break;
      }
      case TokenType::kRbrack:
        node.span = Span{source_.id(), lbrack.pos.offset, t.end};
        return std::nullopt;
      default: {
        std::string user = fmt::format("unexpected {} in list", Describe(t));
        if (t.type == TokenType::kIdent) {
          user += fmt::format(": strings need double quotes, as in \"{}\"", t.text);
        }
        return Error(t, fmt::format("unexpected token while parsing list: {}", ast::TokenTypeName(t.type)),
                     std::move(user));
      }
    }
  }
}

void HclParser::Report(const SyntaxError& error) {
  if (!reported_.emplace(error.span.begin, error.user).second) {
    return;
  }
  Diagnostic d;
  d.severity = Severity::kError;
  d.span = error.span;
  d.code = "hcl-syntax";
  d.message = error.user.empty() ? error.vault : error.user;
  d.vault_message = error.vault;
  d.related = error.related;
  sink_.Add(std::move(d));
}

bool StartsTopLevelItem(std::string_view line) {
  for (std::string_view word : {"path", "name"}) {
    if (line.substr(0, word.size()) == word && line.size() > word.size()) {
      const char next = line[word.size()];
      if (next == ' ' || next == '\t' || next == '"' || next == '{' || next == '=') {
        return true;
      }
    }
  }
  return false;
}

bool IsLetterStart(std::string_view line) {
  if (line.empty()) {
    return false;
  }
  const char c = line.front();
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '"';
}

// Finds where to continue after an error in the top-level item starting at
// `item_start`: the next line that opens a top-level item (`path ...`,
// `name ...`) at column 1, else the next column-1 name after the error's line.
bool HclParser::Resync(std::uint32_t item_start, std::uint32_t error_offset) {
  const std::uint32_t first_line = source_.Locate(item_start).line + 1;
  const std::uint32_t error_line = source_.Locate(error_offset).line;
  std::uint32_t fallback = 0;
  for (std::uint32_t line = first_line; line <= source_.line_count(); ++line) {
    const std::string_view text = source_.Line(line);
    if (StartsTopLevelItem(text)) {
      fallback = line;
      break;
    }
    if (fallback == 0 && line > error_line && IsLetterStart(text)) {
      fallback = line;
    }
  }
  if (fallback == 0) {
    return false;
  }
  const std::string_view text = source_.Line(fallback);
  const auto offset = static_cast<std::uint32_t>(text.data() - source_.text().data());
  if (ContainsScannerError(Span{source_.id(), offset, offset + 1}, /*inside_token=*/true)) {
    return false;  // inside an unterminated heredoc, comment or string: the rest is swallowed
  }
  scanner_.Reset(offset, fallback);
  buffered_ = false;
  return true;
}

ReadResult HclParser::Run() {
  ReadResult result;
  bool first_segment = true;
  for (;;) {
    scanner_errors_.clear();
    const Token first = Scan();
    Unscan();
    std::uint32_t item_start = first.pos.offset;
    std::optional<SyntaxError> err;
    // The top-level loop of ObjectList(false), keeping track of the item start.
    for (;;) {
      const Token next = Scan();
      Unscan();
      item_start = next.pos.offset;
      ast::Item item;
      err = ObjectItem(item);
      if (err && err->eof_sentinel) {
        err.reset();
        break;
      }
      if (err) {
        break;
      }
      item_stack_.push_back(std::move(item));
      if (Scan().type != TokenType::kComma) {
        Unscan();
      }
    }
    for (const ast::Item& item : item_stack_) {
      // An item holding a scanner error (bad escape, stray character) is not
      // what the user meant; normalising it would only add noise.
      if (!ContainsScannerError(item.span)) {
        root_items_.push_back(item);
      }
    }
    item_stack_.clear();
    // hcl returns the last scanner error in preference to the parser's error.
    if (first_segment) {
      if (!scanner_errors_.empty()) {
        const ScannerError& last = scanner_errors_.back();
        result.vault_error = fmt::format("At {}: {}", PosString(last.pos), last.message);
      } else if (err) {
        result.vault_error = err->vault;
      }
    }
    for (const ScannerError& e : scanner_errors_) {
      Report(SyntaxError{fmt::format("At {}: {}", PosString(e.pos), e.message),
                         UserScannerMessage(e, source_.text()), e.span, {}, false});
    }
    if (err && scanner_errors_.empty()) {
      Report(*err);
    }
    first_segment = false;
    if (!err || !Resync(item_start, err->span.begin)) {
      break;
    }
  }
  result.file.items = arena_->Copy(root_items_);
  root_items_.clear();
  result.file.comments = arena_->Copy(comments_);
  result.file.arena = arena_;
  return result;
}

}  // namespace

ReadResult ReadHcl(const SourceFile& source, DiagnosticSink& sink) {
  HclParser parser(source, sink);
  return parser.Run();
}

bool LooksLikeJson(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      continue;
    }
    return c == '{';
  }
  return false;
}

}  // namespace polcheck::parser
