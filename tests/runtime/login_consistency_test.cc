// Static login resolution against the runtime's real logins, on random roles:
// for every (login, role) pair, `simulate --identity jwt:CLAIMS.json` or
// `kubernetes:NS/SA@UID` (analysis::SubjectsForIdentity) must admit the login
// exactly when POST auth/<method>/login answers 200, and then give the token the
// same token and identity policies. The two sides are written independently
// (analysis/subjects.cc; runtime/auth_jwt.cc, auth_kubernetes.cc), so this checks
// the binding rules of SEMANTICS.md §9.2 and §9.6 twice. Fixed seeds.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/workspace.h"
#include "tests/runtime/core_fixture.h"
#include "tests/runtime/fake_api_server.h"
#include "tests/runtime/jwt_key.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'700'000'000;  // CoreTest's FakeClock

class Random {
 public:
  explicit Random(unsigned seed) : rng_(seed) {}
  bool Chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng_)];
  }
  std::vector<std::string> Some(const std::vector<std::string>& items, std::size_t most) {
    std::vector<std::string> out;
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, most)(rng_);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& item = Pick(items);
      if (std::find(out.begin(), out.end(), item) == out.end()) {
        out.push_back(item);
      }
    }
    return out;
  }

 private:
  std::mt19937 rng_;
};

const std::vector<std::string> kRepos = {"org/app", "org/lib", "other/x"};
const std::vector<std::string> kRepoPatterns = {"org/app", "org/*", "*", "other/*", "org/lib"};
const std::vector<std::string> kRefs = {"main", "release-1", "feature/x"};
const std::vector<std::string> kRefPatterns = {"main", "release-*", "*", "feature/*"};
const std::vector<std::string> kEnvs = {"prod", "dev"};
const std::vector<std::string> kSubjects = {"alice", "bob"};
const std::vector<std::string> kAudiences = {"vault", "other"};
const std::vector<std::string> kPolicies = {"p0", "p1", "p2", "p3"};
// Identity policies: external group g-devs (alias "devs" on the jwt mount) -> p4, the
// internal group g-all it is a member of -> p5, entity alice-ent (alias "alice") -> p6.
const std::vector<std::string> kIdentityPolicies = {"p4", "p5", "p6"};

json RandomRole(Random& r) {
  json role = {{"role_type", "jwt"},
               {"user_claim", r.Chance(70)   ? "sub"
                              : r.Chance(50) ? "email"
                                             : "/ctx/user"}};
  if (role["user_claim"] == "/ctx/user" && r.Chance(70)) {
    role["user_claim_json_pointer"] = true;  // without it, "/ctx/user" names a top-level claim
  }
  const bool glob = r.Chance(50);
  role["bound_claims_type"] = glob ? "glob" : "string";
  json bound = json::object();
  if (r.Chance(60)) {
    const std::vector<std::string> values = r.Some(glob ? kRepoPatterns : kRepos, 2);
    bound["repo"] = values.size() == 1 && r.Chance(50) ? json(values[0]) : json(values);
  }
  if (r.Chance(40)) {
    bound["ref"] = r.Some(glob ? kRefPatterns : kRefs, 2);
  }
  if (r.Chance(30)) {
    // Typed and string look-alikes: Vault compares them as Go values (1 is not "1").
    static const std::vector<json> kEnvValues = {"prod", "dev", "prod", "dev", "1", "true", 1, true};
    bound[r.Chance(50) ? "/ctx/env" : "env"] = r.Pick(kEnvValues);
  }
  if (!bound.empty()) {
    role["bound_claims"] = bound;
  }
  if (r.Chance(60)) {
    role["bound_audiences"] = r.Some(kAudiences, 2);
  }
  if (r.Chance(25)) {
    role["bound_subject"] = r.Pick(kSubjects);
  }
  if (!role.contains("bound_claims") && !role.contains("bound_audiences") &&
      !role.contains("bound_subject")) {
    role["bound_subject"] =
        r.Pick(kSubjects);  // Vault refuses a role without a bound constraint (both sides do)
  }
  if (r.Chance(30)) {
    role["groups_claim"] = "groups";
  }
  if (r.Chance(20)) {
    role["claim_mappings"] = {{"env", "environment"}};  // a mapped claim must be a string
  }
  role["token_policies"] = r.Some(kPolicies, 2);
  if (r.Chance(15)) {
    role["token_no_default_policy"] = true;
  }
  return role;
}

