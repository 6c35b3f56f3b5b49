// The normalised model: capability names and sets, pattern kinds, values,
// policy names.
#include "parser/policy.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace polcheck::parser
