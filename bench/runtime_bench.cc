// In-process cost of one runtime request (no sockets): Core::Handle for an
// authenticated KV v2 read with a policy token, beside the cheapest
// authenticated request (token lookup-self) as the baseline. The over-the-wire
// load test is bench/runtime_bench.sh (wrk).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "runtime/core.h"

namespace polcheck::runtime {
namespace {

struct Fixture {
  Core core{MakeMemoryStorage(), std::make_shared<SystemClock>(), Dialect::kVault};
  std::string token;

  Fixture() {
    if (!core.SetUpDev("root")) {
      std::abort();
    }
    Send("PUT", "/v1/sys/policies/acl/reader", R"({"policy":"path \"secret/data/bench/*\" { capabilities = [\"read\"] }"})");
    Send("POST", "/v1/secret/data/bench/app",
         R"({"data":{"username":"svc-bench","password":"correct-horse-battery-staple","port":5432}})");
    const HttpResponse created = Send("POST", "/v1/auth/token/create", R"({"policies":["reader"]})");
    token = nlohmann::json::parse(created.body)["auth"]["client_token"];
  }
  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& as = "root") {
    return core.Handle({.method = method, .target = target, .token = as, .body = body});
  }
};

void BM_Runtime_LookupSelf(benchmark::State& state) {
  static Fixture f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.Send("GET", "/v1/auth/token/lookup-self", "", f.token));
  }
}
BENCHMARK(BM_Runtime_LookupSelf);

void BM_Runtime_KvRead(benchmark::State& state) {
  static Fixture f;
  if (f.Send("GET", "/v1/secret/data/bench/app", "", f.token).status != 200) {
    state.SkipWithError("the bench token cannot read the secret");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.Send("GET", "/v1/secret/data/bench/app", "", f.token));
  }
}
BENCHMARK(BM_Runtime_KvRead)->Threads(1)->Threads(2);

}  // namespace
}  // namespace polcheck::runtime

BENCHMARK_MAIN();
