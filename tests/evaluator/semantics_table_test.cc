// Every evaluation row of ../shared/SEMANTICS.md §10 (rows 1-81 and 95-100),
// for each dialect, from policy text through the real parser. Each check
// asserts allowed, root_privs and the sys/capabilities answer for the path.
#include <gtest/gtest.h>

#include <optional>

#include "base/diagnostic.h"
#include "evaluator/acl.h"
#include "parser/parser.h"
#include "tests/evaluator/acl_test_policies.h"

namespace polcheck::evaluator {
namespace {

using parser::Value;
using acl_fixtures::kPermissionsPolicy;
using acl_fixtures::kValuePermissionsPolicy;
using Op = Operation;

Value S(const char* s) { return Value::String(s); }

// acl_test.go › aclPolicy. Vault's copy grants recover on 1/2/+/+ as well.
std::string AclPolicy(Dialect dialect) {
  const std::string recover = dialect == Dialect::kOpenBao ? "" : ", \"recover\"";
  return R"(
name = "DeV"
path "dev/*" { policy = "sudo" }
path "stage/*" { policy = "write" }
path "stage/aws/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "stage/aws/policy/*" { policy = "sudo" }
path "prod/*" { policy = "read" }
path "prod/aws/*" { policy = "deny" }
path "sys/*" { policy = "deny" }
path "foo/bar" { capabilities = ["read", "create", "sudo"] }
path "baz/quux" { capabilities = ["read", "create", "patch"] }
path "test/+/segment" { capabilities = ["read"] }
path "+/segment/at/front" { capabilities = ["read"] }
path "test/segment/at/end/+" { capabilities = ["read"] }
path "test/segment/at/end/v2/+/" { capabilities = ["read"] }
path "test/+/wildcard/+/*" { capabilities = ["read"] }
path "1/2/*" { capabilities = ["create"] }
path "1/2/+" { capabilities = ["read"] }
path "1/2/+/+" { capabilities = ["update")" + recover + R"(] }
)";
}

constexpr const char* kAclPolicy2 = R"(
name = "OpS"
path "dev/hide/*" { policy = "deny" }
path "stage/aws/policy/*" {
  policy = "deny"
  # This should have no effect
  capabilities = ["read", "update", "sudo"]
}
path "prod/*" { policy = "write" }
path "sys/seal" { policy = "sudo" }
path "foo/bar" { capabilities = ["deny"] }
path "baz/quux" { capabilities = ["deny"] }
)";

constexpr const char* kWrite = "create, delete, list, read, update";
constexpr const char* kSudo = "create, delete, list, read, sudo, update";

class SemanticsTable : public ::testing::TestWithParam<Dialect> {
 protected:
  Dialect dialect() const { return GetParam(); }
  bool vault() const { return dialect() != Dialect::kOpenBao; }
  bool legacy() const { return dialect() == Dialect::kVaultLegacy; }
  bool current_vault() const { return dialect() == Dialect::kVault; }

  parser::ParseOptions Options(const std::string& name) const {
    parser::ParseOptions options;
    options.dialect = dialect();
    options.name = name;
    return options;
  }

  // Parses every policy (name, text) and builds the Acl; false on any failure.
  bool Load(const std::vector<std::pair<std::string, std::string>>& policies, AclOptions options = {}) {
    policies_.clear();
    acl_.reset();
    for (const auto& [name, text] : policies) {
      const FileId id = sources_.Add(name + ".hcl", text);
      DiagnosticSink sink;
      parser::PolicyFile file = parser::ParsePolicy(sources_.file(id), Options(name), sink);
      if (!file.ok) {
        ADD_FAILURE() << "policy " << name << " does not parse: " << file.vault_error;
        return false;
      }
      policies_.push_back(std::move(file.policy));
    }
    std::vector<const parser::Policy*> pointers;
    for (const parser::Policy& p : policies_) {
      pointers.push_back(&p);
    }
    options.dialect = dialect();
    if (options.identity == nullptr) {
      options.identity = identity_ ? &*identity_ : nullptr;
    }
    Expected<Acl> acl = Acl::Build(pointers, options);
    if (!acl) {
      build_error_ = acl.error().message;
      return false;
    }
    acl_.emplace(std::move(*acl));
    return true;
  }

  void Expect(int line, std::string_view path, Op op, bool allowed, bool root_privs, std::string_view caps,
              const Params* params = nullptr, std::optional<std::chrono::nanoseconds> wrap = std::nullopt) {
    SCOPED_TRACE(::testing::Message() << "line " << line << ": " << OperationName(op) << " \"" << path << "\" ("
                                      << DialectName(dialect()) << ")");
    ASSERT_TRUE(acl_.has_value());
    const Result r = acl_->Check(Request{.path = path, .operation = op, .params = params, .wrap_ttl = wrap});
    EXPECT_EQ(r.allowed, allowed) << ReasonText(r.reason);
    EXPECT_EQ(r.root_privs, root_privs);
    EXPECT_EQ(acl_->Capabilities(path).Join(), caps);
  }

  const CompiledRule& Rule(std::string_view key) {
    for (parser::PatternKind kind :
         {parser::PatternKind::kExact, parser::PatternKind::kPrefix, parser::PatternKind::kSegment}) {
      if (std::optional<RuleId> id = acl_->FindRule(key, kind)) {
        return acl_->rule(*id);
      }
    }
    throw std::runtime_error("no rule " + std::string(key));
  }

  SourceSet sources_;
  std::vector<parser::Policy> policies_;
  std::optional<Acl> acl_;
  std::optional<Identity> identity_;
  std::string build_error_;
};

#define EXPECT_DECISION(...) Expect(__LINE__, __VA_ARGS__)

std::chrono::nanoseconds Secs(int s) { return std::chrono::seconds(s); }

// ---------------------------------------------------------------- rows 1-21

TEST_P(SemanticsTable, Row01_NoRuleDenies) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("root", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row02_HelpAlwaysAllowed) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("root", Op::kHelp, true, false, "deny");
  EXPECT_DECISION("sys/seal", Op::kHelp, true, false, "deny");
}

TEST_P(SemanticsTable, Row03_SudoPolicyGrantsRootPrivs) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("dev/foo", Op::kRead, true, true, kSudo);
}

TEST_P(SemanticsTable, Row04_WritePolicyNoSudo) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("stage/foo", Op::kDelete, true, false, kWrite);
}

TEST_P(SemanticsTable, Row05_LegacyPolicyAppendsCapabilities) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("stage/aws/foo", Op::kList, true, true, "list, read, sudo, update");
}

TEST_P(SemanticsTable, Row06_ReadOnlyDeniesDelete) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("prod/foo", Op::kDelete, false, false, "list, read");
}

TEST_P(SemanticsTable, Row07_LongerPrefixDeny) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("prod/aws/foo", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row08_RootPrivsEvenWhenRefused) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("foo/bar", Op::kList, false, true, "create, read, sudo");
}

TEST_P(SemanticsTable, Row09_ExactCreateWithSudo) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("foo/bar", Op::kCreate, true, true, "create, read, sudo");
}

TEST_P(SemanticsTable, Row10_PatchIsItsOwnCapability) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("baz/quux", Op::kPatch, true, false, "create, patch, read");
  EXPECT_DECISION("baz/quux", Op::kUpdate, false, false, "create, patch, read");
}

TEST_P(SemanticsTable, Row11_SegmentCountMustMatch) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("test/foo/bar/segment", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row12_PlusMatchesOneSegment) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("test/bar/segment", Op::kRead, true, false, "read");
}

TEST_P(SemanticsTable, Row13_PlusAtFront) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("test/segment/at/frond", Op::kRead, false, false, "deny");
  EXPECT_DECISION("test/segment/at/front", Op::kRead, true, false, "read");
}

// The read is refused (the trailing '/' is an extra empty segment), but
// sys/capabilities uses the LIST lookup, whose trimmed-path search reaches
// test/segment/at/end/+ in every dialect (§2.4, §3.6).
TEST_P(SemanticsTable, Row14_TrailingSlashIsAnExtraSegment) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("test/segment/at/end/foo/", Op::kRead, false, false, "read");
}

TEST_P(SemanticsTable, Row15_RuleWithTrailingSlash) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("test/segment/at/end/v2/foo/", Op::kRead, true, false, "read");
}

TEST_P(SemanticsTable, Row16_PlusThenGlob) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("test/segment/wildcard/at/end", Op::kRead, true, false, "read");
  EXPECT_DECISION("test/segment/wildcard/at/end/", Op::kRead, true, false, "read");
}

TEST_P(SemanticsTable, Row17_TwoPlusBeatsGlob) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  const char* caps = vault() ? "recover, update" : "update";
  EXPECT_DECISION("1/2/3/4", Op::kRead, false, false, caps);
  EXPECT_DECISION("1/2/3/4", Op::kUpdate, true, false, caps);
}

TEST_P(SemanticsTable, Row18_OnePlusBeatsGlob) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("1/2/3", Op::kRead, true, false, "read");
  EXPECT_DECISION("1/2/3", Op::kUpdate, false, false, "read");
}

TEST_P(SemanticsTable, Row19_OnlyGlobMatches) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("1/2/3/4/5", Op::kCreate, true, false, "create");
}

// Vault only: OpenBao has no recover capability or operation.
TEST_P(SemanticsTable, Row20_Recover) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_DECISION("1/2/3/4", Op::kRecover, vault(), false, vault() ? "recover, update" : "update");
}

// OpenBao only: Vault rejects the scan capability when parsing.
TEST_P(SemanticsTable, Row21_Scan) {
  const std::string text = R"(path "asdf/fdsa" { capabilities = ["scan"] })";
  if (vault()) {
    DiagnosticSink sink;
    const FileId id = sources_.Add("scan.hcl", text);
    const parser::PolicyFile file = parser::ParsePolicy(sources_.file(id), Options("p"), sink);
    EXPECT_FALSE(file.ok);
    ASSERT_TRUE(Load({{"none", ""}}));
    EXPECT_DECISION("asdf/fdsa", Op::kScan, false, false, "deny");
    return;
  }
  ASSERT_TRUE(Load({{"scan", text}}));
  EXPECT_DECISION("asdf/fdsa", Op::kScan, true, false, "scan");
  EXPECT_DECISION("asdf/fdsa", Op::kList, false, false, "scan");
}

// --------------------------------------------------------------- rows 22-30

TEST_P(SemanticsTable, Row22_MoreSpecificDenyInOtherPolicy) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}, {"ops", kAclPolicy2}}));
  EXPECT_DECISION("dev/hide/foo", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row23_SameKeySudoUnionDenyIsDeny) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}, {"ops", kAclPolicy2}}));
  EXPECT_DECISION("stage/aws/policy/foo", Op::kUpdate, false, false, "deny");
}

TEST_P(SemanticsTable, Row24_ReadUnionWrite) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}, {"ops", kAclPolicy2}}));
  EXPECT_DECISION("prod/foo", Op::kDelete, true, false, kWrite);
  EXPECT_DECISION("prod/foo", Op::kUpdate, true, false, kWrite);
}

TEST_P(SemanticsTable, Row25_ExactSudoBeatsBroaderDeny) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}, {"ops", kAclPolicy2}}));
  EXPECT_DECISION("sys/seal", Op::kUpdate, true, true, kSudo);
  EXPECT_DECISION("sys/status", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row26_ExactDenyMerged) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}, {"ops", kAclPolicy2}}));
  EXPECT_DECISION("foo/bar", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row27_CapabilitiesGlobNeedsChild) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_EQ(acl_->Capabilities("dev").Join(), "deny");
}

TEST_P(SemanticsTable, Row28_CapabilitiesSorted) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_EQ(acl_->Capabilities("dev/").Join(), kSudo);
}

TEST_P(SemanticsTable, Row29_CapabilitiesLegacyPolicyPlusCaps) {
  ASSERT_TRUE(Load({{"dev", AclPolicy(dialect())}}));
  EXPECT_EQ(acl_->Capabilities("stage/aws/test").Join(), "list, read, sudo, update");
}

TEST_P(SemanticsTable, Row30_RootCapabilities) {
  ASSERT_TRUE(Load({}, {.root = true}));
  EXPECT_DECISION("any/path", Op::kRead, true, true, "root");
  EXPECT_DECISION("sys/seal", Op::kUpdate, true, true, "root");
}

// --------------------------------------------------------------- rows 31-43

TEST_P(SemanticsTable, Row31_AllowedParameterPresent) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"zip", S("zap")}};
  EXPECT_DECISION("dev/ops", Op::kUpdate, true, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row32_WrappingRequired) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"zip", S("zap")}};
  EXPECT_DECISION("foo/bar", Op::kUpdate, false, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row33_WrapTtlBounds) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"zip", S("zap")}};
  EXPECT_DECISION("foo/bar", Op::kUpdate, false, false, kWrite, &data, Secs(50));
  EXPECT_DECISION("foo/bar", Op::kUpdate, false, false, kWrite, &data, Secs(450));
  EXPECT_DECISION("foo/bar", Op::kUpdate, true, false, kWrite, &data, Secs(350));
}

TEST_P(SemanticsTable, Row34_DeniedParameterDespiteWrapping) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"zap", S("x")}};
  EXPECT_DECISION("foo/bar", Op::kUpdate, false, false, kWrite, &data, Secs(350));
}

TEST_P(SemanticsTable, Row35_MinOnlyHasNoUpperBound) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"hello", S("x")}};
  EXPECT_DECISION("foo/baz", Op::kUpdate, true, false, kWrite, &data, Secs(450));
}

TEST_P(SemanticsTable, Row36_MaxAloneForcesWrapping) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  EXPECT_DECISION("working/phone", Op::kUpdate, false, false, kWrite);
}

TEST_P(SemanticsTable, Row37_MaxAloneWrapped) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  EXPECT_DECISION("working/phone", Op::kUpdate, true, false, kWrite, nullptr, Secs(350));
}

TEST_P(SemanticsTable, Row38_DeniedWinsOverAllowed) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"steve", S("x")}};
  EXPECT_DECISION("broken/phone", Op::kUpdate, false, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row39_DeniedStarBeatsAllowedStar) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"one", S("x")}};
  EXPECT_DECISION("hello/world", Op::kUpdate, false, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row40_AllowedStarWithDeniedKey) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params one = {{"one", S("x")}};
  const Params foo = {{"foo", S("x")}};
  EXPECT_DECISION("tree/fort", Op::kUpdate, true, false, kWrite, &one);
  EXPECT_DECISION("tree/fort", Op::kUpdate, false, false, kWrite, &foo);
}

TEST_P(SemanticsTable, Row41_DeniedStarBlocksAllowedKey) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"pear", S("x")}};
  EXPECT_DECISION("fruit/apple", Op::kUpdate, false, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row42_EmptyMapsNoRestriction) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  const Params data = {{"four", S("x")}};
  EXPECT_DECISION("cold/weather", Op::kUpdate, true, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row43_RequiredParameter) {
  ASSERT_TRUE(Load({{"perms", kPermissionsPolicy}}));
  Params data = {{"cold", S("a")}, {"warm", S("b")}, {"kitty", S("c")}};
  EXPECT_DECISION("var/req", Op::kUpdate, false, false, kWrite, &data);
  data["foo"] = S("d");
  EXPECT_DECISION("var/req", Op::kUpdate, true, false, kWrite, &data);
}

// --------------------------------------------------------------- rows 44-57

TEST_P(SemanticsTable, Row44_AllowedValue) {
  ASSERT_TRUE(Load({{"values", kValuePermissionsPolicy}}));
  const Params good = {{"allow", S("good")}};
  const Params bad = {{"allow", S("bad")}};
  EXPECT_DECISION("dev/ops", Op::kUpdate, true, false, kWrite, &good);
  EXPECT_DECISION("dev/ops", Op::kUpdate, false, false, kWrite, &bad);
}

TEST_P(SemanticsTable, Row45_DeniedGlobValue) {
  ASSERT_TRUE(Load({{"values", kValuePermissionsPolicy}}));
  const Params bad = {{"deny", S("bad glob")}};
  const Params good = {{"deny", S("good")}};
  const Params null = {{"deny", Value()}};
  EXPECT_DECISION("foo/bar", Op::kUpdate, false, false, kWrite, &bad);
  EXPECT_DECISION("foo/bar", Op::kUpdate, true, false, kWrite, &good);
  EXPECT_DECISION("foo/bar", Op::kUpdate, true, false, kWrite, &null);
}

TEST_P(SemanticsTable, Row46_NamesCaseInsensitiveValuesNot) {
  ASSERT_TRUE(Load({{"values", kValuePermissionsPolicy}}));
  const Params good = {{"aLLow", S("good")}};
  const Params neither = {{"Neither", S("bad")}};
  const Params null = {{"allow", Value()}};
  EXPECT_DECISION("foo/baz", Op::kUpdate, true, false, kWrite, &good);
  EXPECT_DECISION("foo/baz", Op::kUpdate, false, false, kWrite, &neither);
  EXPECT_DECISION("foo/baz", Op::kUpdate, false, false, kWrite, &null);
}

TEST_P(SemanticsTable, Row47_ValueGlobs) {
  ASSERT_TRUE(Load({{"values", kValuePermissionsPolicy}}));
  const Params good2 = {{"allow_multi", S("glob good2")}};
  const Params good3 = {{"allow_multi", S("glob good3")}};
  EXPECT_DECISION("fizz/buzz", Op::kUpdate, false, false, kWrite, &good2);
  EXPECT_DECISION("fizz/buzz", Op::kUpdate, true, false, kWrite, &good3);
}

TEST_P(SemanticsTable, Row48_TypedValues) {
  ASSERT_TRUE(Load({{"values", kValuePermissionsPolicy}}));
  const std::vector<std::pair<Params, bool>> cases = {
      {{{"map", Value::MakeObject({{"good", S("one")}})}}, true},
      {{{"map", Value::MakeObject({{"bad", S("one")}})}}, false},
      {{{"int", Value::Int(1)}}, true},
      {{{"int", Value::Int(3)}}, false},
      {{{"bool", Value::Bool(false)}}, true},
      {{{"bool", Value::Bool(true)}}, false},
  };
  for (const auto& [data, allowed] : cases) {
    EXPECT_DECISION("test/types", Op::kUpdate, allowed, false, kWrite, &data);
  }
}

TEST_P(SemanticsTable, Row49_StarWithListedKeys) {
  ASSERT_TRUE(Load({{"values", kValuePermissionsPolicy}}));
  const Params bar = {{"bar", Value::Bool(true)}};
  const Params anything = {{"anything", Value::Bool(true)}};
  EXPECT_DECISION("test/star", Op::kUpdate, false, false, kWrite, &bar);
  EXPECT_DECISION("test/star", Op::kUpdate, true, false, kWrite, &anything);
}

TEST_P(SemanticsTable, Row50_JsonNumberNeverEqualsPolicyInt) {
  ASSERT_TRUE(Load({{"values", kValuePermissionsPolicy}}));
  const Params data = {{"int", Value::Number("1")}};
  EXPECT_DECISION("test/types", Op::kUpdate, false, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row51_OneCharGlobIsLiteral) {
  ASSERT_TRUE(Load({{"p", R"(path "x" {
  capabilities = ["update"]
  allowed_parameters = { "x" = ["*"] }
})"}}));
  const Params abc = {{"x", S("abc")}};
  const Params star = {{"x", S("*")}};
  EXPECT_DECISION("x", Op::kUpdate, false, false, "update", &abc);
  EXPECT_DECISION("x", Op::kUpdate, true, false, "update", &star);
}

TEST_P(SemanticsTable, Row52_DoubleStarMatchesAll) {
  ASSERT_TRUE(Load({{"p", R"(path "x" {
  capabilities = ["update"]
  allowed_parameters = { "x" = ["**"] }
})"}}));
  const Params data = {{"x", S("anything")}};
  EXPECT_DECISION("x", Op::kUpdate, true, false, "update", &data);
}

TEST_P(SemanticsTable, Row53_EmptyStringCommaSplit) {
  ASSERT_TRUE(Load({{"p", R"(path "x" {
  capabilities = ["update"]
  allowed_parameters = { "x" = ["a"] }
})"}}));
  const Params data = {{"x", S("")}};
  EXPECT_DECISION("x", Op::kUpdate, current_vault(), false, "update", &data);
}

TEST_P(SemanticsTable, Row54_ListValuedAllowed) {
  ASSERT_TRUE(Load({{"p", R"(path "x" {
  capabilities = ["update"]
  allowed_parameters = { "X" = ["A", "B"] }
})"}}));
  const Params comma = {{"X", S("A,B")}};
  const Params list = {{"X", Value::MakeList({S("B"), S("A")})}};
  EXPECT_DECISION("x", Op::kUpdate, current_vault(), false, "update", &comma);
  EXPECT_DECISION("x", Op::kUpdate, current_vault(), false, "update", &list);
}

TEST_P(SemanticsTable, Row55_ListValuedDenied) {
  ASSERT_TRUE(Load({{"p", R"(path "x" {
  capabilities = ["update"]
  denied_parameters = { "allowed_policies" = ["admin"] }
})"}}));
  const Params data = {{"allowed_policies", S("default,admin")}};
  EXPECT_DECISION("x", Op::kUpdate, !current_vault(), false, "update", &data);
}

TEST_P(SemanticsTable, Row56_PolicyValuesLowerCased) {
  ASSERT_TRUE(Load({{"p", R"(path "x" {
  capabilities = ["update"]
  denied_parameters = { "token_policies" = ["admin"] }
})"}}));
  const Params data = {{"token_policies", S("Admin")}};
  EXPECT_DECISION("x", Op::kUpdate, !current_vault(), false, "update", &data);
}

TEST_P(SemanticsTable, Row57_RequiredKeyNotLowerCasedInRequest) {
  ASSERT_TRUE(Load({{"p", R"(path "x" {
  capabilities = ["update"]
  required_parameters = ["Foo"]
})"}}));
  const Params upper = {{"Foo", Value::Number("1")}};
  const Params lower = {{"foo", Value::Number("1")}};
  EXPECT_DECISION("x", Op::kUpdate, false, false, "update", &upper);
  EXPECT_DECISION("x", Op::kUpdate, true, false, "update", &lower);
}

// --------------------------------------------------------------- rows 58-62

TEST_P(SemanticsTable, Row58_NoParameterChecksOnList) {
  ASSERT_TRUE(Load({{"p", R"(path "secret/foo" {
  capabilities = ["list"]
  allowed_parameters = { "x" = [] }
})"}}));
  const Params data = {{"y", S("1")}};
  EXPECT_DECISION("secret/foo/", Op::kList, true, false, "list", &data);
}

TEST_P(SemanticsTable, Row59_ConstraintsPooledPerKey) {
  ASSERT_TRUE(Load({{"p1", R"(path "secret/foo" { capabilities = ["create"] })"},
                    {"p2", R"(path "secret/foo" {
  capabilities = ["read"]
  allowed_parameters = { "x" = [] }
})"}}));
  const Params data = {{"y", S("1")}};
  EXPECT_DECISION("secret/foo", Op::kCreate, false, false, "create, read", &data);
}

TEST_P(SemanticsTable, Row60_MergedTtlsParametersRequired) {
  ASSERT_TRUE(Load({{"ops", R"(
path "hello/universe" {
  policy = "write"
  allowed_parameters = { "foo" = [] }
  required_parameters = ["foo"]
  max_wrapping_ttl = 300
  min_wrapping_ttl = 100
}
path "hello/universe" {
  policy = "write"
  allowed_parameters = { "bar" = [] }
  required_parameters = ["bar"]
  max_wrapping_ttl = 200
  min_wrapping_ttl = 50
})"}}));
  const CompiledRule& rule = Rule("hello/universe");
  EXPECT_EQ(rule.min_wrapping_ttl, 50);
  EXPECT_EQ(rule.max_wrapping_ttl, 200);
  ASSERT_TRUE(rule.allowed_parameters.has_value());
  EXPECT_EQ(rule.allowed_parameters->size(), 2u);
  EXPECT_TRUE(rule.allowed_parameters->at("foo").empty());
  EXPECT_TRUE(rule.allowed_parameters->at("bar").empty());
  EXPECT_EQ(rule.required_parameters, (std::vector<std::string>{"foo", "bar"}));
  const Params both = {{"foo", S("1")}, {"bar", S("2")}};
  EXPECT_DECISION("hello/universe", Op::kUpdate, true, false, kWrite, &both, Secs(100));
  EXPECT_DECISION("hello/universe", Op::kUpdate, false, false, kWrite, &both, Secs(250));
}

TEST_P(SemanticsTable, Row61_EmptyListDominatesMerge) {
  ASSERT_TRUE(Load({{"ops", R"(
path "value/empty" {
  policy = "write"
  allowed_parameters = { "empty" = [] }
  denied_parameters = { "empty" = [1] }
}
path "value/empty" {
  policy = "write"
  allowed_parameters = { "empty" = [1] }
  denied_parameters = { "empty" = [] }
})"}}));
  const CompiledRule& rule = Rule("value/empty");
  EXPECT_TRUE(rule.allowed_parameters->at("empty").empty());
  EXPECT_TRUE(rule.denied_parameters->at("empty").empty());
  const Params data = {{"empty", Value::Int(2)}};
  EXPECT_DECISION("value/empty", Op::kUpdate, false, false, kWrite, &data);
}

TEST_P(SemanticsTable, Row62_DeniedStarMerged) {
  ASSERT_TRUE(Load({{"ops", R"(
path "deny/all" {
  policy = "write"
  denied_parameters = { "test" = [] }
}
path "deny/all" {
  policy = "write"
  denied_parameters = { "*" = [] }
})"}}));
  const CompiledRule& rule = Rule("deny/all");
  ASSERT_TRUE(rule.denied_parameters.has_value());
  EXPECT_EQ(rule.denied_parameters->size(), 2u);
  EXPECT_EQ(rule.denied_parameters->count("*"), 1u);
  EXPECT_EQ(rule.denied_parameters->count("test"), 1u);
  const Params data = {{"anything", S("x")}};
  EXPECT_DECISION("deny/all", Op::kUpdate, false, false, kWrite, &data);
  EXPECT_DECISION("deny/all", Op::kUpdate, true, false, kWrite);
}

// --------------------------------------------------------------- rows 63-70

TEST_P(SemanticsTable, Row63_FewerPlusWinsAtEqualFirstWildcard) {
  ASSERT_TRUE(Load({{"p", R"(
path "+/*" { capabilities = ["read"] }
path "*" { capabilities = ["update"] })"}}));
  EXPECT_DECISION("foo/bar/bar/baz", Op::kUpdate, true, false, "update");
  EXPECT_DECISION("foo/bar/bar/baz", Op::kRead, false, false, "update");
}

TEST_P(SemanticsTable, Row64_LaterFirstWildcardWins) {
  ASSERT_TRUE(Load({{"p", R"(
path "foo/+/(ar/baz" { capabilities = ["read"] }
path "foo/(ar/+/baz" { capabilities = ["update"] })"}}));
  EXPECT_DECISION("foo/(ar/(ar/baz", Op::kUpdate, true, false, "update");
  EXPECT_DECISION("foo/(ar/(ar/baz", Op::kRead, false, false, "update");
}

TEST_P(SemanticsTable, Row65_LongerGlobWins) {
  ASSERT_TRUE(Load({{"p", R"(
path "foo/bar/+/b*" { capabilities = ["read"] }
path "foo/bar/+/ba*" { capabilities = ["update"] })"}}));
  EXPECT_DECISION("foo/bar/bar/baz", Op::kUpdate, true, false, "update");
  EXPECT_DECISION("foo/bar/bar/baz", Op::kRead, false, false, "update");
}

TEST_P(SemanticsTable, Row66_BareMountVisibility) {
  ASSERT_TRUE(Load({{"p", R"(path "foo/+/+/*" { capabilities = ["read"] })"}}));
  EXPECT_TRUE(acl_->CanSeeMount("foo/"));
  EXPECT_TRUE(acl_->CanSeeMount("foo/bar/bar/baz/"));
  EXPECT_FALSE(acl_->CanSeeMount("bar/"));
  EXPECT_DECISION("foo/bar/bar/baz", Op::kRead, true, false, "read");
  EXPECT_DECISION("foo/", Op::kRead, false, false, "deny");
}

constexpr const char* kGranting = R"(
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["update", "read"] }
path "kv/path/longer2" { capabilities = ["update"] }
path "kv/deny" { capabilities = ["deny"] }
path "ns1/kv/foo" { capabilities = ["update", "read"] }
)";
constexpr const char* kGrantingMerged = R"(
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/bar" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["read"] }
path "kv/path/longer3" { capabilities = ["read"] }
path "kv/deny" { capabilities = ["update"] }
)";

TEST_P(SemanticsTable, Row67_DenyHasNoGrantingPolicies) {
  ASSERT_TRUE(Load({{"granting_policy", kGranting}, {"granting_policy_merged", kGrantingMerged}}));
  EXPECT_DECISION("kv/deny", Op::kRead, false, false, "deny");
  EXPECT_TRUE(acl_->Check(Request{.path = "kv/deny", .operation = Op::kRead}).granting_policies.empty());
}

TEST_P(SemanticsTable, Row68_GrantingPoliciesAtWinningKeyOnly) {
  ASSERT_TRUE(Load({{"granting_policy", kGranting}, {"granting_policy_merged", kGrantingMerged}}));
  EXPECT_DECISION("kv/path/longer", Op::kUpdate, true, false, "read, update");
  const Result r = acl_->Check(Request{.path = "kv/path/longer", .operation = Op::kUpdate});
  ASSERT_EQ(r.granting_policies.size(), 1u);
  EXPECT_EQ(acl_->policy_name(r.granting_policies[0]), "granting_policy");
  const Result read = acl_->Check(Request{.path = "kv/path/longer", .operation = Op::kRead});
  EXPECT_EQ(read.granting_policies.size(), 2u);
}

std::string ListScanPolicy(Dialect dialect) {
  const std::string caps = dialect == Dialect::kOpenBao ? R"(["list", "scan"])" : R"(["list"])";
  return "path \"foo/metadata/*\" { capabilities = " + caps +
         " }\npath \"foo/metadata/private/*\" { capabilities = [\"deny\"] }\n"
         "path \"foo/metadata/private/granted/*\" { capabilities = " + caps + " }\n";
}

// The V-old trimmed-first LIST fallback (GHSA-xp3c-3jw3-4vcr).
TEST_P(SemanticsTable, Row69_ListDenyCve) {
  ASSERT_TRUE(Load({{"p", ListScanPolicy(dialect())}}));
  const char* caps = legacy() ? "list" : "deny";
  EXPECT_DECISION("foo/metadata/private/", Op::kList, legacy(), false, caps);
  if (!vault()) {
    EXPECT_FALSE(acl_->Check(Request{.path = "foo/metadata/private/", .operation = Op::kScan}).allowed);
  }
}

// Pinned: vault-legacy searches the trimmed path first, where the broader
// "private/*" deny is the longest prefix, so it also refuses the granted folder
// (the shadowing §3.6 describes); current Vault and OpenBao allow it.
TEST_P(SemanticsTable, Row70_ListGrantsAroundDeny) {
  ASSERT_TRUE(Load({{"p", ListScanPolicy(dialect())}}));
  const char* list = vault() ? "list" : "list, scan";
  EXPECT_DECISION("foo/", Op::kList, false, false, "deny");
  EXPECT_DECISION("foo/metadata/", Op::kList, true, false, list);
  EXPECT_DECISION("foo/metadata/private/granted/", Op::kList, !legacy(), false, legacy() ? "deny" : list);
}

// --------------------------------------------------------------- rows 71-81

TEST_P(SemanticsTable, Row71_ExactTrimmedRuleShadowsGlob) {
  ASSERT_TRUE(Load({{"p", R"(
path "secret/foo" { capabilities = ["read"] }
path "secret/foo/*" { capabilities = ["list"] })"}}));
  EXPECT_DECISION("secret/foo/", Op::kList, false, false, "read");
}

TEST_P(SemanticsTable, Row72_ExactRuleGrantsListWithSlash) {
  ASSERT_TRUE(Load({{"p", R"(path "secret/foo" { capabilities = ["list"] })"}}));
  EXPECT_DECISION("secret/foo/", Op::kList, true, false, "list");
}

TEST_P(SemanticsTable, Row73_SegmentRuleWithoutSlashMatchesList) {
  ASSERT_TRUE(Load({{"p", R"(path "+/sys/policies/acl" { capabilities = ["list"] })"}}));
  EXPECT_DECISION("ns1/sys/policies/acl/", Op::kList, true, false, "list");
}

TEST_P(SemanticsTable, Row74_OpenBaoFullPathFirst) {
  ASSERT_TRUE(Load({{"p", R"(
path "secret/+" { capabilities = ["list"] }
path "secret/*" { capabilities = ["read"] })"}}));
  EXPECT_DECISION("secret/foo/", Op::kList, vault(), false, vault() ? "list" : "read");
}

TEST_P(SemanticsTable, Row75_EmptyExactRuleDenies) {
  ASSERT_TRUE(Load({{"p", R"(
path "secret/*" { capabilities = ["read", "list"] }
path "secret/foo" {})"}}));
  EXPECT_DECISION("secret/foo", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row76_MidStarIsLiteral) {
  ASSERT_TRUE(Load({{"p", R"(path "secret/*/foo" { capabilities = ["read"] })"}}));
  EXPECT_DECISION("secret/x/foo", Op::kRead, false, false, "deny");
  EXPECT_DECISION("secret/*/foo", Op::kRead, true, false, "read");
}

