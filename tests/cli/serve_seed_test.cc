// serve --dev --workspace: the bindings seeded into the runtime (cli/serve_seed.h)
// read back through the HTTP API as written, and logins issue tokens whose
// policies are what `simulate --identity` computes from the same workspace.
#include "cli/serve_seed.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "runtime/server.h"
#include "tests/runtime/http_client.h"

namespace polcheck::cli {
namespace {

using nlohmann::json;
using runtime::testing::Client;
using runtime::testing::Reply;

struct Seeded {
  analysis::Workspace ws;
  std::unique_ptr<runtime::Server> server;
  SeedCounts counts;
  std::string notes;
};

Seeded Seed(const std::string& directory) {
  Seeded out;
  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = directory}, sink);
  EXPECT_TRUE(ws.has_value()) << directory;
  EXPECT_FALSE(ws->has_parse_errors);
  out.ws = *std::move(ws);
  Expected<std::unique_ptr<runtime::Server>> server = runtime::Server::Start({.port = 0});
  EXPECT_TRUE(server.has_value());
  out.server = *std::move(server);
  EXPECT_TRUE(out.server->SetUpDev("root").has_value());
  for (const parser::PolicyFile& file : out.ws.policy_files) {  // as serve --workspace does
    if (!(out.ws.builtin_default && file.policy.name == "default")) {
      EXPECT_TRUE(out.server->PutPolicy(file.policy.name, out.ws.sources->file(file.policy.file).text()).has_value());
    }
  }
  std::ostringstream notes;
  out.counts = SeedBindings(out.ws.bindings, *out.ws.sources, *out.server, "root", notes);
  out.notes = notes.str();
  return out;
}

Client RootClient(const Seeded& s) {
  Client client(s.server->port());
  client.token = "root";
  return client;
}

std::vector<std::string> Strings(const json& j) { return j.is_array() ? j.get<std::vector<std::string>>() : std::vector<std::string>{}; }

// The one subject simulate --identity finds for `spec`.
analysis::Subject Simulated(const analysis::Workspace& ws, const std::string& spec) {
  Expected<std::vector<analysis::Subject>> subjects = analysis::SubjectsForIdentity(ws, spec);
  EXPECT_TRUE(subjects.has_value());
  EXPECT_EQ(subjects->size(), 1u) << spec;
  return subjects->empty() ? analysis::Subject{} : subjects->front();
}

TEST(ServeSeed, K8sAwsTeamsRolesReadBackAndAwsIsNoted) {
  Seeded s = Seed(POLCHECK_SOURCE_DIR "/examples/k8s-aws-teams");
  EXPECT_EQ(s.counts.mounts, 1);
  EXPECT_EQ(s.counts.roles, 2);
  EXPECT_EQ(s.counts.skipped, 3);
  EXPECT_EQ(s.notes,
            "polcheck serve: note: bindings/aws-bbb-role.json:3: auth mount aws/ (aws) not loaded: the runtime does not "
            "serve the aws auth method\n"
            "polcheck serve: note: bindings/aws-bbb-role.json:5: role aws/role/bbb-role not loaded: its mount is not "
            "loaded\n"
            "polcheck serve: note: bindings/aws.yaml:4: role aws/role/aaa-role not loaded: its mount is not loaded\n");
  const Client client = RootClient(s);
  const Reply aaa = client.Send("GET", "/v1/auth/kubernetes/role/aaa-role");
  ASSERT_EQ(aaa.status, 200) << aaa.body;
  EXPECT_EQ(Strings(aaa.Json()["data"]["token_policies"]), (std::vector<std::string>{"aaa-k8s-auth"}));
  EXPECT_EQ(Strings(aaa.Json()["data"]["bound_service_account_namespaces"]),
            (std::vector<std::string>{"aaa-namespace"}));
  EXPECT_EQ(aaa.Json()["data"]["token_ttl"], 3600);
  // Written in bindings as a comma string; the runtime keeps a list, as Vault does.
  const Reply bbb = client.Send("GET", "/v1/auth/kubernetes/role/bbb-role");
  ASSERT_EQ(bbb.status, 200) << bbb.body;
  EXPECT_EQ(Strings(bbb.Json()["data"]["token_policies"]), (std::vector<std::string>{"bbb-k8s-auth"}));
  EXPECT_EQ(Strings(bbb.Json()["data"]["bound_service_account_names"]),
            (std::vector<std::string>{"default", "bbb-*"}));
  EXPECT_EQ(client.Send("GET", "/v1/auth/aws/role/aaa-role").status, 404);
  const Reply mounts = client.Send("GET", "/v1/sys/auth");
  EXPECT_TRUE(mounts.Json()["data"].contains("kubernetes/")) << mounts.body;
  EXPECT_FALSE(mounts.Json()["data"].contains("aws/")) << mounts.body;
}

