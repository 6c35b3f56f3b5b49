// parseutil.ParseDurationSecond for wrapping TTLs (SEMANTICS.md §1.3, §6.5).
#include "parser/duration.h"

#include <gtest/gtest.h>

namespace polcheck::parser {
namespace {

TEST(Duration, AcceptedFormsTable) {
  struct Case {
    std::string_view text;
    std::int64_t seconds;
  };
  const Case cases[] = {
      {"", 0},        {"0", 0},         {"300", 300},    {"+300", 300},   {"-5", -5},
      {"300s", 300},  {"5m", 300},      {"1h", 3600},    {"1h30m", 5400}, {"1.5h", 5400},
      {"1d", 86400},  {"2d", 172800},   {"1500ms", 1},   {"999ms", 0},    {".5m", 30},
      {"1us", 0},     {"1\xC2\xB5s", 0}, {"-1m", -60},
  };
  for (const Case& c : cases) {
    DurationResult r = ParseDurationString(c.text);
    ASSERT_TRUE(r.seconds.has_value()) << c.text << ": " << r.error;
    EXPECT_EQ(*r.seconds, c.seconds) << c.text;
  }
}

TEST(Duration, GoErrorTextTable) {
  struct Case {
    std::string_view text;
    std::string error;
  };
  const Case cases[] = {
      {"5x", "time: unknown unit \"x\" in duration \"5x\""},
      {"abc", "time: invalid duration \"abc\""},
      {"5", ""},  // plain integer
      {"1.5", "time: missing unit in duration \"1.5\""},
      {"xd", "strconv.ParseInt: parsing \"x\": invalid syntax"},
      {"1.5d", "strconv.ParseInt: parsing \"1.5\": invalid syntax"},
      {"-", "time: invalid duration \"-\""},
  };
  for (const Case& c : cases) {
    DurationResult r = ParseDurationString(c.text);
    EXPECT_EQ(r.error, c.error) << c.text;
    EXPECT_EQ(r.seconds.has_value(), c.error.empty()) << c.text;
  }
}

}  // namespace
}  // namespace polcheck::parser
