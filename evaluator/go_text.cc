#include "evaluator/go_text.h"

#include <array>
#include <limits>

#include "parser/policy.h"

namespace polcheck::evaluator {
namespace {

constexpr char32_t kRuneError = 0xFFFD;

struct Decoded {
  char32_t rune;
  std::size_t width;  // 1 for an invalid byte
};

// utf8.DecodeRuneInString: invalid or overlong sequences yield (RuneError, 1).
Decoded DecodeRune(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto byte = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    return {(static_cast<char32_t>(b0 & 0x1F) << 6) | byte(1), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
    const char32_t r = (static_cast<char32_t>(b0 & 0x0F) << 12) | (byte(1) << 6) | byte(2);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) {
      return {r, 3};
    }
    return {kRuneError, 1};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    const char32_t r = (static_cast<char32_t>(b0 & 0x07) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
    if (r >= 0x10000 && r <= 0x10FFFF) {
      return {r, 4};
    }
  }
  return {kRuneError, 1};
}

bool In(char32_t r, char32_t lo, char32_t hi) { return r >= lo && r <= hi; }

bool IsGoSpaceRune(char32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return In(r, 0x2000, 0x200A);
  }
}

// The width of the last rune of `s` (utf8.DecodeLastRuneInString).
Decoded DecodeLastRune(std::string_view s) {
  std::size_t start = s.size() - 1;
  const std::size_t limit = s.size() >= 4 ? s.size() - 4 : 0;
  while (start > limit && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  Decoded d = DecodeRune(s, start);
  if (start + d.width != s.size()) {
    return {kRuneError, 1};
  }
  return d;
}

struct UnitScale {
  std::string_view name;
  std::uint64_t nanos;
};
constexpr std::array<UnitScale, 8> kUnits = {{
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1000},  // U+03BC Greek mu
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60ull * 1000000000},
    {"h", 3600ull * 1000000000},
}};

std::optional<std::uint64_t> UnitNanos(std::string_view unit) {
  for (const UnitScale& u : kUnits) {
    if (u.name == unit) {
      return u.nanos;
    }
  }
  return std::nullopt;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go time.ParseDuration.
std::optional<std::int64_t> GoParseDuration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return 0;
  }
  if (s.empty()) {
    return std::nullopt;
  }
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) {
      return std::nullopt;
    }
    std::uint64_t whole = 0;
    std::size_t i = 0;
    bool overflow = false;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (whole > (kMax - static_cast<std::uint64_t>(s[i] - '0')) / 10) {
        overflow = true;
      }
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    if (overflow) {
      return std::nullopt;
    }
    const bool had_int = i > 0;
    std::uint64_t frac = 0;
    double scale = 1;
    bool had_frac = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && IsDigit(s[i]); ++i) {
        had_frac = true;
        if (frac < (std::uint64_t{1} << 62) / 10) {  // Go drops digits that would overflow
          frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!had_int && !had_frac) {
      return std::nullopt;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] != '.' && !IsDigit(s[j])) {
      ++j;
    }
    const std::optional<std::uint64_t> unit = UnitNanos(s.substr(i, j - i));
    if (!unit) {
      return std::nullopt;
    }
    if (whole > kMax / *unit) {
      return std::nullopt;
    }
    std::uint64_t value = whole * *unit;
    if (frac > 0) {
      value += static_cast<std::uint64_t>(static_cast<double>(frac) * (static_cast<double>(*unit) / scale));
      if (value > kMax) {
        return std::nullopt;
      }
    }
    total += value;
    if (total > kMax) {
      return std::nullopt;
    }
    s.remove_prefix(j);
  }
  const auto signed_total = static_cast<std::int64_t>(total);
  return negative ? -signed_total : signed_total;
}

}  // namespace

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

std::string GoToLower(std::string_view s) {
  if (IsAscii(s)) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
      out.push_back(AsciiLower(c));
    }
    return out;
  }
  return parser::GoToLower(s);  // Unicode simple case mapping, as the parser lowers policy keys
}

std::string_view GoTrimSpace(std::string_view s) {
  while (!s.empty()) {
    const Decoded d = DecodeRune(s, 0);
    if (!IsGoSpaceRune(d.rune)) {
      break;
    }
    s.remove_prefix(d.width);
  }
  while (!s.empty()) {
    const Decoded d = DecodeLastRune(s);
    if (!IsGoSpaceRune(d.rune)) {
      break;
    }
    s.remove_suffix(d.width);
  }
  return s;
}

bool GlobbedStringsMatch(std::string_view item, std::string_view val) {
  if (item.size() < 2) {
    return val == item;
  }
  const bool leading = item.front() == '*';
  const bool trailing = item.back() == '*';
  if (leading && trailing) {
    return val.find(item.substr(1, item.size() - 2)) != std::string_view::npos;
  }
  if (leading) {
    return val.ends_with(item.substr(1));
  }
  if (trailing) {
    return val.starts_with(item.substr(0, item.size() - 1));
  }
  return val == item;
}

std::vector<std::string_view> ParseCommaStringSlice(std::string_view s) {
  std::vector<std::string_view> out;
  if (s.empty()) {
    return out;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? s.size() : comma;
    out.push_back(GoTrimSpace(s.substr(start, end - start)));
    if (comma == std::string_view::npos) {
      return out;
    }
    start = comma + 1;
  }
}

std::optional<std::int64_t> ParseGoInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;  // |min int64|
  std::uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) {
      return std::nullopt;
    }
    if (v > (kLimit - static_cast<std::uint64_t>(c - '0')) / 10) {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!negative && v == kLimit) {
    return std::nullopt;
  }
  return negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
}

std::optional<std::int64_t> ParseDurationNanos(std::string_view s) {
  constexpr std::int64_t kSecond = 1000000000;
  if (s.empty()) {
    return 0;
  }
  if (std::optional<std::int64_t> secs = ParseGoInt(s)) {
    if (*secs > std::numeric_limits<std::int64_t>::max() / kSecond ||
        *secs < std::numeric_limits<std::int64_t>::min() / kSecond) {
      return std::nullopt;
    }
    return *secs * kSecond;
  }
  if (s.ends_with('d')) {
    std::optional<std::int64_t> days = ParseGoInt(s.substr(0, s.size() - 1));
    constexpr std::int64_t kDay = 24 * 3600 * kSecond;
    if (!days || *days > std::numeric_limits<std::int64_t>::max() / kDay ||
        *days < std::numeric_limits<std::int64_t>::min() / kDay) {
      return std::nullopt;
    }
    return *days * kDay;
  }
  return GoParseDuration(s);
}

std::optional<std::int64_t> ParseDurationSeconds(std::string_view s) {
  std::optional<std::int64_t> nanos = ParseDurationNanos(s);
  if (!nanos) {
    return std::nullopt;
  }
  return *nanos / 1000000000;
}

}  // namespace polcheck::evaluator
