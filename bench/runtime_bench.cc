// In-process cost of one runtime request (no sockets): Core::Handle for an
// authenticated KV v2 read with a policy token, beside the cheapest
// authenticated request (token lookup-self) as the baseline. The over-the-wire
// load test is bench/runtime_bench.sh (wrk). BM_Runtime_DatabaseCreds: issuing
// dynamic database credentials (user, password, lease; SQL recorded, not run)
// and revoking the lease, the path a hashi-vault-js call must finish within 1 s.
// BM_LeaseSweep/<n>: one expiry sweep over n live leases of which none is due
// (the common tick), beside BM_LeaseSweep_Empty/0 (no leases at all).
// BM_TokenSweep/<n>: the same for the token store, over n live tokens with TTLs
// spread over an hour, beside BM_TokenSweep/0.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/db_executor.h"
#include "runtime/leases.h"
#include "runtime/tokens.h"

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

void BM_Runtime_DatabaseCreds(benchmark::State& state) {
  auto executor = std::make_shared<RecordingExecutor>();
  Core core{MakeMemoryStorage(), std::make_shared<SystemClock>(), Dialect::kVault, executor};
  if (!core.SetUpDev("root")) {
    std::abort();
  }
  auto send = [&](const std::string& method, const std::string& path, const nlohmann::json& body) {
    return core.Handle({.method = method, .target = "/v1/" + path, .token = "root",
                        .body = body.is_null() ? "" : body.dump()});
  };
  send("POST", "sys/mounts/database", {{"type", "database"}});
  send("POST", "database/config/pg", {{"plugin_name", "postgresql-database-plugin"},
                                      {"connection_url", "postgresql://{{username}}:{{password}}@db/app"},
                                      {"username", "vault"},
                                      {"password", "pw"},
                                      {"allowed_roles", "ro"}});
  send("POST", "database/roles/ro", {{"db_name", "pg"},
                                     {"creation_statements", "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD "
                                                             "'{{password}}' VALID UNTIL '{{expiration}}';"},
                                     {"revocation_statements", "DROP ROLE \"{{name}}\";"}});
  std::int64_t n = 0;
  for (auto _ : state) {
    const HttpResponse creds = send("GET", "database/creds/ro", nullptr);
    if (creds.status != 200) {
      state.SkipWithError(("creds failed: " + creds.body).c_str());
      return;
    }
    const std::string lease = nlohmann::json::parse(creds.body)["lease_id"];
    benchmark::DoNotOptimize(send("POST", "sys/leases/revoke", {{"lease_id", lease}}));
    if (++n % 1024 == 0) {
      executor->Clear();
    }
  }
}
BENCHMARK(BM_Runtime_DatabaseCreds);

// n leases owned by the root token, their expiries spread over an hour from now.
struct LeaseFixture {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>(1'700'000'000);
  Core core{MakeMemoryStorage(), clock, Dialect::kVault};

  explicit LeaseFixture(std::int64_t n) {
    if (!core.SetUpDev("root")) {
      std::abort();
    }
    Expected<std::optional<TokenEntry>> root = core.tokens().Lookup("root");
    if (!root || !*root) {
      std::abort();
    }
    for (std::int64_t i = 0; i < n; ++i) {
      Lease lease{.path = "secret/creds/ro", .token_hash = (*root)->hash, .ttl = 600 + i % 3600};
      if (!core.leases().Register(lease)) {
        std::abort();
      }
    }
  }
};

void SweepLoop(benchmark::State& state, LeaseFixture& f) {
  const std::int64_t now = f.clock->NowSeconds();
  if (!f.core.leases().SweepExpired(now)) {  // the first sweep may load what it needs
    state.SkipWithError("sweep failed");
    return;
  }
  for (auto _ : state) {
    Expected<void> swept = f.core.leases().SweepExpired(now);
    benchmark::DoNotOptimize(swept);
  }
}

void BM_LeaseSweep_Empty(benchmark::State& state) {
  static LeaseFixture f(0);
  SweepLoop(state, f);
}
BENCHMARK(BM_LeaseSweep_Empty)->Arg(0);

void BM_LeaseSweep(benchmark::State& state) {
  static std::map<std::int64_t, std::unique_ptr<LeaseFixture>> fixtures;
  std::unique_ptr<LeaseFixture>& f = fixtures[state.range(0)];
  if (!f) {
    f = std::make_unique<LeaseFixture>(state.range(0));
  }
  SweepLoop(state, *f);
}
BENCHMARK(BM_LeaseSweep)->Arg(1000)->Arg(50000)->Unit(benchmark::kMicrosecond);

// n service tokens under root, their expiries spread over an hour from now.
struct TokenFixture {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>(1'700'000'000);
  Core core{MakeMemoryStorage(), clock, Dialect::kVault};

  explicit TokenFixture(std::int64_t n) {
    if (!core.SetUpDev("root")) {
      std::abort();
    }
    for (std::int64_t i = 0; i < n; ++i) {
      TokenEntry entry{.policies = {"default"},
                       .path = "auth/token/create",
                       .creation_time = clock->NowSeconds(),
                       .creation_ttl = 600 + i % 3600,
                       .expire_time = clock->NowSeconds() + 600 + i % 3600};
      if (!core.tokens().Create(entry, "")) {
        std::abort();
      }
    }
  }
};

void BM_TokenSweep(benchmark::State& state) {
  static std::map<std::int64_t, std::unique_ptr<TokenFixture>> fixtures;
  std::unique_ptr<TokenFixture>& f = fixtures[state.range(0)];
  if (!f) {
    f = std::make_unique<TokenFixture>(state.range(0));
  }
  const std::int64_t now = f->clock->NowSeconds();
  if (!f->core.tokens().SweepExpired(now)) {  // the first sweep may load what it needs
    state.SkipWithError("sweep failed");
    return;
  }
  for (auto _ : state) {
    Expected<void> swept = f->core.tokens().SweepExpired(now);
    benchmark::DoNotOptimize(swept);
  }
}
BENCHMARK(BM_TokenSweep)->Arg(0)->Arg(1000)->Arg(50000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace polcheck::runtime

BENCHMARK_MAIN();
