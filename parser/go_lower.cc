#include <unicode/uchar.h>

#include <string>
#include <string_view>

#include "parser/policy.h"

namespace polcheck::parser {
namespace {

constexpr char32_t kRuneError = 0xFFFD;

struct Rune {
  char32_t value;
  std::size_t width;
};

// Go's utf8.DecodeRuneInString: an invalid, overlong, surrogate or truncated
// sequence yields (RuneError, 1).
Rune DecodeRune(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto low6 = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    return {(static_cast<char32_t>(b0 & 0x1F) << 6) | low6(1), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
    const char32_t r = (static_cast<char32_t>(b0 & 0x0F) << 12) | (low6(1) << 6) | low6(2);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) {
      return {r, 3};
    }
    return {kRuneError, 1};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    const char32_t r = (static_cast<char32_t>(b0 & 0x07) << 18) | (low6(1) << 12) | (low6(2) << 6) | low6(3);
    if (r >= 0x10000 && r <= 0x10FFFF) {
      return {r, 4};
    }
  }
  return {kRuneError, 1};
}

void AppendRune(std::string& out, char32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

}  // namespace

std::string GoToLower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool ascii = true;
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (const char c : s) {
      out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
  }
  // strings.Map(unicode.ToLower, s): rune by rune, invalid bytes become U+FFFD.
  // unicode.ToLower is the simple (one code point to one code point) mapping of
  // UnicodeData.txt, which ICU's u_tolower also implements; both are at
  // Unicode 15.0 (Go 1.21+, ICU 72).
  for (std::size_t i = 0; i < s.size();) {
    const Rune r = DecodeRune(s, i);
    i += r.width;
    if (r.value == kRuneError) {
      AppendRune(out, kRuneError);
      continue;
    }
    AppendRune(out, static_cast<char32_t>(u_tolower(static_cast<UChar32>(r.value))));
  }
  return out;
}

}  // namespace polcheck::parser
