// Small re-implementations of the Go standard-library and go-secure-stdlib
// helpers whose exact behaviour Vault's ACL code depends on: strings.ToLower,
// strings.TrimSpace, strutil.GlobbedStringsMatch, parseutil.ParseDurationSecond,
// parseutil.ParseCommaStringSlice. Internal to the evaluator (and its tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polcheck::evaluator {

// Go strings.ToLower: ASCII fast path, else parser::GoToLower (Unicode simple
// case mapping, invalid UTF-8 bytes become U+FFFD exactly as strings.Map does).
std::string GoToLower(std::string_view s);

// True when `s` is pure ASCII (GoToLower is then plain byte lowering).
bool IsAscii(std::string_view s);

// ASCII byte lowering.
inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Go strings.TrimSpace (Unicode White_Space).
std::string_view GoTrimSpace(std::string_view s);

// strutil.GlobbedStringsMatch(item, val): a policy value `item` shorter than two
// bytes must equal `val`; otherwise a leading and/or trailing '*' makes it a
// suffix / prefix / contains test ("**" matches everything, "*" only itself).
bool GlobbedStringsMatch(std::string_view item, std::string_view val);

// parseutil.ParseCommaStringSlice for a string: "" -> {}; otherwise split on
// ',' and TrimSpace every piece (empty pieces are kept).
std::vector<std::string_view> ParseCommaStringSlice(std::string_view s);

// parseutil.ParseDurationSecond for a string, in nanoseconds: "" -> 0; an
// integer is seconds; "<int>d" is days; else Go time.ParseDuration
// ("1h30m", "1.5s", "-2m", "300ms"). nullopt when it does not parse or overflows.
std::optional<std::int64_t> ParseDurationNanos(std::string_view s);

// The same, truncated to whole seconds (Vault stores wrapping TTLs in seconds).
std::optional<std::int64_t> ParseDurationSeconds(std::string_view s);

// Go strconv.ParseInt(s, 10, 64).
std::optional<std::int64_t> ParseGoInt(std::string_view s);

}  // namespace polcheck::evaluator
