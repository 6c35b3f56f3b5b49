#include "evaluator/params.h"

#include <gtest/gtest.h>

namespace polcheck::evaluator {
namespace {

using parser::Value;

std::vector<Value> Strings(std::initializer_list<const char*> items) {
  std::vector<Value> out;
  for (const char* s : items) {
    out.push_back(Value::String(s));
  }
  return out;
}

TEST(ParamValues, NullMatchesOnlyNull) {
  EXPECT_FALSE(ValueInParameterList(Value(), Strings({"x"})));
  EXPECT_TRUE(ValueInParameterList(Value(), {Value()}));
  EXPECT_FALSE(ValueInParameterList(Value::String("x"), {Value()}));
}

TEST(ParamValues, RequestNumbersNeverEqualPolicyValues) {
  EXPECT_FALSE(ValueInParameterList(Value::Number("1"), {Value::Int(1)}));
  EXPECT_FALSE(ValueInParameterList(Value::Number("1"), Strings({"1", "**"})));
  EXPECT_TRUE(ValueInParameterList(Value::Int(1), {Value::Int(1)}));
  EXPECT_FALSE(ValueInParameterList(Value::Int(1), {Value::Float(1.0)}));
}

TEST(ParamValues, ObjectsCompareDeeply) {
  const Value good = Value::MakeObject({{"good", Value::String("one")}});
  EXPECT_TRUE(ValueInParameterList(good, {good}));
  EXPECT_FALSE(ValueInParameterList(Value::MakeObject({{"bad", Value::String("one")}}), {good}));
}

TEST(ParamValues, ListValuedSemanticsOnlyWhenEnabled) {
  const std::vector<Value> ab = Strings({"A", "B"});
  const Value comma = Value::String("A,B");
  const Value list = Value::MakeList(Strings({"B", "A"}));
  EXPECT_TRUE(ValueInAllowedList(comma, ab, true));
  EXPECT_TRUE(ValueInAllowedList(list, ab, true));
  EXPECT_FALSE(ValueInAllowedList(comma, ab, false));
  EXPECT_FALSE(ValueInAllowedList(list, ab, false));
  EXPECT_TRUE(ValueInAllowedList(Value::String(""), Strings({"a"}), true));    // "" splits to nothing
  EXPECT_FALSE(ValueInAllowedList(Value::String(""), Strings({"a"}), false));
  EXPECT_TRUE(ValueInAllowedList(Value::MakeList({}), Strings({"a"}), true));  // vacuous
  EXPECT_TRUE(ValueInAllowedList(Value::String("baz/quux,wibble"), Strings({"baz/*"}), true));
  EXPECT_TRUE(ValueInDeniedList(Value::String("default,admin"), Strings({"admin"}), true));
  EXPECT_FALSE(ValueInDeniedList(Value::String("default,admin"), Strings({"admin"}), false));
  EXPECT_FALSE(ValueInDeniedList(Value::String(""), Strings({"admin"}), true));
  EXPECT_TRUE(ValueInDeniedList(Value::String("anything"), {}, false));  // empty list matches all
}

ParamConstraints Constraints(std::optional<parser::ParameterMap> allowed, std::optional<parser::ParameterMap> denied,
                             std::vector<std::string> required = {}) {
  ParamConstraints c;
  if (allowed) {
    c.allowed = ParamTable(*allowed);
  }
  if (denied) {
    c.denied = ParamTable(*denied);
  }
  c.required_lower = std::move(required);
  return c;
}

TEST(CheckParameters, OrderOfSteps) {
  const ParamSemantics vault{.list_valued = true, .lower_policy_values = true};
  const ParamConstraints c = Constraints(parser::ParameterMap{{"a", {}}, {"b", Strings({"x"})}},
                                         parser::ParameterMap{{"c", {}}}, {"foo"});
  Params data = {{"a", Value::String("1")}};
  ParamVerdict v = CheckParameters(c, &data, vault);
  EXPECT_EQ(v.reason, Reason::kRequiredParameterMissing);
  EXPECT_EQ(v.parameter, "foo");
  data["foo"] = Value::String("1");
  EXPECT_EQ(CheckParameters(c, &data, vault).reason, Reason::kParameterNotAllowed);
  data.erase("foo");
  const ParamConstraints no_required = Constraints(parser::ParameterMap{{"a", {}}, {"b", Strings({"x"})}},
                                                   parser::ParameterMap{{"c", {}}});
  EXPECT_EQ(CheckParameters(no_required, nullptr, vault).reason, Reason::kAllowed);
  data = {{"C", Value::String("z")}};
  v = CheckParameters(no_required, &data, vault);
  EXPECT_EQ(v.reason, Reason::kParameterDenied);
  EXPECT_EQ(v.parameter, "C");
  data = {{"B", Value::String("y")}};
  EXPECT_EQ(CheckParameters(no_required, &data, vault).reason, Reason::kParameterValueNotAllowed);
  data = {{"B", Value::String("x")}, {"A", Value::Bool(true)}};
  EXPECT_EQ(CheckParameters(no_required, &data, vault).reason, Reason::kAllowed);
}

TEST(CheckParameters, PolicyValuesAreLowerCasedOnlyInVault) {
  const ParamConstraints c = Constraints(std::nullopt, parser::ParameterMap{{"token_policies", Strings({"admin"})}});
  Params data = {{"Token_Policies", Value::String("Admin")}};
  EXPECT_EQ(CheckParameters(c, &data, {.list_valued = true, .lower_policy_values = true}).reason,
            Reason::kParameterDenied);
  EXPECT_EQ(CheckParameters(c, &data, {}).reason, Reason::kAllowed);
  data = {{"policies", Value::MakeList({Value::String("ADMIN")})}};
  EXPECT_EQ(CheckParameters(c, &data, {.list_valued = true, .lower_policy_values = true}).reason, Reason::kAllowed);
  const ParamConstraints p = Constraints(std::nullopt, parser::ParameterMap{{"policies", Strings({"admin"})}});
  EXPECT_EQ(CheckParameters(p, &data, {.list_valued = true, .lower_policy_values = true}).reason,
            Reason::kParameterDenied);
}

TEST(CheckParameters, ParameterLiterallyNamedStarConsultsStarValues) {
  // Pinned reading of acl.go: "*" is looked up like any other name, so a
  // request parameter named "*" is checked against the values listed under "*".
  const ParamConstraints c = Constraints(parser::ParameterMap{{"*", Strings({"zzz"})}, {"a", {}}}, std::nullopt);
  Params data = {{"*", Value::String("nope")}};
  EXPECT_EQ(CheckParameters(c, &data, {}).reason, Reason::kParameterValueNotAllowed);
  data = {{"other", Value::String("nope")}};
  EXPECT_EQ(CheckParameters(c, &data, {}).reason, Reason::kAllowed);
}

TEST(CheckPagination, OpenBaoLimit) {
  ParamConstraints c;
  c.pagination_limit = 12345;
  EXPECT_EQ(CheckPagination(c, nullptr).reason, Reason::kAllowed);
  Params data = {{"limit", Value::String("99999")}};
  EXPECT_EQ(CheckPagination(c, &data).reason, Reason::kPaginationLimitInvalid);
  data = {{"limit", Value::String("max")}};
  EXPECT_EQ(CheckPagination(c, &data).reason, Reason::kAllowed);
  data = {{"limit", Value::String("-1")}};
  EXPECT_EQ(CheckPagination(c, &data).reason, Reason::kPaginationLimitInvalid);
  data = {{"limit", Value::Number("0")}};
  EXPECT_EQ(CheckPagination(c, &data).reason, Reason::kAllowed);
  data = {{"limit", Value::Bool(true)}};
  EXPECT_EQ(CheckPagination(c, &data).reason, Reason::kPaginationLimitInvalid);
  c.required_lower = {"limit"};
  EXPECT_EQ(CheckPagination(c, nullptr).reason, Reason::kPaginationLimitRequired);
}

}  // namespace
}  // namespace polcheck::evaluator
