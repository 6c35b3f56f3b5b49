// HCL v1 scanner (internal to the parser). Positions, token boundaries and
// error texts follow hashicorp/hcl v1's scanner, which Vault uses, so the
// "At L:C: ..." messages polcheck reports are the ones Vault returns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "parser/ast.h"

namespace polcheck::parser {

struct Token {
  ast::TokenType type = ast::TokenType::kEof;
  ast::Position pos;
  std::uint32_t end = 0;  // byte offset one past the token
  // kString only: closed by its '"' with no escape and no "${": the value is
  // the text between the quotes (what UnquoteHclString would decode).
  bool plain_string = false;
  std::string_view text;  // raw token text
};

class HclScanner {
 public:
  // Called for every scanner error with its position and hcl's message.
  // `token_start` is the byte offset where the token being scanned began.
  using ErrorHandler =
      std::function<void(ast::Position pos, std::string_view message, std::uint32_t token_start)>;

  HclScanner(std::string_view src, ErrorHandler on_error);

  // Next token, comments included (the parser collects them).
  Token Scan() {
    Token tok;
    Scan(tok);
    return tok;
  }
  // The same, written into `tok` (the parser's hot path: no temporary to copy).
  void Scan(Token& tok);

  // Continues scanning at `offset`, the first byte of 1-based line `line`.
  void Reset(std::uint32_t offset, std::uint32_t line);

 private:
  static constexpr char32_t kEof = 0xFFFFFFFF;
  static constexpr char32_t kRuneError = 0xFFFD;

  // Reads one rune; the ASCII case is inline, the rest (UTF-8, errors) in NextSlow().
  char32_t Next() {
    if (offset_ < src_.size()) {
      const auto b = static_cast<unsigned char>(src_[offset_]);
      if (b < 0x80 && b != '\n' && b != 0) {
        prev_offset_ = offset_, prev_line_ = line_, prev_column_ = column_;
        ++column_;
        last_char_len_ = 1;
        ++offset_;
        return b;
      }
    }
    return NextSlow();
  }
  char32_t NextSlow();
  // Skips a run of ASCII bytes (no '\n', no NUL) of one ByteClass, leaving the
  // state exactly as that many Next() calls would.
  void SkipPlain(std::uint8_t byte_class);
  // The same for whitespace, newlines included.
  void SkipWhitespace();
  void Unread();
  char32_t Peek() const;
  void Error(std::string_view message);

  void ScanIdentifier();
  ast::TokenType ScanNumber(char32_t ch);
  char32_t ScanMantissa(char32_t ch);
  char32_t ScanFraction(char32_t ch);
  char32_t ScanExponent(char32_t ch);
  // Returns true when the string is closed and holds no '\\' and no '$'.
  bool ScanString();
  void ScanEscape();
  char32_t ScanDigits(char32_t ch, int base, int n);
  void ScanComment(char32_t ch);
  void ScanHeredoc();

  std::string_view src_;
  ErrorHandler on_error_;
  // Mirrors hcl's srcPos / lastCharLen / lastLineLen bookkeeping.
  std::uint32_t offset_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 0;
  std::uint32_t last_char_len_ = 0;
  std::uint32_t last_line_len_ = 0;
  std::uint32_t token_start_ = 0;
  // Saved state for Unread() (one rune).
  std::uint32_t prev_offset_ = 0, prev_line_ = 1, prev_column_ = 0;
};

// Decodes an HCL double-quoted string token (quotes included) the way hcl's
// strconv.Unquote does. Returns false when the escape is invalid.
bool UnquoteHclString(std::string_view token, std::string& out);

// The value of a heredoc token (hcl's unindentHeredoc).
std::string HeredocValue(std::string_view token);

}  // namespace polcheck::parser
