#include "base/suggest.h"

#include <gtest/gtest.h>

#include <array>

namespace polcheck {
namespace {

TEST(Suggest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("read", "read"), 0u);
  EXPECT_EQ(EditDistance("reed", "read"), 1u);
  EXPECT_EQ(EditDistance("simualte", "simulate"), 2u);  // a transposition is two edits
  EXPECT_EQ(EditDistance("", "list"), 4u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(Suggest, ClosestWordWithinTheLimitFirstWinsTies) {
  constexpr std::array<std::string_view, 4> kCaps = {"read", "create", "update", "delete"};
  EXPECT_EQ(ClosestWord("reed", kCaps), "read");
  EXPECT_EQ(ClosestWord("READ", kCaps), "read") << "case alone is distance 0";
  EXPECT_EQ(ClosestWord("updat", kCaps), "update");
  EXPECT_EQ(ClosestWord("xyzzy", kCaps), std::nullopt);
  EXPECT_EQ(ClosestWord("delate", kCaps, 0), std::nullopt);
  constexpr std::array<std::string_view, 2> kTie = {"ab", "ba"};
  EXPECT_EQ(ClosestWord("aa", kTie), "ab");
}

}  // namespace
}  // namespace polcheck
