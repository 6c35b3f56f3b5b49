// Unit tests of the compiled Acl on hand-built policies (no HCL reader involved).
#include "evaluator/acl.h"

#include <gtest/gtest.h>

#include "tests/evaluator/policy_builders.h"

namespace polcheck::evaluator {
namespace {

using parser::Capability;
using parser::PatternKind;
using parser::Value;
using testing::BuildOrDie;
using testing::MakePolicy;
using testing::MakeRule;

Request Req(std::string_view path, Operation op) { return Request{.path = path, .operation = op}; }

TEST(Acl, ExactBeatsGlobAndEmptyExactDeniesEverything) {
  const Acl acl = BuildOrDie({MakePolicy("p", {MakeRule("secret/*", {Capability::kRead, Capability::kList}),
                                               MakeRule("secret/foo", {})})});
  const Result r = acl.Check(Req("secret/foo", Operation::kRead));
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.reason, Reason::kCapabilityNotGranted);
  EXPECT_EQ(acl.rule(r.rule).key, "secret/foo");
  EXPECT_TRUE(acl.Check(Req("secret/bar", Operation::kRead)).allowed);
}

TEST(Acl, DenyIsStickyPerKeyAndIgnoresLaterBlocks) {
  std::vector<parser::Policy> policies = {
      MakePolicy("a", {MakeRule("kv/x", {Capability::kDeny})}),
      MakePolicy("b", {MakeRule("kv/x", {Capability::kRead})}),
  };
  const Acl acl = BuildOrDie(policies);
  const RuleId id = *acl.FindRule("kv/x", PatternKind::kExact);
  EXPECT_TRUE(acl.rule(id).capabilities.is_deny());
  ASSERT_EQ(acl.rule(id).sources.size(), 2u);
  EXPECT_TRUE(acl.rule(id).sources[1].ignored);
  // Order independence: deny arriving second wipes the key and its parameters.
  std::swap(policies[0], policies[1]);
  policies[0].rules[0].allowed_parameters = parser::ParameterMap{{"x", {}}};
  const Acl swapped = BuildOrDie(policies);
  const CompiledRule& rule = swapped.rule(*swapped.FindRule("kv/x", PatternKind::kExact));
  EXPECT_TRUE(rule.capabilities.is_deny());
  EXPECT_FALSE(rule.allowed_parameters.has_value());
  EXPECT_FALSE(rule.sources[1].ignored);
}

TEST(Acl, SameTextInDifferentStoresDoesNotMerge) {
  const Acl acl = BuildOrDie({MakePolicy("p", {MakeRule("secret/foo", {Capability::kRead}),
                                               MakeRule("secret/foo*", {Capability::kUpdate})})});
  EXPECT_EQ(acl.rule_count(), 2u);
  EXPECT_FALSE(acl.Check(Req("secret/foo", Operation::kUpdate)).allowed);
  EXPECT_TRUE(acl.Check(Req("secret/foobar", Operation::kUpdate)).allowed);
}

// Pinned: Vault's addGrantingPoliciesToMap appends one entry per contributing
// block, so a policy with two blocks on one key is listed twice.
TEST(Acl, GrantingPoliciesPerCapabilityKeepDuplicates) {
  const Acl acl = BuildOrDie({MakePolicy("a", {MakeRule("kv/x", {Capability::kRead}),
                                               MakeRule("kv/x", {Capability::kRead, Capability::kUpdate})}),
                              MakePolicy("b", {MakeRule("kv/x", {Capability::kUpdate})})});
  auto names = [&](const Result& r) {
    std::vector<std::string> out;
    for (std::uint32_t p : r.granting_policies) {
      out.emplace_back(acl.policy_name(p));
    }
    return out;
  };
  EXPECT_EQ(names(acl.Check(Req("kv/x", Operation::kRead))), (std::vector<std::string>{"a", "a"}));
  EXPECT_EQ(names(acl.Check(Req("kv/x", Operation::kUpdate))), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(names(acl.Check(Req("kv/x", Operation::kDelete))).empty());
}

TEST(Acl, MergeKeepsSmallestNonZeroTtlsAndUnionsRequired) {
  parser::PathRule a = MakeRule("w/x", {Capability::kRead});
  a.min_wrapping_ttl = 100;
  a.max_wrapping_ttl = 300;
  a.required_parameters = {"foo"};
  a.mfa_methods = {"m2"};
  parser::PathRule b = MakeRule("w/x", {Capability::kUpdate});
  b.min_wrapping_ttl = 50;
  b.max_wrapping_ttl = 0;
  b.required_parameters = {"bar", "foo"};
  b.mfa_methods = {"m1", "m2"};
  const Acl acl = BuildOrDie({MakePolicy("p", {a}), MakePolicy("q", {b})});
  const CompiledRule& rule = acl.rule(0);
  EXPECT_EQ(rule.min_wrapping_ttl, 50);
  EXPECT_EQ(rule.max_wrapping_ttl, 300);
  EXPECT_EQ(rule.required_parameters, (std::vector<std::string>{"foo", "bar"}));
  EXPECT_EQ(rule.mfa_methods, (std::vector<std::string>{"m1", "m2"}));
}

TEST(Acl, RootPolicy) {
  const Acl acl = BuildOrDie({MakePolicy("root", {}), MakePolicy("other", {MakeRule("x", {Capability::kDeny})})});
  const Result r = acl.Check(Req("x", Operation::kDelete));
  EXPECT_TRUE(r.allowed);
  EXPECT_TRUE(r.root_privs);
  EXPECT_TRUE(r.is_root);
  ASSERT_EQ(r.granting_policies.size(), 1u);
  EXPECT_EQ(acl.policy_name(r.granting_policies[0]), "root");
  EXPECT_EQ(acl.Capabilities("any/path").Join(), "root");
  EXPECT_TRUE(acl.Check(Req("x", Operation::kSubscribe)).allowed);  // root short-circuits every op
}

TEST(Acl, RootOutsideRootNamespace) {
  const std::vector<parser::Policy> root = {MakePolicy("root", {})};
  const Expected<Acl> vault = Acl::Build(testing::Pointers(root), {.namespace_path = "ns1/"});
  ASSERT_FALSE(vault);
  EXPECT_EQ(vault.error().message, "root policy is only allowed in root namespace");
  const Acl bao = BuildOrDie(root, {.dialect = Dialect::kOpenBao, .namespace_path = "ns1/"});
  EXPECT_FALSE(bao.Check(Request{.path = "x", .operation = Operation::kRead}).allowed);
  EXPECT_EQ(bao.Check(Request{.path = "x", .operation = Operation::kRead}).reason, Reason::kRootOutsideNamespace);
  EXPECT_TRUE(bao.Check(Request{.path = "x", .operation = Operation::kRead, .namespace_path = "ns1/"}).allowed);
  EXPECT_TRUE(bao.Check(Request{.path = "x", .operation = Operation::kRead, .namespace_path = "ns1/ns2/"}).allowed);
  EXPECT_EQ(bao.Capabilities("x").Join(), "deny");
  EXPECT_EQ(bao.Capabilities("x", "ns1/").Join(), "root");
}

TEST(Acl, NamespacePrefixesTheRequestPath) {
  const Acl acl = BuildOrDie({MakePolicy("p", {MakeRule("secret/*", {Capability::kRead}, "ns1/")})});
  EXPECT_FALSE(acl.Check(Req("secret/x", Operation::kRead)).allowed);
  EXPECT_TRUE(acl.Check(Request{.path = "secret/x", .operation = Operation::kRead, .namespace_path = "ns1/"}).allowed);
  EXPECT_TRUE(acl.Check(Req("//ns1/secret/x", Operation::kRead)).allowed);  // every leading '/' is stripped
}

TEST(Acl, UnsupportedOperationsPerDialect) {
  const Acl vault = BuildOrDie({MakePolicy("p", {MakeRule("a", {Capability::kRead, Capability::kRecover})})});
  EXPECT_TRUE(vault.Check(Req("a", Operation::kRecover)).allowed);
  EXPECT_EQ(vault.Check(Req("a", Operation::kScan)).reason, Reason::kUnsupportedOperation);
  EXPECT_EQ(vault.Check(Req("a", Operation::kSubscribe)).reason, Reason::kUnsupportedOperation);
  const Acl bao = BuildOrDie({MakePolicy("p", {MakeRule("a", {Capability::kScan})})}, {.dialect = Dialect::kOpenBao});
  EXPECT_TRUE(bao.Check(Req("a", Operation::kScan)).allowed);
  EXPECT_EQ(bao.Check(Req("a", Operation::kRecover)).reason, Reason::kUnsupportedOperation);
  EXPECT_EQ(bao.Check(Req("a", Operation::kHeader)).reason, Reason::kUnsupportedOperation);
}

TEST(Acl, RevokeRenewRollbackNeedUpdate) {
  const Acl acl = BuildOrDie({MakePolicy("p", {MakeRule("sys/leases/*", {Capability::kUpdate})})});
  for (Operation op : {Operation::kRevoke, Operation::kRenew, Operation::kRollback}) {
    EXPECT_TRUE(acl.Check(Req("sys/leases/x", op)).allowed) << OperationName(op);
  }
}

TEST(Acl, TemplatedBlockDroppedOthersKept) {
  parser::PathRule templated = MakeRule("x/{{identity.entity.metadata.team}}/*", {Capability::kRead});
  parser::PathRule plain = MakeRule("x/shared/*", {Capability::kRead});
  Identity who;
  who.entity = Entity{.id = "e", .name = "n", .metadata = {}, .aliases = {}};
  const Acl acl = BuildOrDie({MakePolicy("p", {templated, plain})}, {.identity = &who});
  ASSERT_EQ(acl.dropped_blocks().size(), 1u);
  EXPECT_EQ(acl.dropped_blocks()[0].error, "no value could be found for one of the template directives");
  EXPECT_FALSE(acl.Check(Req("x/anything/y", Operation::kRead)).allowed);
  EXPECT_TRUE(acl.Check(Req("x/shared/y", Operation::kRead)).allowed);
  who.entity->metadata["team"] = "blue";
  const Acl rendered = BuildOrDie({MakePolicy("p", {templated, plain})}, {.identity = &who});
  EXPECT_TRUE(rendered.Check(Req("x/blue/y", Operation::kRead)).allowed);
  EXPECT_EQ(rendered.rule(rendered.Check(Req("x/blue/y", Operation::kRead)).rule).pattern(), "x/blue/*");
}

TEST(Acl, RenderedPlusStarFailsTheBuildLikeVault) {
  Identity who;
  who.entity = Entity{.id = "e", .name = "a+", .metadata = {}, .aliases = {}};
  const std::vector<parser::Policy> policies = {
      MakePolicy("tpl", {MakeRule("x/{{identity.entity.name}}*", {Capability::kRead})})};
  const Expected<Acl> legacy = Acl::Build(testing::Pointers(policies),
                                          {.dialect = Dialect::kVaultLegacy, .identity = &who});
  ASSERT_FALSE(legacy);
  EXPECT_EQ(legacy.error().message,
            "error parsing templated policy \"tpl\": path \"x/a+*\": invalid use of wildcards ('+*' is forbidden)");
  // Current Vault filters the value first, so only the block is dropped.
  EXPECT_TRUE(Acl::Build(testing::Pointers(policies), {.identity = &who}).has_value());
}

TEST(Acl, OpenBaoExpiredPathsAreSkipped) {
  parser::PathRule old = MakeRule("a", {Capability::kRead});
  old.expiration = "2020-01-01T00:00:00Z";
  parser::PathRule fresh = MakeRule("b", {Capability::kRead});
  fresh.expiration = "2030-01-01T00:00:00+01:00";
  const std::vector<parser::Policy> policies = {MakePolicy("p", {old, fresh})};
  const Acl bao = BuildOrDie(policies, {.dialect = Dialect::kOpenBao, .now_unix = 1700000000});
  EXPECT_FALSE(bao.Check(Req("a", Operation::kRead)).allowed);
  EXPECT_TRUE(bao.Check(Req("b", Operation::kRead)).allowed);
  const Acl vault = BuildOrDie(policies, {.now_unix = 1700000000});
  EXPECT_TRUE(vault.Check(Req("a", Operation::kRead)).allowed);
}

TEST(Acl, CapabilitiesSortedPerDialect) {
  const Acl vault = BuildOrDie({MakePolicy("p", {MakeRule("a", {Capability::kUpdate, Capability::kSudo,
                                                                Capability::kRecover, Capability::kCreate,
                                                                Capability::kSubscribe, Capability::kPatch})})});
  EXPECT_EQ(vault.Capabilities("a").Join(), "create, patch, recover, subscribe, sudo, update");
  EXPECT_EQ(vault.Capabilities("b").Join(), "deny");
  const Acl bao = BuildOrDie({MakePolicy("p", {MakeRule("a", {Capability::kScan, Capability::kList})})},
                             {.dialect = Dialect::kOpenBao});
  EXPECT_EQ(bao.Capabilities("a").Join(), "list, scan");
}

TEST(Acl, ExplainNamesTheComparatorStep) {
  const Acl acl = BuildOrDie({MakePolicy("p", {MakeRule("+/*", {Capability::kRead}), MakeRule("*", {Capability::kUpdate}),
                                               MakeRule("foo/*", {Capability::kDeny}),
                                               MakeRule("foo/bar/*", {Capability::kList})})});
  const Explanation e = acl.Explain(Req("foo/bar/bar/baz", Operation::kList));
  EXPECT_TRUE(e.result.allowed);
  ASSERT_FALSE(e.candidates.empty());
  EXPECT_EQ(acl.rule(e.candidates[0].rule).pattern(), "foo/bar/*");
  std::map<std::string, Verdict> verdicts;
  for (const Candidate& c : e.candidates) {
    verdicts[acl.rule(c.rule).pattern()] = c.verdict;
  }
  EXPECT_EQ(verdicts["+/*"], Verdict::kLostFirstWildcard);
  EXPECT_EQ(verdicts["*"], Verdict::kShorterPrefix);
  EXPECT_EQ(verdicts["foo/*"], Verdict::kShorterPrefix);
  ASSERT_EQ(e.ignored_denies.size(), 1u);
  EXPECT_EQ(acl.rule(e.ignored_denies[0]).pattern(), "foo/*");
  const std::string text = RenderExplanation(acl, e, nullptr);
  EXPECT_NE(text.find("deciding rule: \"foo/bar/*\""), std::string::npos) << text;
  EXPECT_NE(text.find("lost at step 1"), std::string::npos) << text;
}

TEST(Acl, ExplainReportsRefusingCheck) {
  parser::PathRule rule = MakeRule("kv/x", {Capability::kUpdate});
  rule.allowed_parameters = parser::ParameterMap{{"a", {}}};
  const Acl acl = BuildOrDie({MakePolicy("p", {rule})});
  Params data = {{"b", Value::String("1")}};
  const Explanation e = acl.Explain(Request{.path = "kv/x", .operation = Operation::kUpdate, .params = &data});
  EXPECT_FALSE(e.result.allowed);
  EXPECT_EQ(e.refusal, "parameter \"b\" is not in allowed_parameters");
  EXPECT_EQ(acl.Explain(Req("kv/x", Operation::kRead)).refusal,
            "rule \"kv/x\" grants [update] but not \"read\"");
  EXPECT_EQ(acl.Explain(Req("kv/y", Operation::kRead)).refusal, "no rule matches \"kv/y\" (deny by default)");
}

TEST(Acl, ExplainPooledListAndShadowing) {
  const Acl acl = BuildOrDie({MakePolicy("p", {MakeRule("secret/foo", {Capability::kRead}),
                                               MakeRule("secret/foo/*", {Capability::kList})})});
  const Explanation e = acl.Explain(Req("secret/foo/", Operation::kList));
  EXPECT_FALSE(e.result.allowed);
  EXPECT_EQ(e.lookup, "exact rule for the path without its trailing '/' (§3.3 step 2)");
  ASSERT_EQ(e.candidates.size(), 2u);
  EXPECT_EQ(e.candidates[1].verdict, Verdict::kShadowedByExact);
}

TEST(Acl, DecidingSourcePrefersDenyThenGranter) {
  const Acl acl = BuildOrDie({MakePolicy("a", {MakeRule("k", {Capability::kRead})}),
                              MakePolicy("b", {MakeRule("k", {Capability::kUpdate})})});
  const Result r = acl.Check(Req("k", Operation::kUpdate));
  ASSERT_NE(acl.DecidingSource(r, Operation::kUpdate), nullptr);
  EXPECT_EQ(acl.policy_name(acl.DecidingSource(r, Operation::kUpdate)->policy), "b");
  EXPECT_EQ(acl.DecidingSource(acl.Check(Req("zzz", Operation::kRead)), Operation::kRead), nullptr);
}

TEST(Acl, WrapTtlComparedInNanoseconds) {
  parser::PathRule rule = MakeRule("w", {Capability::kRead});
  rule.max_wrapping_ttl = 1;
  const Acl acl = BuildOrDie({MakePolicy("p", {rule})});
  EXPECT_TRUE(acl.Check(Request{.path = "w", .operation = Operation::kRead,
                                .wrap_ttl = std::chrono::milliseconds(1000)}).allowed);
  EXPECT_EQ(acl.Check(Request{.path = "w", .operation = Operation::kRead,
                              .wrap_ttl = std::chrono::milliseconds(1500)}).reason,
            Reason::kWrapTtlAboveMax);
}

}  // namespace
}  // namespace polcheck::evaluator

