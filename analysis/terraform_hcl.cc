#include "analysis/terraform_hcl.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace polcheck::analysis::hcl {
namespace {

struct SyntaxError {
  std::uint32_t at;
  std::string message;
};

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-';
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(const SourceFile& source) : src_(source), text_(source.text()) {}

  // Reads into `body`; blocks complete before a syntax error are kept.
  void ParseFile(Body& body) { ParseBody(body, /*top=*/true); }

  // A whole file as a template (templatefile()): no escapes, ${...} interpolations.
  Expr ParseTemplateFile() {
    Expr t = ParseTemplate(0, static_cast<std::uint32_t>(text_.size()), false);
    return Finish(std::move(t), 0, Span{src_.id(), 0, static_cast<std::uint32_t>(text_.size())});
  }

 private:
  [[noreturn]] void Fail(std::uint32_t at, std::string message) { throw SyntaxError{at, std::move(message)}; }
  Span SpanFrom(std::uint32_t begin) const { return Span{src_.id(), begin, std::max(pos_, begin)}; }
  char Peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  bool AtEnd() const { return pos_ >= text_.size(); }

  // Skips blanks and comments; newlines too when `newlines` (inside brackets).
  void Skip(bool newlines) {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
        ++pos_;
      } else if (c == '#' || (c == '/' && Peek(1) == '/')) {
        while (!AtEnd() && Peek() != '\n') {
          ++pos_;
        }
      } else if (c == '/' && Peek(1) == '*') {
        const std::size_t close = text_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) {
          Fail(pos_, "unterminated /* comment");
        }
        pos_ = static_cast<std::uint32_t>(close + 2);
      } else {
        return;
      }
    }
  }
  void SkipAll() { Skip(true); }

  std::string Ident() {
    const std::uint32_t begin = pos_;
    if (!IsIdentStart(Peek())) {
      Fail(pos_, "expected a name");
    }
    while (!AtEnd() && IsIdentChar(Peek())) {
      ++pos_;
    }
    return std::string(text_.substr(begin, pos_ - begin));
  }

  void Expect(char c, std::string_view what) {
    if (Peek() != c) {
      Fail(pos_, fmt::format("expected {}", what));
    }
    ++pos_;
  }

  void ParseBody(Body& body, bool top) {
    while (true) {
      SkipAll();
      if (AtEnd()) {
        if (!top) {
          Fail(pos_, "expected '}' to close the block");
        }
        return;
      }
      if (Peek() == '}') {
        if (top) {
          Fail(pos_, "unexpected '}'");
        }
        return;
      }
      const std::uint32_t begin = pos_;
      std::string name = Ident();
      const Span name_span = SpanFrom(begin);
      Skip(false);
      if (Peek() == '=' && Peek(1) != '=') {
        ++pos_;
        Skip(false);
        Attribute attr{std::move(name), name_span, ParseExpr()};
        Skip(false);
        if (!AtEnd() && Peek() != '\n' && Peek() != '}') {
          Fail(pos_, "expected a newline after the attribute value");
        }
        body.attributes.push_back(std::move(attr));
        continue;
      }
      Block block;
      block.type = std::move(name);
      while (Peek() == '"' || IsIdentStart(Peek())) {
        if (Peek() == '"') {
          Expr label = ParseQuoted();
          if (label.kind != ExprKind::kString) {
            Fail(label.span.begin, "a block label cannot hold an interpolation");
          }
          block.labels.push_back(label.text);
        } else {
          block.labels.push_back(Ident());
        }
        Skip(false);
      }
      block.span = SpanFrom(begin);
      Expect('{', "'=' or '{' after a name");
      ParseBody(block.body, false);
      ++pos_;  // '}'
      body.blocks.push_back(std::move(block));
    }
  }

  // Expressions. Operators, conditionals and splats are read so that the
  // file stays readable, and become kUnsupported.
  Expr ParseExpr() {
    const std::uint32_t begin = pos_;
    Expr e = ParseBinary();
    const std::uint32_t save = pos_;
    Skip(depth_ > 0);
    if (Peek() != '?') {
      pos_ = save;
    } else {
      ++pos_;
      SkipAll();
      ParseExpr();
      SkipAll();
      Expect(':', "':' in a conditional expression");
      SkipAll();
      ParseExpr();
      return Unsupported(begin, "conditional expression");
    }
    return e;
  }

  static std::string_view BinaryOp(std::string_view rest) {
    for (std::string_view op : {"==", "!=", "<=", ">=", "&&", "||"}) {
      if (rest.substr(0, 2) == op) {
        return op;
      }
    }
    if (!rest.empty() && std::string_view("+-*/%<>").find(rest[0]) != std::string_view::npos) {
      return rest.substr(0, 1);
    }
    return {};
  }

  Expr ParseBinary() {
    const std::uint32_t begin = pos_;
    Expr e = ParseUnary();
    std::string first_op;
    while (true) {
      const std::uint32_t save = pos_;
      Skip(depth_ > 0);
      const std::string_view op = BinaryOp(text_.substr(pos_));
      if (op.empty()) {
        pos_ = save;
        break;
      }
      if (first_op.empty()) {
        first_op = std::string(op);
      }
      pos_ += static_cast<std::uint32_t>(op.size());
      SkipAll();
      ParseUnary();
    }
    if (!first_op.empty()) {
      return Unsupported(begin, fmt::format("operator '{}'", first_op));
    }
    return e;
  }

  Expr ParseUnary() {
    const std::uint32_t begin = pos_;
    if (Peek() == '-' || Peek() == '!') {
      const char op = Peek();
      ++pos_;
      Skip(depth_ > 0);
      Expr inner = ParseUnary();
      if (op == '-' && inner.kind == ExprKind::kNumber) {
        inner.text = "-" + inner.text;
        inner.span = SpanFrom(begin);
        return inner;
      }
      return Unsupported(begin, fmt::format("operator '{}'", op));
    }
    return ParsePostfix();
  }

  Expr Unsupported(std::uint32_t begin, std::string what) {
    Expr e;
    e.kind = ExprKind::kUnsupported;
    e.span = SpanFrom(begin);
    e.text = std::move(what);
    return e;
  }

  Expr ParsePostfix() {
    const std::uint32_t begin = pos_;
    Expr e = ParsePrimary();
    bool splat = false;
    while (true) {
      if (Peek() == '.' && Peek(1) == '*') {
        pos_ += 2;
        splat = true;
      } else if (Peek() == '.' && std::isdigit(static_cast<unsigned char>(Peek(1))) != 0) {
        ++pos_;
        const std::uint32_t b = pos_;
        while (std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
          ++pos_;
        }
        e.path.push_back(fmt::format("[{}]", text_.substr(b, pos_ - b)));
      } else if (Peek() == '.' && IsIdentStart(Peek(1))) {
        ++pos_;
        e.path.push_back(Ident());
      } else if (Peek() == '[') {
        ++pos_;
        ++depth_;
        SkipAll();
        if (Peek() == '*') {
          ++pos_;
          splat = true;
        } else {
          Expr index = ParseExpr();
          if (index.kind == ExprKind::kNumber) {
            e.path.push_back(fmt::format("[{}]", index.text));
          } else if (index.kind == ExprKind::kString) {
            e.path.push_back(fmt::format("[\"{}\"]", index.text));
          } else {
            splat = true;  // a computed index: as unknowable as a splat
          }
        }
        SkipAll();
        --depth_;
        Expect(']', "']'");
      } else {
        break;
      }
      if (e.kind != ExprKind::kReference && !splat) {
        splat = true;  // indexing a literal or a call result: not modelled
      }
    }
    if (splat) {
      return Unsupported(begin, "index or splat expression");
    }
    e.span = SpanFrom(begin);
    return e;
  }

  Expr ParsePrimary() {
    const std::uint32_t begin = pos_;
    const char c = Peek();
    if (c == '"') {
      return ParseQuoted();
    }
    if (c == '<' && Peek(1) == '<') {
      return ParseHeredoc();
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      return ParseNumber();
    }
    if (c == '(') {
      ++pos_;
      ++depth_;
      SkipAll();
      Expr inner = ParseExpr();
      SkipAll();
      --depth_;
      Expect(')', "')'");
      inner.span = SpanFrom(begin);
      return inner;
    }
    if (c == '[') {
      return ParseList();
    }
    if (c == '{') {
      return ParseObject();
    }
    if (!IsIdentStart(c)) {
      Fail(pos_, AtEnd() || c == '\n' ? "expected an expression" : fmt::format("unexpected '{}'", c));
    }
    std::string name = Ident();
    Expr e;
    e.span = SpanFrom(begin);
    if (name == "true" || name == "false") {
      e.kind = ExprKind::kBool;
      e.boolean = name == "true";
      return e;
    }
    if (name == "null") {
      return e;
    }
    if (Peek() == '(') {
      return ParseCall(begin, std::move(name));
    }
    e.kind = ExprKind::kReference;
    e.name = std::move(name);
    return e;
  }

  Expr ParseNumber() {
    const std::uint32_t begin = pos_;
    while (std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
      ++pos_;
    }
    if (Peek() == '.' && std::isdigit(static_cast<unsigned char>(Peek(1))) != 0) {
      ++pos_;
      while (std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
        ++pos_;
      }
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') {
        ++pos_;
      }
      while (std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
        ++pos_;
      }
    }
    Expr e;
    e.kind = ExprKind::kNumber;
    e.span = SpanFrom(begin);
    e.text = std::string(text_.substr(begin, pos_ - begin));
    return e;
  }

  Expr ParseCall(std::uint32_t begin, std::string name) {
    Expr e;
    e.kind = ExprKind::kCall;
    e.name = std::move(name);
    ++pos_;  // '('
    ++depth_;
    SkipAll();
    bool expand = false;
    while (Peek() != ')') {
      e.items.push_back(ParseExpr());
      SkipAll();
      if (Peek() == '.' && Peek(1) == '.' && Peek(2) == '.') {
        pos_ += 3;
        expand = true;
        SkipAll();
      }
      if (Peek() == ',') {
        ++pos_;
        SkipAll();
      } else if (Peek() != ')') {
        Fail(pos_, "expected ',' or ')' in a function call");
      }
    }
    ++pos_;
    --depth_;
    e.span = SpanFrom(begin);
    if (expand) {
      return Unsupported(begin, "argument expansion '...'");
    }
    return e;
  }

  bool AtForKeyword() {
    SkipAll();
    return text_.substr(pos_, 3) == "for" && !IsIdentChar(Peek(3));
  }

  // Skips a bracketed for expression; `close` is ']' or '}'.
  Expr SkipFor(std::uint32_t begin, char close) {
    int nesting = 0;
    while (!AtEnd()) {
      const char c = Peek();
      if (c == '"') {
        ParseQuoted();
        continue;
      }
      if (c == '<' && Peek(1) == '<' && (Peek(2) == '-' || IsIdentStart(Peek(2)))) {
        ParseHeredoc();
        continue;
      }
      if (c == '[' || c == '{' || c == '(') {
        ++nesting;
      } else if (c == ']' || c == '}' || c == ')') {
        if (nesting == 0) {
          if (c != close) {
            Fail(pos_, fmt::format("expected '{}' to close the for expression", close));
          }
          ++pos_;
          --depth_;
          return Unsupported(begin, "for expression");
        }
        --nesting;
      }
      ++pos_;
    }
    Fail(begin, "unterminated for expression");
  }

  Expr ParseList() {
    const std::uint32_t begin = pos_;
    ++pos_;
    ++depth_;
    if (AtForKeyword()) {
      return SkipFor(begin, ']');
    }
    Expr e;
    e.kind = ExprKind::kList;
    while (true) {
      SkipAll();
      if (Peek() == ']') {
        break;
      }
      e.items.push_back(ParseExpr());
      SkipAll();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ']') {
        Fail(pos_, "expected ',' or ']' in a list");
      }
    }
    ++pos_;
    --depth_;
    e.span = SpanFrom(begin);
    return e;
  }

  Expr ParseObject() {
    const std::uint32_t begin = pos_;
    ++pos_;
    ++depth_;
    if (AtForKeyword()) {
      return SkipFor(begin, '}');
    }
    Expr e;
    e.kind = ExprKind::kObject;
    while (true) {
      SkipAll();
      if (Peek() == '}') {
        break;
      }
      Expr key = ParseExpr();
      if (key.kind == ExprKind::kReference && key.path.empty()) {
        key.kind = ExprKind::kString;  // a bare name is a literal key
        key.text = key.name;
        key.name.clear();
      }
      SkipAll();
      if (Peek() != '=' && Peek() != ':') {
        Fail(pos_, "expected '=' or ':' after an object key");
      }
      ++pos_;
      SkipAll();
      e.keys.push_back(std::move(key));
      e.items.push_back(ParseExpr());
      Skip(false);
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != '\n' && Peek() != '}' && Peek() != '#' && Peek() != '/') {
        Fail(pos_, "expected ',', a newline or '}' in an object");
      }
    }
    ++pos_;
    --depth_;
    e.span = SpanFrom(begin);
    return e;
  }

  // Template text from pos_ up to `end` (exclusive), or up to a closing '"'
  // when `quoted`. Returns the parts; a single kString when no interpolation.
  Expr ParseTemplate(std::uint32_t begin, std::uint32_t end, bool quoted) {
    Expr e;
    e.kind = ExprKind::kTemplate;
    std::string literal;
    std::uint32_t literal_begin = pos_;
    bool escaped = false;  // some text was changed while reading (escapes, $${)
    auto flush = [&] {
      if (!literal.empty()) {
        Expr part;
        part.kind = ExprKind::kString;
        part.text = std::move(literal);
        part.span = Span{src_.id(), literal_begin, pos_};
        e.items.push_back(std::move(part));
        literal.clear();
      }
    };
    while (true) {
      if (quoted ? AtEnd() || Peek() == '\n' : pos_ >= end) {
        if (quoted) {
          Fail(begin, "unterminated string");
        }
        break;
      }
      const char c = Peek();
      if (quoted && c == '"') {
        break;
      }
      if ((c == '$' || c == '%') && Peek(1) == c && Peek(2) == '{') {
        literal += c;
        literal += '{';
        pos_ += 3;
        escaped = true;
        continue;
      }
      if (c == '%' && Peek(1) == '{') {
        flush();
        const std::uint32_t b = pos_;
        const std::size_t close = text_.find('}', pos_);
        pos_ = close == std::string_view::npos ? static_cast<std::uint32_t>(text_.size())
                                               : static_cast<std::uint32_t>(close + 1);
        e.items.push_back(Unsupported(b, "template directive %{...}"));
        literal_begin = pos_;
        continue;
      }
      if (c == '$' && Peek(1) == '{') {
        flush();
        const std::uint32_t b = pos_;
        pos_ += 2;
        ++depth_;
        SkipAll();
        if (Peek() == '~') {
          Fail(pos_, "template strip markers (~) are not supported");
        }
        Expr inner = ParseExpr();
        SkipAll();
        --depth_;
        Expect('}', "'}' to close the interpolation");
        inner.span = inner.kind == ExprKind::kUnsupported ? SpanFrom(b) : inner.span;
        e.items.push_back(std::move(inner));
        literal_begin = pos_;
        continue;
      }
      if (quoted && c == '\\') {
        escaped = true;
        ReadEscape(literal);
        continue;
      }
      literal += c;
      ++pos_;
    }
    flush();
    e.verbatim = !escaped;
    return e;
  }

  void ReadEscape(std::string& out) {
    const char n = Peek(1);
    pos_ += 2;
    switch (n) {
      case 'n':
        out += '\n';
        return;
      case 't':
        out += '\t';
        return;
      case 'r':
        out += '\r';
        return;
      case '"':
        out += '"';
        return;
      case '\\':
        out += '\\';
        return;
      case 'u':
      case 'U': {
        const std::size_t len = n == 'u' ? 4 : 8;
        const std::string_view hex = text_.substr(pos_, len);
        if (hex.size() != len || !std::all_of(hex.begin(), hex.end(), [](char h) { return std::isxdigit(static_cast<unsigned char>(h)) != 0; })) {
          Fail(pos_ - 2, "invalid \\u escape");
        }
        AppendUtf8(out, static_cast<std::uint32_t>(std::stoul(std::string(hex), nullptr, 16)));
        pos_ += static_cast<std::uint32_t>(len);
        return;
      }
      default:
        Fail(pos_ - 2, fmt::format("invalid escape \\{}", n));
    }
  }

  // A template's parts become one expression: a kString when it is all
  // literal, else kTemplate.
  Expr Finish(Expr t, std::uint32_t begin, Span content) {
    t.span = SpanFrom(begin);
    t.content = content;
    const bool literal = std::all_of(t.items.begin(), t.items.end(),
                                     [](const Expr& p) { return p.kind == ExprKind::kString; });
    if (!literal) {
      return t;
    }
    Expr s;
    s.kind = ExprKind::kString;
    s.span = t.span;
    s.content = content;
    s.verbatim = t.verbatim;
    s.heredoc = t.heredoc;
    for (const Expr& p : t.items) {
      s.text += p.text;
    }
    return s;
  }

  Expr ParseQuoted() {
    const std::uint32_t begin = pos_;
    ++pos_;
    Expr t = ParseTemplate(begin, 0, true);
    const Span content{src_.id(), begin + 1, pos_};
    ++pos_;  // closing quote
    return Finish(std::move(t), begin, content);
  }

  Expr ParseHeredoc() {
    const std::uint32_t begin = pos_;
    pos_ += 2;
    const bool flush = Peek() == '-';
    if (flush) {
      ++pos_;
    }
    if (Peek() == '~') {
      // Ruby's squiggly heredoc; HCL2 (and so Terraform) rejects it.
      Fail(pos_, "`<<~` is not an HCL heredoc; the indented form that strips leading spaces is <<-EOT");
    }
    const std::string marker = Ident();
    Skip(false);
    if (Peek() != '\n') {
      Fail(pos_, "expected a newline after the heredoc marker");
    }
    ++pos_;
    const std::uint32_t content_begin = pos_;
    // The closing marker: a line holding only the marker (indentation allowed).
    std::uint32_t line = pos_;
    std::uint32_t content_end = 0;
    std::uint32_t after = 0;
    while (line <= text_.size()) {
      std::size_t eol = text_.find('\n', line);
      if (eol == std::string_view::npos) {
        eol = text_.size();
      }
      std::string_view l = text_.substr(line, eol - line);
      while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) {
        l.remove_prefix(1);
      }
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) {
        l.remove_suffix(1);
      }
      if (l == marker) {
        content_end = line;
        after = static_cast<std::uint32_t>(line + (text_.substr(line, eol - line).find(marker)) + marker.size());
        break;
      }
      if (eol == text_.size()) {
        Fail(begin, fmt::format("heredoc <<{}{} has no closing {} line", flush ? "-" : "", marker, marker));
      }
      line = static_cast<std::uint32_t>(eol + 1);
    }
    Expr t = ParseTemplate(begin, content_end, false);
    pos_ = after;
    t.heredoc = true;
    if (flush) {
      StripIndent(t, content_begin);
    }
    Expr out = Finish(std::move(t), begin, Span{src_.id(), content_begin, content_end});
    out.heredoc = true;
    return out;
  }

  // <<-: removes the smallest indentation of the non-blank lines from every
  // line. The raw text stays usable for diagnostics (`verbatim`), since only
  // leading blanks differ.
  void StripIndent(Expr& t, std::uint32_t content_begin) {
    std::size_t min_indent = std::string::npos;
    bool line_start = true;
    std::size_t indent = 0;
    // Indentation is measured on the raw text between content_begin and the
    // end of the last part.
    const std::uint32_t end = t.items.empty() ? content_begin : t.items.back().span.end;
    for (std::uint32_t i = content_begin; i < end; ++i) {
      const char c = text_[i];
      if (c == '\n') {
        line_start = true;
        indent = 0;
      } else if (line_start && (c == ' ' || c == '\t')) {
        ++indent;
      } else if (line_start) {
        min_indent = std::min(min_indent, indent);
        line_start = false;
      }
    }
    if (min_indent == std::string::npos || min_indent == 0) {
      return;
    }
    for (Expr& part : t.items) {
      if (part.kind != ExprKind::kString) {
        continue;
      }
      bool at_start = part.span.begin == content_begin || text_[part.span.begin - 1] == '\n';
      std::string stripped;
      std::size_t removed = 0;
      for (char c : part.text) {
        if (c == '\n') {
          at_start = true;
          removed = 0;
          stripped += c;
          continue;
        }
        if (at_start && (c == ' ' || c == '\t') && removed < min_indent) {
          ++removed;
          continue;
        }
        at_start = false;
        stripped += c;
      }
      part.text = std::move(stripped);
    }
  }

  const SourceFile& src_;
  std::string_view text_;
  std::uint32_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

