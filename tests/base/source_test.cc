#include "base/source.h"

#include <gtest/gtest.h>

namespace polcheck {
namespace {

TEST(SourceFile, LocatesLinesAndColumns) {
  SourceFile f(0, "a.hcl", "ab\ncd\n\nxyz");
  EXPECT_EQ(f.Locate(0), (LineCol{1, 1}));
  EXPECT_EQ(f.Locate(1), (LineCol{1, 2}));
  EXPECT_EQ(f.Locate(2), (LineCol{1, 3}));  // the newline itself
  EXPECT_EQ(f.Locate(3), (LineCol{2, 1}));
  EXPECT_EQ(f.Locate(6), (LineCol{3, 1}));
  EXPECT_EQ(f.Locate(9), (LineCol{4, 3}));
  EXPECT_EQ(f.Locate(1000), (LineCol{4, 4}));  // clamped to the end
}

TEST(SourceFile, ColumnsCountCodePointsNotBytes) {
  SourceFile f(0, "a.hcl", "p \"\xC3\xA9t\xC3\xA9\" x");
  // "x" is at byte 10 but at column 9.
  EXPECT_EQ(f.Locate(10), (LineCol{1, 9}));
}

TEST(SourceFile, LineStripsNewlineAndCarriageReturn) {
  SourceFile f(0, "a.hcl", "one\r\ntwo\nthree");
  EXPECT_EQ(f.Line(1), "one");
  EXPECT_EQ(f.Line(2), "two");
  EXPECT_EQ(f.Line(3), "three");
  EXPECT_EQ(f.Line(4), "");
  EXPECT_EQ(f.Line(0), "");
  EXPECT_EQ(f.line_count(), 3u);
}

TEST(SourceSet, IdsAreStableAndReferencesSurviveGrowth) {
  SourceSet set;
  const FileId a = set.Add("a", "1");
  const SourceFile& first = set.file(a);
  for (int i = 0; i < 100; ++i) {
    set.Add("f" + std::to_string(i), "x");
  }
  EXPECT_EQ(&first, &set.file(a));
  EXPECT_EQ(set.file(a).name(), "a");
  EXPECT_EQ(set.size(), 101u);
}

}  // namespace
}  // namespace polcheck
