// The syntax tree's Arena and Seq: what the readers build every tree on.
#include "parser/ast.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polcheck::parser::ast {
namespace {

TEST(Arena, CopiesStayValidAndAlignedAcrossManyChunks) {
  Arena arena;
  std::vector<Seq<Node>> lists;
  std::vector<Text> texts;
  // Odd-sized texts between node runs misalign the next free byte, and enough
  // of both to fill many chunks.
  for (std::uint32_t i = 0; i < 2000; ++i) {
    texts.push_back(arena.Copy(std::string(i % 7 + 1, static_cast<char>('a' + i % 26))));
    std::vector<Node> nodes(i % 5 + 1);
    for (std::uint32_t j = 0; j < nodes.size(); ++j) {
      nodes[j].pos.offset = i * 10 + j;
    }
    lists.push_back(arena.Copy(nodes));
  }
  for (std::uint32_t i = 0; i < 2000; ++i) {
    EXPECT_EQ(texts[i], std::string(i % 7 + 1, static_cast<char>('a' + i % 26)));
    ASSERT_EQ(lists[i].size(), i % 5 + 1);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(lists[i].data()) % alignof(Node), 0u);
    for (std::uint32_t j = 0; j < lists[i].size(); ++j) {
      EXPECT_EQ(lists[i][j].pos.offset, i * 10 + j);
    }
  }
}

TEST(Arena, CopyLargerThanAnyChunkSoFar) {
  Arena arena;
  arena.Copy(std::string_view("x"));
  const std::string big(100000, 'b');
  const Text copy = arena.Copy(big);
  EXPECT_EQ(copy, big);
  EXPECT_NE(copy.data(), big.data());
}

TEST(Arena, EmptyCopiesAreEmpty) {
  Arena arena;
  EXPECT_TRUE(arena.Copy(std::string_view()).empty());
  const Seq<Key> keys = arena.Copy(std::vector<Key>{});
  EXPECT_TRUE(keys.empty());
  EXPECT_EQ(keys.begin(), keys.end());
}

// After Reserve(n), n bytes of copies land back to back in one chunk.
TEST(Arena, ReserveKeepsTheNextCopiesTogether) {
  Arena arena;
  arena.Reserve(4096);
  const Text first = arena.Copy(std::string(1000, 'a'));
  const Text second = arena.Copy(std::string(3000, 'b'));
  EXPECT_EQ(first.data() + first.size(), second.data());
}

TEST(Seq, ReadsLikeAConstVector) {
  Arena arena;
  const Seq<Key> keys = arena.Copy(std::vector<Key>{Key{.value = Text(std::string_view("path"))}, Key{.value = Text(std::string_view("a/"))}});
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_FALSE(keys.empty());
  EXPECT_EQ(keys.front().value, "path");
  EXPECT_EQ(keys.back().value, "a/");
  std::string joined;
  for (const Key& key : keys) {
    joined += key.value;
  }
  EXPECT_EQ(joined, "patha/");
}

#ifdef _GLIBCXX_ASSERTIONS
// Like std::vector's operator[] in the dev and ci builds.
TEST(SeqDeathTest, IndexPastTheEndAborts) {
  Arena arena;
  const Seq<Key> keys = arena.Copy(std::vector<Key>(2));
  EXPECT_DEATH((void)keys[2], "check failed: in_bounds");
  EXPECT_DEATH((void)Seq<Key>().front(), "check failed: in_bounds");
}
#endif

}  // namespace
}  // namespace polcheck::parser::ast
