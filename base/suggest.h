// "Did you mean" for a mistyped word: the closest of a fixed set of names
// (capabilities, policy keys, command names) by edit distance.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace polcheck {

// Levenshtein distance (insertions, deletions, substitutions of bytes).
std::size_t EditDistance(std::string_view a, std::string_view b);

// The first candidate nearest to `word`, when that is at most `max_distance`
// edits away; a candidate equal to `word` ignoring ASCII case is at distance 0.
std::optional<std::string_view> ClosestWord(std::string_view word,
                                            std::span<const std::string_view> candidates,
                                            std::size_t max_distance = 2);

}  // namespace polcheck
