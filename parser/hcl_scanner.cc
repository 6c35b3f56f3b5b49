#include "parser/hcl_scanner.h"

#include <array>
#include <cstring>
#include <utility>

namespace polcheck::parser {
namespace {

using ast::TokenType;

bool IsAsciiLetter(char32_t ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }
bool IsDecimal(char32_t ch) { return ch >= '0' && ch <= '9'; }
bool IsHexadecimal(char32_t ch) {
  return IsDecimal(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}
bool IsWhitespace(char32_t ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

// Go's unicode.IsLetter for code points >= 0x80, approximated without Unicode
// tables: everything is a letter except the blocks of spaces, punctuation and
// symbols people actually paste into files (NBSP, BOM, general punctuation,
// CJK punctuation, private use, specials).
bool IsNonAsciiLetter(char32_t ch) {
  if (ch < 0x80 || ch > 0x10FFFF) {
    return false;
  }
  if (ch <= 0xBF) {
    return ch == 0xAA || ch == 0xB5 || ch == 0xBA;
  }
  if (ch == 0xD7 || ch == 0xF7) {
    return false;
  }
  if ((ch >= 0x2000 && ch <= 0x2BFF) || (ch >= 0x3000 && ch <= 0x303F) ||
      (ch >= 0xE000 && ch <= 0xF8FF) || (ch >= 0xFE00 && ch <= 0xFE0F) || ch == 0xFEFF ||
      (ch >= 0xFFF0 && ch <= 0xFFFF) || (ch >= 0x1F000 && ch <= 0x1FFFF)) {
    return false;
  }
  return true;
}

bool IsLetter(char32_t ch) { return IsAsciiLetter(ch) || ch == '_' || IsNonAsciiLetter(ch); }
bool IsDigit(char32_t ch) { return IsDecimal(ch); }

int DigitValue(char32_t ch) {
  if (ch >= '0' && ch <= '9') {
    return static_cast<int>(ch - '0');
  }
  if (ch >= 'a' && ch <= 'f') {
    return static_cast<int>(ch - 'a' + 10);
  }
  if (ch >= 'A' && ch <= 'F') {
    return static_cast<int>(ch - 'A' + 10);
  }
  return 16;
}

// Decodes one UTF-8 sequence at `s`. size 0 at the end; {0xFFFD, 1} on an
// invalid sequence, as Go's utf8.DecodeRune.
std::pair<char32_t, std::uint32_t> DecodeRune(std::string_view s) {
  if (s.empty()) {
    return {0xFFFD, 0};
  }
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return {0xFFFD, 1};
  }
  if (s.size() < static_cast<std::size_t>(len)) {
    return {0xFFFD, 1};
  }
  for (int i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) {
      return {0xFFFD, 1};
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {0xFFFD, 1};
  }
  return {cp, static_cast<std::uint32_t>(len)};
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    cp = 0xFFFD;
  }
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

}  // namespace

HclScanner::HclScanner(std::string_view src, ErrorHandler on_error)
    : src_(src), on_error_(std::move(on_error)) {}

char32_t HclScanner::NextSlow() {
  const auto [ch, size] = DecodeRune(src_.substr(offset_));
  if (size == 0) {
    // Advance for error reporting, as hcl does at EOF.
    ++column_;
    last_char_len_ = 0;
    return kEof;
  }
  prev_offset_ = offset_, prev_line_ = line_, prev_column_ = column_;
  ++column_;
  last_char_len_ = size;
  offset_ += size;
  if (ch == kRuneError && size == 1) {
    Error("illegal UTF-8 encoding");
    return ch;
  }
  if (ch == '\n') {
    ++line_;
    last_line_len_ = column_;
    column_ = 0;
  }
  if (ch == 0) {
    Error("unexpected null character (0x00)");
    return kEof;
  }
  if (ch == 0xE123) {
    Error("unicode code point U+E123 reserved for internal use");
    return kRuneError;
  }
  return ch;
}

namespace {

// Byte classes for SkipPlain(): each is a set of ASCII bytes other than '\n' and
// NUL, which Next() reads without any bookkeeping beyond the column.
enum ByteClass : std::uint8_t {
  kSpace = 1,         // ' ', '\t', '\r'
  kIdentChar = 2,     // letters, digits, '_', '-', '.'
  kStringPlain = 4,   // inside "...": all but '"', '\\', '$', '{', '}'
  kCommentPlain = 8,  // inside a line comment: all
};

constexpr std::array<std::uint8_t, 256> MakeByteClasses() {
  std::array<std::uint8_t, 256> classes{};
  for (int b = 1; b < 0x80; ++b) {
    if (b == '\n') {
      continue;
    }
    std::uint8_t c = kCommentPlain;
    if (b == ' ' || b == '\t' || b == '\r') {
      c |= kSpace;
    }
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b == '-' ||
        b == '.') {
      c |= kIdentChar;
    }
    if (b != '"' && b != '\\' && b != '$' && b != '{' && b != '}') {
      c |= kStringPlain;
    }
    classes[static_cast<std::size_t>(b)] = c;
  }
  return classes;
}

constexpr std::array<std::uint8_t, 256> kByteClasses = MakeByteClasses();

}  // namespace

void HclScanner::SkipPlain(std::uint8_t byte_class) {
  const std::size_t size = src_.size();
  const char* data = src_.data();
  std::uint32_t i = offset_;
  while (i < size && (kByteClasses[static_cast<unsigned char>(data[i])] & byte_class) != 0) {
    ++i;
  }
  if (i == offset_) {
    return;
  }
  // The state Next() leaves after reading the last of these bytes.
  const std::uint32_t n = i - offset_;
  prev_offset_ = i - 1, prev_line_ = line_, prev_column_ = column_ + n - 1;
  column_ += n;
  last_char_len_ = 1;
  offset_ = i;
}

void HclScanner::SkipWhitespace() {
  const std::size_t size = src_.size();
  const char* data = src_.data();
  std::uint32_t i = offset_;
  std::uint32_t line = line_, column = column_, last_line_len = last_line_len_;
  // What Next() does for these four bytes, without the per-byte bookkeeping.
  for (; i < size; ++i) {
    const char c = data[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++column;
    } else if (c == '\n') {
      ++line;
      last_line_len = column + 1;
      column = 0;
    } else {
      break;
    }
  }
  if (i == offset_) {
    return;
  }
  // Next()'s "previous" state is the one before the last byte read.
  if (data[i - 1] == '\n') {
    prev_line_ = line - 1, prev_column_ = last_line_len - 1;
  } else {
    prev_line_ = line, prev_column_ = column - 1;
  }
  prev_offset_ = i - 1;
  line_ = line, column_ = column, last_line_len_ = last_line_len;
  last_char_len_ = 1;
  offset_ = i;
}

void HclScanner::Unread() { offset_ = prev_offset_, line_ = prev_line_, column_ = prev_column_; }

char32_t HclScanner::Peek() const {
  const auto [ch, size] = DecodeRune(src_.substr(offset_));
  return size == 0 ? kEof : ch;
}

void HclScanner::Error(std::string_view message) {
  // hcl's recentPosition(): the character immediately read.
  ast::Position pos;
  pos.offset = offset_ - last_char_len_;
  if (column_ > 0) {
    pos.line = line_, pos.column = column_;
  } else if (last_line_len_ > 0) {
    pos.line = line_ - 1, pos.column = last_line_len_;
  } else {
    pos.line = 1, pos.column = 1;
  }
  if (on_error_) {
    on_error_(pos, message, token_start_);
  }
}

void HclScanner::Reset(std::uint32_t offset, std::uint32_t line) {
  offset_ = offset, line_ = line, column_ = 0;
  last_char_len_ = 0, last_line_len_ = 0;
}

void HclScanner::Scan(Token& tok) {
  SkipWhitespace();
  char32_t ch = Next();
  while (IsWhitespace(ch)) {
    ch = Next();
  }
  const std::uint32_t start = offset_ - last_char_len_;
  token_start_ = start;
  tok.plain_string = false;
  tok.pos.offset = start;
  if (column_ > 0) {
    tok.pos.line = line_, tok.pos.column = column_;
  } else {
    tok.pos.line = line_ - 1, tok.pos.column = last_line_len_;
  }

  if (IsLetter(ch)) {
    ScanIdentifier();
    tok.type = TokenType::kIdent;
    const std::string_view lit = src_.substr(start, offset_ - start);
    if (lit == "true" || lit == "false") {
      tok.type = TokenType::kBool;
    }
  } else if (IsDecimal(ch)) {
    tok.type = ScanNumber(ch);
  } else {
    switch (ch) {
      case kEof:
        tok.type = TokenType::kEof;
        break;
      case '"':
        tok.type = TokenType::kString;
        tok.plain_string = ScanString();
        break;
      case '#':
      case '/':
        tok.type = TokenType::kComment;
        ScanComment(ch);
        break;
      case '.':
        tok.type = TokenType::kPeriod;
        if (IsDecimal(Peek())) {
          tok.type = TokenType::kFloat;
          ch = ScanMantissa(Peek());
          ch = ScanExponent(ch);
        }
        break;
      case '<':
        tok.type = TokenType::kHeredoc;
        ScanHeredoc();
        break;
      case '[':
        tok.type = TokenType::kLbrack;
        break;
      case ']':
        tok.type = TokenType::kRbrack;
        break;
      case '{':
        tok.type = TokenType::kLbrace;
        break;
      case '}':
        tok.type = TokenType::kRbrace;
        break;
      case ',':
        tok.type = TokenType::kComma;
        break;
      case '=':
        tok.type = TokenType::kAssign;
        break;
      case '+':
        tok.type = TokenType::kAdd;
        break;
      case '-':
        if (IsDecimal(Peek())) {
          tok.type = ScanNumber(Next());
        } else {
          tok.type = TokenType::kSub;
        }
        break;
      default:
        tok.type = TokenType::kIllegal;
        Error("illegal char");
        break;
    }
  }
  tok.end = offset_;
  tok.text = std::string_view(src_.data() + start, offset_ > start ? offset_ - start : 0);
}

void HclScanner::ScanIdentifier() {
  SkipPlain(kIdentChar);
  char32_t ch = Next();
  while (IsLetter(ch) || IsDigit(ch) || ch == '-' || ch == '.') {
    ch = Next();
  }
  if (ch != kEof) {
    Unread();
  }
}

char32_t HclScanner::ScanMantissa(char32_t ch) {
  bool scanned = false;
  while (IsDecimal(ch)) {
    ch = Next();
    scanned = true;
  }
  if (scanned && ch != kEof) {
    Unread();
  }
  return ch;
}

char32_t HclScanner::ScanFraction(char32_t ch) {
  if (ch == '.') {
    ch = Peek();
    ch = ScanMantissa(ch);
  }
  return ch;
}

char32_t HclScanner::ScanExponent(char32_t ch) {
  if (ch == 'e' || ch == 'E') {
    ch = Next();
    if (ch == '-' || ch == '+') {
      ch = Next();
    }
    ch = ScanMantissa(ch);
  }
  return ch;
}

TokenType HclScanner::ScanNumber(char32_t ch) {
  if (ch == '0') {
    ch = Next();
    if (ch == 'x' || ch == 'X') {
      ch = Next();
      bool found = false;
      while (IsHexadecimal(ch)) {
        ch = Next();
        found = true;
      }
      if (!found) {
        Error("illegal hexadecimal number");
      }
      if (ch != kEof) {
        Unread();
      }
      return TokenType::kNumber;
    }
    bool illegal_octal = false;
    while (IsDecimal(ch)) {
      ch = Next();
      if (ch == '8' || ch == '9') {
        illegal_octal = true;
      }
    }
    if (ch == 'e' || ch == 'E') {
      ScanExponent(ch);
      return TokenType::kFloat;
    }
    if (ch == '.') {
      ch = ScanFraction(ch);
      if (ch == 'e' || ch == 'E') {
        ch = Next();
        ScanExponent(ch);
      }
      return TokenType::kFloat;
    }
    if (illegal_octal) {
      Error("illegal octal number");
    }
    if (ch != kEof) {
      Unread();
    }
    return TokenType::kNumber;
  }
  ScanMantissa(ch);
  ch = Next();
  if (ch == 'e' || ch == 'E') {
    ScanExponent(ch);
    return TokenType::kFloat;
  }
  if (ch == '.') {
    ch = ScanFraction(ch);
    if (ch == 'e' || ch == 'E') {
      ch = Next();
      ScanExponent(ch);
    }
    return TokenType::kFloat;
  }
  if (ch != kEof) {
    Unread();
  }
  return TokenType::kNumber;
}

bool HclScanner::ScanString() {
  int braces = 0;
  bool plain = true;
  for (;;) {
    SkipPlain(kStringPlain);
    const char32_t ch = Next();
    if ((ch == '\n' && braces == 0) || ch == kEof) {
      Error("literal not terminated");
      return false;
    }
    if (ch == '"' && braces == 0) {
      return plain;
    }
    // Inside ${...} quotes do not end the string.
    if (braces == 0 && ch == '$' && Peek() == '{') {
      ++braces;
      Next();
    } else if (braces > 0 && ch == '{') {
      ++braces;
    }
    if (braces > 0 && ch == '}') {
      --braces;
    }
    if (ch == '\\') {
      ScanEscape();
    }
    if (ch == '\\' || ch == '$') {
      plain = false;
    }
  }
}

void HclScanner::ScanEscape() {
  const char32_t ch = Next();
  switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\':
    case '"':
      break;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      ScanDigits(ch, 8, 3);
      break;
    case 'x':
      ScanDigits(Next(), 16, 2);
      break;
    case 'u':
      ScanDigits(Next(), 16, 4);
      break;
    case 'U':
      ScanDigits(Next(), 16, 8);
      break;
    default:
      Error("illegal char escape");
      break;
  }
}

