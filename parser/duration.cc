#include "parser/duration.h"

#include <charconv>
#include <cmath>

namespace polcheck::parser {
namespace {

bool ParseInt64(std::string_view s, std::int64_t& out) {
  if (s.empty()) {
    return false;
  }
  std::size_t i = 0;
  if (s[0] == '+') {
    i = 1;  // Go's strconv.ParseInt accepts a leading '+'
  }
  const char* first = s.data() + i;
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && first != last;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Go's time.ParseDuration, returning seconds (truncated toward zero).
DurationResult GoParseDuration(std::string_view orig) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return {0, {}};
  }
  if (s.empty()) {
    return {std::nullopt, "time: invalid duration " + Quote(orig)};
  }
  long double total_ns = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) {
      return {std::nullopt, "time: invalid duration " + Quote(orig)};
    }
    std::size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        value += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) {
      return {std::nullopt, "time: invalid duration " + Quote(orig)};
    }
    std::size_t u = i;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) {
      ++u;
    }
    if (u == i) {
      return {std::nullopt, "time: missing unit in duration " + Quote(orig)};
    }
    const std::string_view unit = s.substr(i, u - i);
    long double factor = 0;
    if (unit == "ns") {
      factor = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      factor = 1e3L;
    } else if (unit == "ms") {
      factor = 1e6L;
    } else if (unit == "s") {
      factor = 1e9L;
    } else if (unit == "m") {
      factor = 60e9L;
    } else if (unit == "h") {
      factor = 3600e9L;
    } else {
      return {std::nullopt, "time: unknown unit " + Quote(unit) + " in duration " + Quote(orig)};
    }
    total_ns += value * factor;
    if (total_ns > 9.223372036854775807e18L) {
      return {std::nullopt, "time: invalid duration " + Quote(orig)};
    }
    s.remove_prefix(u);
  }
  auto seconds = static_cast<std::int64_t>(std::trunc(total_ns / 1e9L));
  return {neg ? -seconds : seconds, {}};
}

}  // namespace

DurationResult ParseDurationString(std::string_view text) {
  if (text.empty()) {
    return {0, {}};
  }
  std::int64_t value = 0;
  if (ParseInt64(text, value)) {
    return {value, {}};
  }
  if (text.back() == 'd') {
    const std::string_view days = text.substr(0, text.size() - 1);
    if (!ParseInt64(days, value)) {
      return {std::nullopt, "strconv.ParseInt: parsing " + Quote(days) + ": invalid syntax"};
    }
    return {value * 86400, {}};
  }
  return GoParseDuration(text);
}

}  // namespace polcheck::parser
