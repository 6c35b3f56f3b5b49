#include "base/markup.h"

#include <gtest/gtest.h>

namespace polcheck {
namespace {

TEST(Markup, HtmlEscapesTheFourSpecialCharacters) {
  EXPECT_EQ(EscapeHtml("a<b> & \"c\" 'd'"), "a&lt;b&gt; &amp; &quot;c&quot; 'd'");
  EXPECT_EQ(EscapeHtml("tab\there"), "tab\there");
}

TEST(Markup, XmlAlsoEscapesApostropheAndDropsForbiddenControls) {
  EXPECT_EQ(EscapeXml("a<b> & \"c\" 'd'"), "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;");
  EXPECT_EQ(EscapeXml(std::string("x\x01y\tz\n", 6)), "x y\tz\n");
}

}  // namespace
}  // namespace polcheck