char32_t HclScanner::ScanDigits(char32_t ch, int base, int n) {
  const int start = n;
  while (n > 0 && DigitValue(ch) < base) {
    ch = Next();
    if (ch == kEof) {
      break;
    }
    --n;
  }
  if (n > 0) {
    Error("illegal char escape");
  }
  if (n != start && ch != kEof) {
    Unread();
  }
  return ch;
}

void HclScanner::ScanComment(char32_t ch) {
  if (ch == '#' || (ch == '/' && Peek() != '*')) {
    if (ch == '/' && Peek() != '/') {
      Error("expected '/' for comment");
      return;
    }
    SkipPlain(kCommentPlain);
    ch = Next();
    while (ch != '\n' && ch != kEof) {
      SkipPlain(kCommentPlain);
      ch = Next();
    }
    if (ch != kEof) {
      Unread();
    }
    return;
  }
  if (ch == '/') {
    Next();
    ch = Next();
  }
  for (;;) {
    if (ch == kEof) {
      Error("comment not terminated");
      return;
    }
    const char32_t ch0 = ch;
    ch = Next();
    if (ch0 == '*' && ch == '/') {
      return;
    }
  }
}

namespace {

// hcl's anchor regexp `^[[:space:]]*ANCHOR\r*\z` over one line.
bool IsHeredocTerminator(std::string_view line, std::string_view anchor) {
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n' ||
                             line[i] == '\r' || line[i] == '\f' || line[i] == '\v')) {
    ++i;
  }
  if (line.substr(i, anchor.size()) != anchor) {
    return false;
  }
  i += anchor.size();
  while (i < line.size() && line[i] == '\r') {
    ++i;
  }
  return i == line.size();
}

}  // namespace

