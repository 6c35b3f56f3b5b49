// Vault's parseutil.ParseDurationSecond for wrapping TTLs (internal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace polcheck::parser {

struct DurationResult {
  std::optional<std::int64_t> seconds;  // set on success
  std::string error;                    // Go's error text on failure
};

// Parses "300", "300s", "5m", "1h30m", "1d" (and Go's ns/us/ms units).
// Fractions of a second are truncated.
DurationResult ParseDurationString(std::string_view text);

}  // namespace polcheck::parser