json RandomClaims(Random& r) {
  json claims = {
      {"iss", "https://issuer.example"}, {"sub", r.Pick(kSubjects)}, {"exp", kNow + 300}, {"iat", kNow}};
  if (r.Chance(70)) {
    claims["email"] = claims["sub"].get<std::string>() + "@example.com";
  }
  if (r.Chance(80)) {
    claims["aud"] = r.Chance(50) ? json(r.Pick(kAudiences)) : json(r.Some(kAudiences, 2));
  }
  if (r.Chance(85)) {
    claims["repo"] =
        r.Chance(80) ? json(r.Pick(kRepos)) : json(r.Some(kRepos, 2));  // a list claim matches by any item
  }
  if (r.Chance(70)) {
    claims["ref"] = r.Pick(kRefs);
  }
  if (r.Chance(50)) {
    // Non-string claim values: Vault compares only strings (and strings in lists).
    static const std::vector<json> kEnvClaims = {"prod", "dev", "prod", "dev", 1, true, "1", "true"};
    claims["env"] = r.Pick(kEnvClaims);
  }
  if (r.Chance(50)) {
    claims["ctx"] = {{"env", r.Pick(kEnvs)}};
    if (r.Chance(60)) {
      claims["ctx"]["user"] = r.Chance(80) ? json(r.Pick(kSubjects)) : json(7);
    }
  }
  if (r.Chance(60)) {
    claims["groups"] = r.Chance(90) ? json(r.Some({"devs", "ops"}, 2)) : json::array({"devs", 5});
  }
  return claims;
}