void HclScanner::ScanHeredoc() {
  if (Next() != '<') {
    Error("heredoc expected second '<', didn't see it");
    return;
  }
  const std::uint32_t anchor_start = offset_;
  char32_t ch = Next();
  if (ch == '-') {
    ch = Next();
  }
  while (IsLetter(ch) || IsDigit(ch)) {
    ch = Next();
  }
  if (ch == kEof) {
    Error("heredoc not terminated");
    return;
  }
  if (ch == '\r' && Peek() == '\n') {
    ch = Next();
  }
  if (ch != '\n') {
    Error("invalid characters in heredoc anchor");
    return;
  }
  std::string_view anchor = src_.substr(anchor_start, offset_ - last_char_len_ - anchor_start);
  if (anchor.empty() || anchor == "-") {
    Error("zero-length heredoc anchor");
    return;
  }
  if (anchor.back() == '\r') {
    anchor.remove_suffix(1);
  }
  if (anchor.front() == '-') {
    anchor.remove_prefix(1);
  }
  std::uint32_t line_start = offset_;
  for (;;) {
    ch = Next();
    if (ch == '\n') {
      const std::uint32_t line_end = offset_ - last_char_len_;
      if (line_end - line_start >= anchor.size() &&
          IsHeredocTerminator(src_.substr(line_start, line_end - line_start), anchor)) {
        return;
      }
      line_start = offset_;
    }
    if (ch == kEof) {
      Error("heredoc not terminated");
      return;
    }
  }
}