namespace polcheck::evaluator {
namespace {

// Step 5 of §3.5 is reachable: a '+' inside a literal segment sets firstWC for
// both rules, which then tie on every other step.
TEST(Acl, LexicalTieBreakDecides) {
  const Acl acl = testing::BuildOrDie({testing::MakePolicy(
      "p", {testing::MakeRule("x+y/+/c", {parser::Capability::kRead}),
            testing::MakeRule("x+y/b/+", {parser::Capability::kUpdate})})});
  EXPECT_TRUE(acl.Check(Request{.path = "x+y/b/c", .operation = Operation::kUpdate}).allowed);
  EXPECT_FALSE(acl.Check(Request{.path = "x+y/b/c", .operation = Operation::kRead}).allowed);
  const Explanation e = acl.Explain(Request{.path = "x+y/b/c", .operation = Operation::kRead});
  ASSERT_EQ(e.candidates.size(), 2u);
  EXPECT_EQ(e.candidates[1].verdict, Verdict::kLostLexical);
}

}  // namespace
}  // namespace polcheck::evaluator

namespace polcheck::evaluator {
namespace {

// vault-legacy searches "secret/foo" first: "secret/*" matched both forms and
// keeps the verdict of the form that was searched.
TEST(Acl, ExplainKeepsTheSearchedFormsVerdict) {
  const Acl acl = testing::BuildOrDie(
      {testing::MakePolicy("p", {testing::MakeRule("secret/*", {parser::Capability::kRead}),
                                 testing::MakeRule("secret/+", {parser::Capability::kList}),
                                 testing::MakeRule("secret/foo/*", {parser::Capability::kDeny})})},
      {.dialect = Dialect::kVaultLegacy});
  const Explanation e = acl.Explain(Request{.path = "secret/foo/", .operation = Operation::kList});
  EXPECT_TRUE(e.result.allowed);
  std::map<std::string, Verdict> verdicts;
  for (const Candidate& c : e.candidates) {
    verdicts[acl.rule(c.rule).pattern()] = c.verdict;
  }
  EXPECT_EQ(verdicts["secret/+"], Verdict::kSelected);
  EXPECT_EQ(verdicts["secret/*"], Verdict::kLostPrefix);
  EXPECT_EQ(verdicts["secret/foo/*"], Verdict::kNotSearched);
  EXPECT_EQ(e.ignored_denies.size(), 1u);
}

}  // namespace
}  // namespace polcheck::evaluator
