#include "evaluator/go_text.h"

#include <gtest/gtest.h>

#include "parser/policy.h"

namespace polcheck::evaluator {
namespace {

TEST(GoText, ToLowerAsciiAndUnicode) {
  EXPECT_EQ(GoToLower("Token_Policies"), "token_policies");
  EXPECT_EQ(GoToLower("\xC3\x84rger"), "\xC3\xA4rger");              // Ärger -> ärger
  EXPECT_EQ(GoToLower("\xD0\x90\xD0\x91"), "\xD0\xB0\xD0\xB1");      // АБ -> аб
  EXPECT_EQ(GoToLower("\xCE\xA3"), "\xCF\x83");                      // Σ -> σ
  EXPECT_EQ(GoToLower("\xE2\x84\xAA"), "k");                         // Kelvin sign
  // Scripts the evaluator's own table used to miss: the same mapping as the
  // parser's (policy keys), so a request name and a policy key meet.
  EXPECT_EQ(GoToLower("\xE1\x8E\xA0"), "\xEA\xAD\xB0");  // Cherokee U+13A0 -> U+AB70
  EXPECT_EQ(GoToLower("\xE1\x8E\xA0X"), parser::GoToLower("\xE1\x8E\xA0X"));
  EXPECT_EQ(GoToLower("a\xFF" "B"), "a\xEF\xBF\xBD" "b");             // invalid byte -> U+FFFD
}

TEST(GoText, TrimSpaceIsUnicodeAware) {
  EXPECT_EQ(GoTrimSpace("  a b \t\n"), "a b");
  EXPECT_EQ(GoTrimSpace("\xC2\xA0x\xE3\x80\x80"), "x");  // NBSP and ideographic space
  EXPECT_EQ(GoTrimSpace(""), "");
}

TEST(GoText, GlobbedStringsMatchFollowsStrutil) {
  struct Case {
    const char* item;
    const char* val;
    bool match;
  };
  const Case cases[] = {
      {"*", "anything", false}, {"*", "*", true},        {"**", "anything", true}, {"**", "", true},
      {"bad*", "bad glob", true}, {"bad*", "good", false}, {"*good3", "glob good3", true},
      {"*x*", "axb", true},     {"a*b", "a*b", true},     {"a*b", "axb", false},    {"", "", true},
      {"a", "a", true},         {"x", "", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(GlobbedStringsMatch(c.item, c.val), c.match) << c.item << " vs " << c.val;
  }
}

TEST(GoText, CommaStringSliceKeepsEmptyPieces) {
  EXPECT_TRUE(ParseCommaStringSlice("").empty());
  const std::vector<std::string_view> want = {"a", "", "b"};
  EXPECT_EQ(ParseCommaStringSlice(" a ,, b"), want);
}

TEST(GoText, DurationSecond) {
  EXPECT_EQ(ParseDurationSeconds("300"), 300);
  EXPECT_EQ(ParseDurationSeconds("5m"), 300);
  EXPECT_EQ(ParseDurationSeconds("1h30m"), 5400);
  EXPECT_EQ(ParseDurationSeconds("1d"), 86400);
  EXPECT_EQ(ParseDurationNanos("1.5s"), 1500000000);
  EXPECT_EQ(ParseDurationNanos("300ms"), 300000000);
  EXPECT_EQ(ParseDurationNanos("-2m"), -120000000000);
  EXPECT_EQ(ParseDurationNanos(""), 0);
  EXPECT_EQ(ParseDurationNanos("0"), 0);
  EXPECT_FALSE(ParseDurationNanos("5"  "x"));
  EXPECT_FALSE(ParseDurationNanos("m"));
  EXPECT_FALSE(ParseDurationNanos("1.d"));
  EXPECT_FALSE(ParseDurationNanos("."));
}

TEST(GoText, ParseIntMatchesStrconv) {
  EXPECT_EQ(ParseGoInt("+12"), 12);
  EXPECT_EQ(ParseGoInt("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(ParseGoInt("9223372036854775808"));
  EXPECT_FALSE(ParseGoInt("1.0"));
  EXPECT_FALSE(ParseGoInt(""));
}

}  // namespace
}  // namespace polcheck::evaluator