TEST(ServeSeed, OidcGroupsIdentityStoreReadsBack) {
  Seeded s = Seed(POLCHECK_SOURCE_DIR "/examples/oidc-groups");
  EXPECT_EQ(s.counts.mounts, 2);
  EXPECT_EQ(s.counts.roles, 2);
  EXPECT_EQ(s.counts.entities, 1);
  EXPECT_EQ(s.counts.groups, 2);
  // The config is passed through; the runtime refuses it as Vault does (an
  // oidc_client_id without oidc_client_secret), and the roles still load.
  EXPECT_EQ(s.counts.skipped, 1);
  EXPECT_NE(s.notes.find("bindings/oidc.yaml:2: config of auth mount oidc/ (oidc) not loaded: the server refused "
                         "auth/oidc/config: both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC"),
            std::string::npos)
      << s.notes;
  const Client client = RootClient(s);
  const Reply ci = client.Send("GET", "/v1/auth/jwt/role/ci-deploy");
  ASSERT_EQ(ci.status, 200) << ci.body;
  EXPECT_EQ(Strings(ci.Json()["data"]["token_policies"]), (std::vector<std::string>{"ci-deploy"}));
  EXPECT_EQ(ci.Json()["data"]["bound_claims_type"], "glob");
  EXPECT_EQ(ci.Json()["data"]["token_ttl"], 600);

  // The workspace's accessors are kept (jwt/ names one; oidc/ gets the generated
  // one simulate uses), so ci-deploy.hcl's identity.entity.aliases.auth_jwt_ci
  // template renders in the server as in simulate.
  const json auth_table = client.Send("GET", "/v1/sys/auth").Json()["data"];
  EXPECT_EQ(auth_table["jwt/"]["accessor"], "auth_jwt_ci");
  const std::string oidc_accessor = auth_table["oidc/"]["accessor"];
  EXPECT_EQ(oidc_accessor, s.ws.bindings.FindMount("oidc")->accessor);
  const Reply alice = client.Send("GET", "/v1/identity/entity/name/alice");
  ASSERT_EQ(alice.status, 200) << alice.body;
  EXPECT_EQ(alice.Json()["data"]["metadata"]["team"], "platform");
  ASSERT_EQ(alice.Json()["data"]["aliases"].size(), 1u) << alice.body;
  EXPECT_EQ(alice.Json()["data"]["aliases"][0]["name"], "alice@example.com");
  EXPECT_EQ(alice.Json()["data"]["aliases"][0]["mount_accessor"], oidc_accessor);

  const Reply platform = client.Send("GET", "/v1/identity/group/name/platform-team");
  ASSERT_EQ(platform.status, 200) << platform.body;
  EXPECT_EQ(platform.Json()["data"]["type"], "external");
  EXPECT_EQ(Strings(platform.Json()["data"]["policies"]), (std::vector<std::string>{"platform-admin"}));
  EXPECT_EQ(platform.Json()["data"]["alias"]["name"], "platform") << platform.body;
  EXPECT_EQ(platform.Json()["data"]["alias"]["mount_accessor"], oidc_accessor);
  const Reply engineering = client.Send("GET", "/v1/identity/group/name/engineering");
  ASSERT_EQ(engineering.status, 200) << engineering.body;
  EXPECT_EQ(Strings(engineering.Json()["data"]["member_group_ids"]),
            (std::vector<std::string>{platform.Json()["data"]["id"].get<std::string>()}));
}

