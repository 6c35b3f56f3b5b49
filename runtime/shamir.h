// Shamir's secret sharing over GF(2^8), written here (small, and Vault's share
// format): each share is the polynomial values for every secret byte followed
// by the share's x coordinate, so a share is one byte longer than the secret.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polcheck::runtime::shamir {

// Splits `secret` into `parts` shares, any `threshold` of which recover it.
// Requires 2 <= threshold <= parts <= 255 and a non-empty secret (a broken
// invariant otherwise; callers validate user input first).
std::vector<std::string> Split(std::string_view secret, int parts, int threshold);

// Recombines shares; nullopt when fewer than two, of different lengths, or with
// duplicate x coordinates. Wrong shares give a wrong secret, not an error: the
// caller detects that by failing to decrypt with it.
std::optional<std::string> Combine(const std::vector<std::string>& shares);

}  // namespace polcheck::runtime::shamir