bool UnquoteHclString(std::string_view token, std::string& out) {
  out.clear();
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') {
    return false;
  }
  std::string_view s = token.substr(1, token.size() - 2);
  // Most strings hold nothing to decode: no escape, no interpolation, no newline.
  if (std::memchr(s.data(), '\\', s.size()) == nullptr && std::memchr(s.data(), '$', s.size()) == nullptr &&
      std::memchr(s.data(), '\n', s.size()) == nullptr) {
    out.assign(s);
    return true;
  }
  out.reserve(s.size());
  int braces = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (braces == 0 && c == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      braces = 1;
      out += "${";
      i += 2;
      continue;
    }
    if (braces > 0) {
      // Interpolations are copied verbatim.
      if (c == '{') {
        ++braces;
      } else if (c == '}') {
        --braces;
      }
      out += c;
      ++i;
      continue;
    }
    if (c == '\n') {
      return false;
    }
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (++i >= s.size()) {
      return false;
    }
    const char e = s[i++];
    switch (e) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        int v = e - '0';
        for (int k = 0; k < 2; ++k) {
          if (i >= s.size() || s[i] < '0' || s[i] > '7') {
            return false;
          }
          v = v * 8 + (s[i++] - '0');
        }
        if (v > 255) {
          return false;
        }
        out += static_cast<char>(v);
        break;
      }
      case 'x': case 'u': case 'U': {
        const int n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        char32_t v = 0;
        for (int k = 0; k < n; ++k) {
          if (i >= s.size() || DigitValue(static_cast<unsigned char>(s[i])) >= 16) {
            return false;
          }
          v = v * 16 + static_cast<char32_t>(DigitValue(static_cast<unsigned char>(s[i++])));
        }
        if (e == 'x') {
          out += static_cast<char>(v);
        } else {
          AppendUtf8(out, v);
        }
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::string HeredocValue(std::string_view token) {
  // Mirrors hcl's unindentHeredoc, including its slice arithmetic: the token
  // is "<<ANCHOR\n...\nANCHOR\n" and the anchor line is cut by the anchor's
  // length.
  const std::size_t idx = token.find('\n');
  if (idx == std::string_view::npos || token.size() < 3) {
    return {};
  }
  const bool unindent = token[2] == '-';
  const std::size_t body_end = token.size() >= idx + 1 ? token.size() - idx + 1 : 0;
  if (!unindent) {
    if (body_end <= idx + 1) {
      return {};
    }
    return std::string(token.substr(idx + 1, body_end - (idx + 1)));
  }
  const std::size_t indented_end = token.size() - idx + 2;
  if (indented_end <= idx + 1 || indented_end > token.size()) {
    return {};
  }
  std::vector<std::string_view> lines;
  std::string_view body = token.substr(idx + 1, indented_end - (idx + 1));
  for (std::size_t pos = 0;;) {
    const std::size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back(body.substr(pos));
      break;
    }
    lines.push_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  const std::string_view prefix = lines.back();
  bool indented = true;
  for (std::string_view line : lines) {
    if (line.substr(0, prefix.size()) != prefix) {
      indented = false;
      break;
    }
  }
  if (!indented) {
    std::string raw(token.substr(idx + 1, body_end - (idx + 1)));
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) {
      raw.pop_back();
    }
    return raw;
  }
  std::string out;
  for (std::size_t k = 0; k + 1 < lines.size(); ++k) {
    out.append(lines[k].substr(prefix.size()));
    out += '\n';
  }
  return out;
}

}  // namespace polcheck::parser