TEST(ServeSeed, UserpassLoginPoliciesEqualSimulate) {
  Seeded s = Seed(POLCHECK_SOURCE_DIR "/tests/cli/data/seed");
  // carol has no password in bindings: Vault requires one, so she is noted, not invented.
  EXPECT_NE(s.notes.find("polcheck serve: note: bindings/logins.yaml:12: role userpass/users/carol not loaded: the "
                         "server refused auth/userpass/users/carol: missing password\n"),
            std::string::npos)
      << s.notes;
  const Client anonymous(s.server->port());
  const Reply login = anonymous.Send("POST", "/v1/auth/userpass/login/bob", R"({"password":"correct-horse"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const json auth = login.Json()["auth"];
  const analysis::Subject bob = Simulated(s.ws, "userpass:bob");
  EXPECT_EQ(Strings(auth["token_policies"]), bob.token_policies);
  EXPECT_EQ(Strings(auth["identity_policies"]), bob.identity_policies);
  std::vector<std::string> all = Strings(auth["token_policies"]);
  for (const std::string& p : Strings(auth["identity_policies"])) {
    all.push_back(p);
  }
  EXPECT_EQ(analysis::SanitizePolicies(all, false), bob.policies);
  EXPECT_EQ(bob.policies, (std::vector<std::string>{"app", "default", "dev", "home", "ops"}));
  const Reply lookup = RootClient(s).Send("GET", "/v1/identity/entity/name/bob");
  EXPECT_EQ(auth["entity_id"], lookup.Json()["data"]["id"]) << "the login maps to the seeded entity";

  // home.hcl is templated on the workspace's accessor: the server renders it as simulate does.
  const Client root = RootClient(s);
  ASSERT_EQ(root.Send("POST", "/v1/secret/data/home/bob", R"({"data":{"k":"v"}})").status, 200);
  ASSERT_EQ(root.Send("POST", "/v1/secret/data/home/carol", R"({"data":{"k":"v"}})").status, 200);
  Client as_bob(s.server->port());
  as_bob.token = auth["client_token"].get<std::string>();
  EXPECT_EQ(as_bob.Send("GET", "/v1/secret/data/home/bob").status, 200);
  EXPECT_EQ(as_bob.Send("GET", "/v1/secret/data/home/carol").status, 403);
}

TEST(ServeSeed, RefusalsAreNotedPerObjectAndTheRestLoads) {
  SourceSet sources;
  const FileId id = sources.Add("bindings/odd.yaml", R"(auth:
  github:
    config: {organization: acme}
    map:
      teams: {ops: [ops]}
  first:
    type: userpass
    accessor: auth_same
  second:
    type: approle
    accessor: auth_same
identity:
  entities:
    - name: far
      namespace: team-a
  groups:
    - name: g
      policies: [ops]
      member_entity_names: [far]
)");
  analysis::Bindings bindings;
  DiagnosticSink sink;
  analysis::LoadBindings(sources.file(id), bindings, sink);
  Expected<std::unique_ptr<runtime::Server>> server = runtime::Server::Start({.port = 0});
  ASSERT_TRUE(server.has_value());
  ASSERT_TRUE((*server)->SetUpDev("root").has_value());
  std::ostringstream notes;
  const SeedCounts counts = SeedBindings(bindings, sources, **server, "root", notes);
  EXPECT_EQ(notes.str(),
            "polcheck serve: note: bindings/odd.yaml:2: auth mount github/ (github) not loaded: the runtime does not "
            "serve the github auth method\n"
            "polcheck serve: note: bindings/odd.yaml:9: auth mount second/ (approle) not loaded: the server refused "
            "sys/auth/second: accessor auth_same is already in use at auth/first/\n"
            "polcheck serve: note: bindings/odd.yaml:14: entity far not loaded: namespaces are not served (namespace "
            "team-a)\n"
            "polcheck serve: note: bindings/odd.yaml:17: member entity far of group g not loaded: it is not loaded\n");
  EXPECT_EQ(counts.mounts, 1);
  EXPECT_EQ(counts.groups, 1);
  EXPECT_EQ(counts.skipped, 4);
}

TEST(ServeSeed, AppRoleLoginPoliciesEqualSimulate) {
  Seeded s = Seed(POLCHECK_SOURCE_DIR "/tests/cli/data/seed");
  const Client root = RootClient(s);
  const Reply role_id = root.Send("GET", "/v1/auth/approle/role/build/role-id");
  ASSERT_EQ(role_id.status, 200) << role_id.body;
  const Reply secret_id = root.Send("POST", "/v1/auth/approle/role/build/secret-id", "{}");
  ASSERT_EQ(secret_id.status, 200) << secret_id.body;
  const json body = {{"role_id", role_id.Json()["data"]["role_id"]}, {"secret_id", secret_id.Json()["data"]["secret_id"]}};
  const Reply login = Client(s.server->port()).Send("POST", "/v1/auth/approle/login", body.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  const analysis::Subject build = Simulated(s.ws, "approle:build");
  EXPECT_EQ(Strings(login.Json()["auth"]["token_policies"]), build.token_policies);
  EXPECT_EQ(Strings(login.Json()["auth"]["policies"]), build.policies);
}

TEST(ServeSeed, TokenRoleAndCountsAndSkips) {
  Seeded s = Seed(POLCHECK_SOURCE_DIR "/tests/cli/data/seed");
  EXPECT_EQ(s.counts.mounts, 2);    // userpass, approle (aws is not served)
  EXPECT_EQ(s.counts.roles, 3);     // bob, build, token role deployer
  EXPECT_EQ(s.counts.entities, 1);
  EXPECT_EQ(s.counts.groups, 2);
  EXPECT_EQ(s.counts.skipped, 3);   // carol, the aws mount, its role web
  const Reply role = RootClient(s).Send("GET", "/v1/auth/token/roles/deployer");
  ASSERT_EQ(role.status, 200) << role.body;
  EXPECT_EQ(Strings(role.Json()["data"]["allowed_policies"]), (std::vector<std::string>{"app", "ops"}));
  EXPECT_EQ(role.Json()["data"]["orphan"], true);
  const Reply operators = RootClient(s).Send("GET", "/v1/identity/group/name/operators");
  ASSERT_EQ(operators.status, 200);
  EXPECT_EQ(operators.Json()["data"]["member_entity_ids"].size(), 1u) << operators.body;
}

}  // namespace
}  // namespace polcheck::cli