TEST_P(SemanticsTable, Row77_PlusMatchesEmptySegment) {
  ASSERT_TRUE(Load({{"p", R"(path "secret/+" { capabilities = ["read"] })"}}));
  EXPECT_DECISION("secret/", Op::kRead, true, false, "read");
}

TEST_P(SemanticsTable, Row78_BareStarMatchesEverything) {
  ASSERT_TRUE(Load({{"p", R"(path "*" { capabilities = ["read"] })"}}));
  EXPECT_DECISION("anything/at/all", Op::kRead, true, false, "read");
}

TEST_P(SemanticsTable, Row79_PlusGlobNeedsThreeSegments) {
  ASSERT_TRUE(Load({{"p", R"(path "foo/+/*" { capabilities = ["read"] })"}}));
  EXPECT_DECISION("foo/x", Op::kRead, false, false, "deny");
}

TEST_P(SemanticsTable, Row80_OpenBaoRootScopedToItsNamespace) {
  const bool built = Load({}, {.namespace_path = "ns1/", .root = true});
  ASSERT_EQ(built, !vault()) << build_error_;
  if (!built) {
    return;  // row 81: Vault refuses the root policy outside the root namespace
  }
  const Result outside = acl_->Check(Request{.path = "secret/x", .operation = Op::kRead});
  EXPECT_FALSE(outside.allowed);
  EXPECT_FALSE(outside.root_privs);
  EXPECT_EQ(acl_->Capabilities("secret/x").Join(), "deny");
  const Result inside = acl_->Check(Request{.path = "secret/x", .operation = Op::kRead, .namespace_path = "ns1/"});
  EXPECT_TRUE(inside.allowed);
  EXPECT_TRUE(inside.root_privs);
}

TEST_P(SemanticsTable, Row81_VaultRootOnlyInRootNamespace) {
  const bool built = Load({{"root", ""}}, {.namespace_path = "ns1/"});
  EXPECT_EQ(built, !vault());
  if (vault()) {
    EXPECT_EQ(build_error_, "root policy is only allowed in root namespace");
  }
}

// -------------------------------------------------------------- rows 95-100

constexpr const char* kTeamTemplate = R"(path "x/{{identity.entity.metadata.team}}/*" { capabilities = ["read"] })";

Identity WithTeam(std::optional<std::string> team) {
  Identity who;
  who.entity = Entity{.id = "e-1", .name = "alice", .metadata = {}, .aliases = {}};
  if (team) {
    who.entity->metadata["team"] = *team;
  }
  return who;
}

TEST_P(SemanticsTable, Row95_MissingMetadataDropsBlock) {
  identity_ = WithTeam(std::nullopt);
  ASSERT_TRUE(Load({{"tpl", kTeamTemplate}}));
  EXPECT_DECISION("x/anything/y", Op::kRead, false, false, "deny");
  EXPECT_EQ(acl_->dropped_blocks().size(), 1u);
}

TEST_P(SemanticsTable, Row96_WildcardInTemplateValue) {
  identity_ = WithTeam("+");
  ASSERT_TRUE(Load({{"tpl", kTeamTemplate}}));
  EXPECT_DECISION("x/other/y", Op::kRead, legacy(), false, legacy() ? "read" : "deny");
}

TEST_P(SemanticsTable, Row97_SlashInTemplateValue) {
  identity_ = WithTeam("a/b");
  ASSERT_TRUE(Load({{"tpl", kTeamTemplate}}));
  EXPECT_DECISION("x/a/b/y", Op::kRead, vault(), false, vault() ? "read" : "deny");
  if (vault()) {
    ASSERT_TRUE(Load({{"tpl", kTeamTemplate}}, {.deny_slash_in_templated_paths = true}));
    EXPECT_DECISION("x/a/b/y", Op::kRead, false, false, "deny");
  } else {
    ASSERT_TRUE(Load({{"tpl", kTeamTemplate}}, {.openbao_allow_slashes_in_templates = true}));
    EXPECT_DECISION("x/a/b/y", Op::kRead, true, false, "read");
  }
}

TEST_P(SemanticsTable, Row98_UnbalancedTemplateRejectedAtWrite) {
  DiagnosticSink sink;
  const FileId id = sources_.Add("bad.hcl", R"(path "x/{{identity.entity.id}}}}" { capabilities = ["read"] })");
  const parser::PolicyFile file = parser::ParsePolicy(sources_.file(id), Options("p"), sink);
  EXPECT_FALSE(file.ok);
  EXPECT_NE(file.vault_error.find("failed to validate policy templating: unbalanced templating characters"),
            std::string::npos)
      << file.vault_error;
}

TEST_P(SemanticsTable, Row99_EntityTokenAndGroupPoliciesUnion) {
  ASSERT_TRUE(Load({{"p1", R"(path "secret/sample" { capabilities = ["update", "create", "sudo"] })"},
                    {"p2", R"(path "secret/sample" { capabilities = ["read", "delete"] })"},
                    {"p3", R"(path "secret/sample" { capabilities = ["list"] })"}}));
  EXPECT_DECISION("secret/sample", Op::kRead, true, true, "create, delete, list, read, sudo, update");
}

TEST_P(SemanticsTable, Row100_JsonTemplatedPolicy) {
  identity_ = WithTeam(std::nullopt);
  ASSERT_TRUE(Load({{"tpl", R"({"path": {"secret/{{identity.entity.id}}/sample": {"capabilities": ["read", "create"]}}})"}}));
  EXPECT_DECISION("secret/e-1/sample", Op::kRead, true, false, "create, read");
  EXPECT_DECISION("secret/other/sample", Op::kRead, false, false, "deny");
}

INSTANTIATE_TEST_SUITE_P(Dialects, SemanticsTable,
                         ::testing::Values(Dialect::kVault, Dialect::kVaultLegacy, Dialect::kOpenBao),
                         [](const ::testing::TestParamInfo<Dialect>& param_info) {
                           switch (param_info.param) {
                             case Dialect::kVault:
                               return std::string("vault");
                             case Dialect::kVaultLegacy:
                               return std::string("vault_legacy");
                             case Dialect::kOpenBao:
                               return std::string("openbao");
                           }
                           return std::string("unknown");
                         });

}  // namespace
}  // namespace polcheck::evaluator