std::vector<std::string> SortedStrings(const json& list) {
  std::vector<std::string> out;
  for (const json& item : list.is_array() ? list : json::array()) {
    out.push_back(item.get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LoginConsistency : public CoreTest, public ::testing::WithParamInterface<unsigned> {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           ("polcheck-login-consistency-" + std::to_string(::getpid()) + "-" + std::to_string(GetParam()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "policies");
    std::filesystem::create_directories(dir_ / "bindings");
    std::filesystem::create_directories(dir_ / "claims");
    std::vector<std::string> all = kPolicies;
    all.insert(all.end(), kIdentityPolicies.begin(), kIdentityPolicies.end());
    for (const std::string& p : all) {
      const std::string text = "path \"secret/data/" + p + "/*\" { capabilities = [\"read\"] }\n";
      std::ofstream(dir_ / "policies" / (p + ".hcl")) << text;
      PutPolicy(p, text);
    }
    ASSERT_EQ(Post("sys/auth/jwt", {{"type", "jwt"}}).status, 204);
    ASSERT_EQ(Post("auth/jwt/config", {{"jwt_validation_pubkeys", {key_.PublicPem()}}}).status, 204);
    const std::string accessor = Get("sys/auth").body["data"]["jwt/"]["accessor"];
    Reply devs = Post("identity/group", {{"name", "g-devs"}, {"type", "external"}, {"policies", {"p4"}}});
    ASSERT_EQ(devs.status, 200) << devs.body.dump();
    ASSERT_EQ(
        Post("identity/group-alias",
             {{"name", "devs"}, {"mount_accessor", accessor}, {"canonical_id", devs.body["data"]["id"]}})
            .status,
        200);
    ASSERT_EQ(Post("identity/group",
                   {{"name", "g-all"}, {"policies", {"p5"}}, {"member_group_ids", {devs.body["data"]["id"]}}})
                  .status,
              200);
    Reply alice = Post("identity/entity", {{"name", "alice-ent"}, {"policies", {"p6"}}});
    ASSERT_EQ(alice.status, 200) << alice.body.dump();
    ASSERT_EQ(
        Post("identity/entity-alias",
             {{"name", "alice"}, {"mount_accessor", accessor}, {"canonical_id", alice.body["data"]["id"]}})
            .status,
        200);
    std::ofstream(dir_ / "bindings" / "identity.yaml") << R"(identity:
  entities:
    - name: alice-ent
      policies: [p6]
      aliases: [{name: alice, mount: jwt}]
  groups:
    - name: g-devs
      type: external
      policies: [p4]
      aliases: [{name: devs, mount: jwt}]
    - name: g-all
      type: internal
      policies: [p5]
      member_group_names: [g-devs]
)";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  TestKey key_{true};
};

TEST_P(LoginConsistency, SimulateAdmitsExactlyTheLoginsTheServerAccepts) {
  Random r(GetParam());
  constexpr int kRoles = 40;
  constexpr int kClaims = 40;
  json roles = json::object();
  for (int i = 0; i < kRoles; ++i) {
    const std::string name = "r" + std::to_string(i);
    roles[name] = RandomRole(r);
    Reply written = Post("auth/jwt/role/" + name, roles[name]);
    ASSERT_EQ(written.status, 204) << name << " " << roles[name].dump() << " " << written.body.dump();
  }
  // YAML is a superset of JSON: the bindings file is the same objects.
  std::ofstream(dir_ / "bindings" / "jwt.yaml")
      << json{{"auth", {{"jwt", {{"type", "jwt"}, {"roles", roles}}}}}}.dump(2);

  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = dir_}, sink);
  ASSERT_TRUE(ws) << ws.error().message;
  ASSERT_FALSE(sink.has_errors());

  int admitted = 0;
  int refused = 0;
  int with_identity = 0;  // admitted logins whose token got identity policies (entity or groups)
  std::vector<std::string> mismatches;
  for (int c = 0; c < kClaims; ++c) {
    const json claims = RandomClaims(r);
    const std::filesystem::path file = dir_ / "claims" / ("c" + std::to_string(c) + ".json");
    std::ofstream(file) << claims.dump();
    Expected<std::vector<analysis::Subject>> subjects =
        analysis::SubjectsForIdentity(*ws, "jwt:" + file.string());
    ASSERT_TRUE(subjects) << subjects.error().message;
    const std::string jwt = key_.Sign(claims);
    for (int i = 0; i < kRoles; ++i) {
      const std::string name = "r" + std::to_string(i);
      const auto statically =
          std::find_if(subjects->begin(), subjects->end(),
                       [&](const analysis::Subject& s) { return s.name == name && s.login_error.empty(); });
      Reply login = Send("POST", "auth/jwt/login", {{"role", name}, {"jwt", jwt}}, "");
      const bool runtime_admits = login.status == 200;
      const bool static_admits = statically != subjects->end();
      const std::string where = "claims " + claims.dump() + "\n  role " + name + " " + roles[name].dump();
      if (runtime_admits != static_admits) {
        mismatches.push_back(where + "\n  server: " + std::to_string(login.status) + " " + login.Error() +
                             "\n  simulate: " + (static_admits ? "admits" : "refuses"));
        continue;
      }
      if (!runtime_admits) {
        ++refused;
        continue;
      }
      ++admitted;
      with_identity += login.body["auth"].contains("identity_policies") ? 1 : 0;
      for (const char* kind : {"token_policies", "identity_policies"}) {
        std::vector<std::string> expected = std::string_view(kind) == "token_policies"
                                                ? statically->token_policies
                                                : statically->identity_policies;
        std::sort(expected.begin(), expected.end());
        const std::vector<std::string> got = SortedStrings(login.body["auth"].value(kind, json::array()));
        if (got != expected) {
          mismatches.push_back(where + "\n  server " + kind + " " + json(got).dump() + " simulate " +
                               json(expected).dump());
        }
      }
    }
  }
  EXPECT_GT(admitted, 50) << "the generator should admit a fair share of logins";
  EXPECT_GT(refused, 50);
  EXPECT_GT(with_identity, 10) << "the entity and group bindings should take part";
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " of " << kRoles * kClaims
                                  << " logins disagree; first:\n"
                                  << (mismatches.empty() ? "" : mismatches.front());
  std::cout << "logins: " << admitted << " admitted (" << with_identity << " with identity policies), "
            << refused << " refused by both sides\n";
}

INSTANTIATE_TEST_SUITE_P(Seeds, LoginConsistency, ::testing::Range(1u, 4u));

// ---- Kubernetes -------------------------------------------------------------------------------

const std::vector<std::string> kNamespaces = {"prod", "stage", "dev"};
const std::vector<std::string> kNamespacePatterns = {"prod", "stage", "dev", "*", "pro*", "*-x"};
const std::vector<std::string> kAccounts = {"app-web", "app-db", "web", "default"};
const std::vector<std::string> kAccountPatterns = {"app-*", "web", "default", "*", "*-db", "app-web"};

// Vault refuses "*" beside other values (both sides do): a list holding it is just ["*"].
std::vector<std::string> AloneStar(std::vector<std::string> values) {
  return std::find(values.begin(), values.end(), "*") != values.end() ? std::vector<std::string>{"*"}
                                                                      : values;
}

json RandomK8sRole(Random& r) {
  json role = {{"bound_service_account_names", AloneStar(r.Some(kAccountPatterns, 2))},
               {"bound_service_account_namespaces", AloneStar(r.Some(kNamespacePatterns, 2))},
               {"token_policies", r.Some(kPolicies, 2)}};
  if (r.Chance(30)) {
    role["alias_name_source"] = "serviceaccount_name";
  }
  if (r.Chance(15)) {
    role["token_no_default_policy"] = true;
  }
  return role;
}

class K8sLoginConsistency : public CoreTest, public ::testing::WithParamInterface<unsigned> {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           ("polcheck-k8s-consistency-" + std::to_string(::getpid()) + "-" + std::to_string(GetParam()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "policies");
    std::filesystem::create_directories(dir_ / "bindings");
    for (const std::string p : {"p0", "p1", "p2", "p3", "p6"}) {
      const std::string text = "path \"secret/data/" + p + "/*\" { capabilities = [\"read\"] }\n";
      std::ofstream(dir_ / "policies" / (p + ".hcl")) << text;
      PutPolicy(p, text);
    }
    ASSERT_EQ(Post("sys/auth/kubernetes", {{"type", "kubernetes"}}).status, 204);
    ASSERT_EQ(
        Post("auth/kubernetes/config", {{"kubernetes_host", api_.Host()}, {"pem_keys", {key_.PublicPem()}}})
            .status,
        204);
    // An entity bound to prod/app-web's service account, by UID and by name (alias_name_source).
    const std::string accessor = Get("sys/auth").body["data"]["kubernetes/"]["accessor"];
    Reply entity = Post("identity/entity", {{"name", "web-ent"}, {"policies", {"p6"}}});
    ASSERT_EQ(entity.status, 200) << entity.body.dump();
    for (const char* alias : {"uid-prod-app-web", "prod/app-web"}) {
      ASSERT_EQ(
          Post("identity/entity-alias",
               {{"name", alias}, {"mount_accessor", accessor}, {"canonical_id", entity.body["data"]["id"]}})
              .status,
          200);
    }
    std::ofstream(dir_ / "bindings" / "identity.yaml") << R"(identity:
  entities:
    - name: web-ent
      policies: [p6]
      aliases: [{name: uid-prod-app-web, mount: kubernetes}, {name: prod/app-web, mount: kubernetes}]
)";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  TestKey key_{true};
  FakeApiServer api_{[](const json& review) {
    const json claims = UnverifiedClaims(review["spec"]["token"]);
    const json& k = claims["kubernetes.io"];
    return json{{"kind", "TokenReview"},
                {"status",
                 {{"authenticated", true},
                  {"user",
                   {{"username", "system:serviceaccount:" + k["namespace"].get<std::string>() + ":" +
                                     k["serviceaccount"]["name"].get<std::string>()},
                    {"uid", k["serviceaccount"]["uid"]}}}}}};
  }};
};

TEST_P(K8sLoginConsistency, SimulateAdmitsExactlyTheLoginsTheServerAccepts) {
  Random r(GetParam());
  constexpr int kRoles = 30;
  json roles = json::object();
  for (int i = 0; i < kRoles; ++i) {
    const std::string name = "k" + std::to_string(i);
    roles[name] = RandomK8sRole(r);
    Reply written = Post("auth/kubernetes/role/" + name, roles[name]);
    ASSERT_EQ(written.status, 204) << name << " " << roles[name].dump() << " " << written.body.dump();
  }
  std::ofstream(dir_ / "bindings" / "kubernetes.yaml")
      << json{{"auth", {{"kubernetes", {{"type", "kubernetes"}, {"roles", roles}}}}}}.dump(2);
  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = dir_}, sink);
  ASSERT_TRUE(ws) << ws.error().message;
  ASSERT_FALSE(sink.has_errors());

  int admitted = 0;
  int refused = 0;
  int with_identity = 0;
  std::vector<std::string> mismatches;
  for (const std::string& ns : kNamespaces) {
    for (const std::string& sa : kAccounts) {
      const std::string uid = "uid-" + ns + "-" + sa;
      Expected<std::vector<analysis::Subject>> subjects =
          analysis::SubjectsForIdentity(*ws, "kubernetes:" + ns + "/" + sa + "@" + uid);
      ASSERT_TRUE(subjects) << subjects.error().message;
      const std::string jwt = key_.Sign(
          {{"iss", "kubernetes/serviceaccount"},
           {"sub", "system:serviceaccount:" + ns + ":" + sa},
           {"kubernetes.io", {{"namespace", ns}, {"serviceaccount", {{"name", sa}, {"uid", uid}}}}}});
      for (int i = 0; i < kRoles; ++i) {
        const std::string name = "k" + std::to_string(i);
        const auto statically =
            std::find_if(subjects->begin(), subjects->end(),
                         [&](const analysis::Subject& s) { return s.name == name && s.login_error.empty(); });
        Reply login = Send("POST", "auth/kubernetes/login", {{"role", name}, {"jwt", jwt}}, "");
        const bool runtime_admits = login.status == 200;
        const bool static_admits = statically != subjects->end();
        const std::string where = ns + "/" + sa + " role " + name + " " + roles[name].dump();
        if (runtime_admits != static_admits) {
          mismatches.push_back(where + "\n  server: " + std::to_string(login.status) + " " + login.Error() +
                               "\n  simulate: " + (static_admits ? "admits" : "refuses"));
          continue;
        }
        if (!runtime_admits) {
          ++refused;
          continue;
        }
        ++admitted;
        with_identity += login.body["auth"].contains("identity_policies") ? 1 : 0;
        for (const char* kind : {"token_policies", "identity_policies"}) {
          std::vector<std::string> expected = std::string_view(kind) == "token_policies"
                                                  ? statically->token_policies
                                                  : statically->identity_policies;
          std::sort(expected.begin(), expected.end());
          const std::vector<std::string> got = SortedStrings(login.body["auth"].value(kind, json::array()));
          if (got != expected) {
            mismatches.push_back(where + "\n  server " + kind + " " + json(got).dump() + " simulate " +
                                 json(expected).dump());
          }
        }
      }
    }
  }
  EXPECT_GT(admitted, 20);
  EXPECT_GT(refused, 20);
  EXPECT_GT(with_identity, 0) << "the entity bound to prod/app-web should take part";
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " logins disagree; first:\n"
                                  << (mismatches.empty() ? "" : mismatches.front());
  std::cout << "kubernetes logins: " << admitted << " admitted (" << with_identity
            << " with identity policies), " << refused << " refused by both sides\n";
}

INSTANTIATE_TEST_SUITE_P(Seeds, K8sLoginConsistency, ::testing::Range(1u, 4u));

}  // namespace
}  // namespace polcheck::runtime::testing