const Attribute* Body::Find(std::string_view name) const {
  for (const Attribute& a : attributes) {
    if (a.name == name) {
      return &a;
    }
  }
  return nullptr;
}

namespace {
void ReportSyntax(const SourceFile& source, const SyntaxError& e, std::string_view consequence, DiagnosticSink& sink) {
  const auto size = static_cast<std::uint32_t>(source.text().size());
  const std::uint32_t at = std::min(e.at, size);
  sink.Add(Severity::kError, Span{source.id(), at, std::min(at + 1, size)}, "terraform-syntax",
           fmt::format("{} ({})", e.message, consequence));
}
}  // namespace

Body ParseConfig(const SourceFile& source, DiagnosticSink& sink) {
  Parser parser(source);
  Body body;
  try {
    parser.ParseFile(body);
  } catch (const SyntaxError& e) {
    ReportSyntax(source, e, "the rest of this file is not read", sink);
  }
  return body;
}

std::optional<Expr> ParseTemplateFile(const SourceFile& source, DiagnosticSink& sink) {
  Parser parser(source);
  try {
    return parser.ParseTemplateFile();
  } catch (const SyntaxError& e) {
    ReportSyntax(source, e, "the template is not rendered", sink);
    return std::nullopt;
  }
}

std::string Describe(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kNull:
      return "null";
    case ExprKind::kString:
      return fmt::format("\"{}\"", expr.text);
    case ExprKind::kNumber:
      return expr.text;
    case ExprKind::kBool:
      return expr.boolean ? "true" : "false";
    case ExprKind::kTemplate:
      return "a template string";
    case ExprKind::kList:
      return "a list";
    case ExprKind::kObject:
      return "an object";
    case ExprKind::kCall:
      return fmt::format("{}(...)", expr.name);
    case ExprKind::kReference: {
      std::string out = expr.name;
      for (const std::string& step : expr.path) {
        if (step.front() != '[') {
          out += '.';
        }
        out += step;
      }
      return out;
    }
    case ExprKind::kUnsupported:
      return expr.text;
  }
  return "?";
}

}  // namespace polcheck::analysis::hcl
