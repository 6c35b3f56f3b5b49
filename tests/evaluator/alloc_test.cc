// Acl::Check and Acl::Capabilities must not allocate (STYLE.md "Speed"): this
// binary counts every global operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "evaluator/acl.h"
#include "tests/evaluator/policy_builders.h"

#if defined(__SANITIZE_ADDRESS__)
#define POLCHECK_COUNT_ALLOCATIONS 0  // ASan owns operator new
#else
#define POLCHECK_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<long> g_allocations{0};
}

#if POLCHECK_COUNT_ALLOCATIONS
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
#endif

namespace polcheck::evaluator {
namespace {

using parser::Capability;
using testing::MakePolicy;
using testing::MakeRule;

TEST(AclAllocations, CheckAndCapabilitiesAllocateNothing) {
  if (!POLCHECK_COUNT_ALLOCATIONS) {
    GTEST_SKIP() << "allocation counting is disabled under AddressSanitizer";
  }
  {  // the counter sees allocations, so a zero below means something
    const long start = g_allocations.load();
    std::vector<int> probe(100);
    EXPECT_EQ(g_allocations.load() - start, 1) << probe.size();
  }
  parser::PathRule constrained = MakeRule("kv/data/+/cfg", {Capability::kUpdate, Capability::kCreate});
  constrained.allowed_parameters = parser::ParameterMap{{"ttl", {parser::Value::String("1h")}}, {"name", {}}};
  constrained.denied_parameters = parser::ParameterMap{{"force", {}}};
  constrained.required_parameters = {"Name"};
  constrained.max_wrapping_ttl = 300;
  const std::vector<parser::Policy> policies = {
      MakePolicy("a", {MakeRule("secret/*", {Capability::kRead, Capability::kList}),
                       MakeRule("secret/data/app", {Capability::kRead}), constrained,
                       MakeRule("+/sys/policies/acl", {Capability::kList}),
                       MakeRule("secret/metadata/+/private/*", {Capability::kDeny})})};
  for (Dialect dialect : {Dialect::kVault, Dialect::kVaultLegacy, Dialect::kOpenBao}) {
    Expected<Acl> acl = Acl::Build(testing::Pointers(policies), {.dialect = dialect});
    ASSERT_TRUE(acl);
    const Params data = {{"name", parser::Value::String("x")}, {"TTL", parser::Value::String("1h")}};
    const std::vector<Request> requests = {
        {.path = "secret/data/app", .operation = Operation::kRead},
        {.path = "secret/metadata/x/", .operation = Operation::kList},
        {.path = "kv/data/team/cfg", .operation = Operation::kUpdate, .params = &data,
         .wrap_ttl = std::chrono::seconds(60)},
        {.path = "ns9/sys/policies/acl/", .operation = Operation::kList},
        {.path = "secret/metadata/a/private/", .operation = Operation::kList},
        {.path = "x", .operation = Operation::kRead, .namespace_path = "ns1/"},
        {.path = "nothing/here", .operation = Operation::kDelete},
    };
    int allowed = 0;
    const long before = g_allocations.load();
    for (const Request& r : requests) {
      allowed += acl->Check(r).allowed ? 1 : 0;
      allowed += acl->Capabilities(r.path).size() > 0 ? 0 : 1;
    }
    EXPECT_EQ(g_allocations.load() - before, 0) << DialectName(dialect);
    EXPECT_GE(allowed, 3);
  }
}

}  // namespace
}  // namespace polcheck::evaluator
