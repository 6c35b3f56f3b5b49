// The normalised model: capability names and sets, pattern kinds, values,
// policy names.
#include "parser/policy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "parser/parser.h"
#include "parser/value.h"

namespace polcheck::parser {
namespace {

TEST(Policy, CapabilityNamesRoundTrip) {
  for (int i = 0; i < kCapabilityCount; ++i) {
    const auto c = static_cast<Capability>(i);
    const Dialect d = c == Capability::kScan ? Dialect::kOpenBao : Dialect::kVault;
    EXPECT_EQ(ParseCapability(CapabilityName(c), d), c) << CapabilityName(c);
  }
}

TEST(Policy, SortedNamesAreAlphabetical) {
  CapabilitySet set;
  for (Capability c : {Capability::kUpdate, Capability::kSudo, Capability::kCreate, Capability::kRead,
                       Capability::kList, Capability::kDelete}) {
    set.Add(c);
  }
  EXPECT_EQ(set.SortedNames(),
            (std::vector<std::string_view>{"create", "delete", "list", "read", "sudo", "update"}));
}

TEST(Policy, DenySetIsDenyOnly) {
  EXPECT_TRUE(CapabilitySet::Deny().is_deny());
  EXPECT_EQ(CapabilitySet::Deny().SortedNames(), std::vector<std::string_view>{"deny"});
  EXPECT_TRUE(CapabilitySet().empty());
}

TEST(Policy, PatternKindNames) {
  EXPECT_EQ(PatternKindName(PatternKind::kExact), "exact");
  EXPECT_EQ(PatternKindName(PatternKind::kPrefix), "prefix");
  EXPECT_EQ(PatternKindName(PatternKind::kSegment), "segment");
}

TEST(Policy, ValueEqualityIsGoDeepEqual) {
  EXPECT_EQ(Value::Int(1), Value::Int(1));
  EXPECT_FALSE(Value::Int(1) == Value::Float(1));
  EXPECT_FALSE(Value::Int(1) == Value::String("1"));
  EXPECT_FALSE(Value::Number("1") == Value::Int(1));  // json.Number never equals a policy int
  EXPECT_EQ(Value::MakeObject({{"good", Value::String("one")}}), Value::MakeObject({{"good", Value::String("one")}}));
  EXPECT_FALSE(Value::Bool(false) == Value::String("false"));
}

TEST(Policy, ValueToString) {
  EXPECT_EQ(Value::MakeList({Value::String("a\"b"), Value::Int(-2), Value::Bool(true), Value()}).ToString(),
            "[\"a\\\"b\", -2, true, null]");
}

TEST(Policy, NameFromPathTable) {
  EXPECT_EQ(PolicyNameFromPath("policies/Ops.hcl"), "ops");
  EXPECT_EQ(PolicyNameFromPath("  Admin Team .json"), "admin team");
  EXPECT_EQ(PolicyNameFromPath("a/b/kv.read.hcl"), "kv.read");
}

// The stem is computed without std::filesystem (it was on the parse's hot path);
// it must still be exactly what path::stem() gives, edge cases included.
TEST(Policy, NameFromPathMatchesFilesystemStem) {
  for (const std::string path :
       {"", "ops", "ops.hcl", "Ops.HCL", "/abs/p/Ops.hcl", "dir/", "dir/.", "dir/..", ".", "..", ".h", ".hcl",
        "..hcl", "a/.hcl", "a/..hcl", "a.b.c.json", "a./", "a/b.", "a/.b.c", "x//y.json", "//", "/", "a b/ C d .hcl",
        "\tTab\t.hcl", "dir.d/noext", "p\xC3\x84ss.hcl"}) {
    std::string expected = std::filesystem::path(path).stem().string();
    const auto first = expected.find_first_not_of(" \t\r\n");
    const auto last = expected.find_last_not_of(" \t\r\n");
    expected = first == std::string::npos ? "" : expected.substr(first, last - first + 1);
    for (char& c : expected) {
      c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    EXPECT_EQ(PolicyNameFromPath(path), expected) << "path \"" << path << "\"";
  }
}

}  // namespace
}  // namespace polcheck::parser
