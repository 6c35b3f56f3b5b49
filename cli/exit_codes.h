// The exit-code contract every polcheck command shares.
#pragma once

namespace polcheck::cli {

inline constexpr int kExitYes = 0;         // allowed, clean, passed
inline constexpr int kExitNo = 1;          // denied, findings, failures, gate tripped
inline constexpr int kExitUsage = 2;       // usage, config or I/O error
inline constexpr int kExitParseError = 3;  // an input file does not parse

}  // namespace polcheck::cli
