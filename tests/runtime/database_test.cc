// The database secrets engine (RUNTIME-API.md §5.3) over Core::Handle with the
// RecordingExecutor: the exact SQL per plugin, generated usernames and
// passwords, allowed_roles, error texts, the lease life cycle (renew, revoke,
// token revocation, expiry, prefix, force), ACLs, restart and encryption at rest.
#include "runtime/database.h"

#include <regex>
#include <set>

#include "runtime/db_executor.h"
#include "runtime/leases.h"
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;
using Entry = RecordingExecutor::Entry;

constexpr const char* kPgCreate =
    R"(CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; )"
    R"(GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";)";
constexpr const char* kMySqlCreate =
    "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON *.* TO '{{name}}'@'%';";
// FakeClock starts at 1'700'000'000 = 2023-11-14 22:13:20 UTC.
constexpr std::int64_t kNow = 1'700'000'000;

// ---- pure pieces ---------------------------------------------------------------------------

TEST(DatabasePieces, PathEscapeIsGosUrlPathEscape) {
  EXPECT_EQ(database::PathEscape("aZ09-_.~$&+:=@"), "aZ09-_.~$&+:=@");
  EXPECT_EQ(database::PathEscape("p/w;d,x?y z%#é"), "p%2Fw%3Bd%2Cx%3Fy%20z%25%23%C3%A9");
}

TEST(DatabasePieces, QuoteIdentifierDoublesQuotesAndStopsAtNul) {
  EXPECT_EQ(database::QuoteIdentifier("v-token"), "\"v-token\"");
  EXPECT_EQ(database::QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(database::QuoteIdentifier(std::string("ab\0cd", 5)), "\"ab\"");
}

TEST(DatabasePieces, SplitsOnSemicolonsButRunsEndBlocksWhole) {
  const std::string block = "DO $$\nBEGIN\n  CREATE ROLE x; GRANT y TO x;\nEND\n$$;";
  EXPECT_EQ(database::SplitStatements({"A; B ;; ", "  C  ", block}, SqlDialect::kPostgres),
            (std::vector<std::string>{"A", "B", "C", block}));
  // END only counts as a whole upper-case word outside quotes.
  EXPECT_EQ(database::SplitStatements({"SELECT 'END'; SELECT \"END\"; APPEND; end"}, SqlDialect::kPostgres),
            (std::vector<std::string>{"SELECT 'END'", "SELECT \"END\"", "APPEND", "end"}));
  EXPECT_EQ(database::SplitStatements({block}, SqlDialect::kMySql).size(), 3u);  // MySQL always splits
  EXPECT_EQ(database::SplitStatements({" ; ", ""}, SqlDialect::kPostgres), std::vector<std::string>{});
}

TEST(DatabasePieces, RenderAndExpiration) {
  EXPECT_EQ(
      database::Render("{{name}}/{{name}}:{{password}} {{other}}", {{"name", "u"}, {"password", "{{name}}"}}),
      "u/u:{{name}} {{other}}");
  EXPECT_EQ(database::ExpirationText(kNow), "2023-11-14 22:13:20+0000");
}

TEST(DatabasePieces, DefaultUsernamesPerPlugin) {
  const auto* pg = database::FindPlugin("postgresql-database-plugin");
  const auto* my = database::FindPlugin("mysql-database-plugin");
  const auto* legacy = database::FindPlugin("mysql-legacy-database-plugin");
  ASSERT_TRUE(pg && my && legacy);
  EXPECT_EQ(database::FindPlugin("mongodb-database-plugin"), nullptr);
  EXPECT_TRUE(std::regex_match(database::DefaultUsername(*pg, "token", "readonly", kNow),
                               std::regex("v-token-readonly-[A-Za-z0-9]{20}-1700000000")));
  // Display name and role cut to 8; the whole to 63.
  const std::string long_pg = database::DefaultUsername(*pg, "userpass-bob", "a-very-long-role-name", kNow);
  EXPECT_TRUE(std::regex_match(long_pg, std::regex("v-userpass-a-very-l-[A-Za-z0-9]{20}-1700000000")))
      << long_pg;
  const std::string my_name = database::DefaultUsername(*my, "userpass-bob", "readonly-role", kNow);
  EXPECT_EQ(my_name.size(), 32u);
  EXPECT_TRUE(std::regex_match(my_name, std::regex("v-userpass-b-readonly-r-[A-Za-z0-9]{8}"))) << my_name;
  const std::string legacy_name = database::DefaultUsername(*legacy, "token", "readonly", kNow);
  EXPECT_TRUE(std::regex_match(legacy_name, std::regex("v-read-[A-Za-z0-9]{9}"))) << legacy_name;
  for (const char* aliased : {"mysql-aurora-database-plugin", "mysql-rds-database-plugin"}) {
    EXPECT_EQ(database::DefaultUsername(*database::FindPlugin(aliased), "token", "readonly", kNow).size(),
              16u);
  }
}

TEST(DatabasePieces, UsernameTemplatesRenderVaultsDefaults) {
  const database::UsernameInput in{.display_name = "token", .role_name = "readonly", .unix_time = kNow};
  Expected<std::string> pg = database::RenderUsernameTemplate(
      R"({{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }})",
      in);
  ASSERT_TRUE(pg) << pg.error().message;
  EXPECT_TRUE(std::regex_match(*pg, std::regex("v-token-readonly-[A-Za-z0-9]{20}-1700000000"))) << *pg;
  Expected<std::string> legacy = database::RenderUsernameTemplate(
      R"({{ printf "v-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }})", in);
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(std::regex_match(*legacy, std::regex("v-read-[A-Za-z0-9]{9}"))) << *legacy;
}

TEST(DatabasePieces, UsernameTemplateFunctionsAndErrors) {
  const database::UsernameInput in{.display_name = "userpass-bob", .role_name = "ro", .unix_time = kNow};
  auto render = [&](std::string_view text) {
    Expected<std::string> out = database::RenderUsernameTemplate(text, in);
    return out ? *out : "error: " + out.error().message;
  };
  EXPECT_EQ(render(R"({{.RoleName | uppercase}}_{{.DisplayName | replace "-" "_" | lowercase}})"),
            "RO_userpass_bob");
  EXPECT_EQ(render(R"({{ "abc" | sha256 | truncate 8 }}/{{ base64 "ab" }}/{{unix_time_millis}})"),
            "ba7816bf/YWI=/1700000000000");
  EXPECT_EQ(render(R"({{ truncate_sha256 10 "abcdefghijkl" }})"),
            "ab3615b840");  // "ab" + sha256("cdefghijkl")[:8]
  EXPECT_EQ(render(R"(a {{- "b" -}} c{{printf "%s%%%d" "x" 5}})"), "abcx%5");
  EXPECT_EQ(render("{{uuid}}").size(), 36u);
  EXPECT_EQ(render("{{nope}}"), "error: function \"nope\" not defined");
  EXPECT_EQ(render("{{.Other}}"), "error: unknown field .Other (DisplayName, RoleName)");
  EXPECT_EQ(render("x{{.RoleName"), "error: unclosed action");
  EXPECT_EQ(render(R"({{printf "%s-%s" "a"}})"), "error: printf has fewer arguments than verbs");
  EXPECT_EQ(render(R"({{truncate 0 "a"}})"), "error: max length must be > 0 but was 0");
  EXPECT_EQ(render(R"({{truncate_sha256 8 "a"}})"), "error: max length must be > 8 but was 8");
  EXPECT_EQ(render(R"({{uppercase "a" "b"}})"), "error: uppercase takes 1 argument, got 2");
  EXPECT_EQ(render(R"({{ "unterminated }})"), "error: unterminated string");
  EXPECT_EQ(render("plain"), "plain");
}

TEST(DatabasePieces, PasswordsFollowTheDefaultPolicy) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string p = database::GeneratePassword();
    EXPECT_TRUE(database::MeetsDefaultPasswordPolicy(p)) << p;
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_FALSE(database::MeetsDefaultPasswordPolicy("abcdefghijABCDEFGH12"));  // no dash
  EXPECT_FALSE(database::MeetsDefaultPasswordPolicy("abc-efghijABCDEFGH1"));   // 19 chars
  EXPECT_FALSE(database::MeetsDefaultPasswordPolicy("abc-efghijABCDEFGH1!"));  // outside the alphabet
}

// ---- the engine over Core::Handle ----------------------------------------------------------

class Database : public CoreTest {
 protected:
  void SetUp() override {
    storage_ = MakeMemoryStorage();
    clock_ = std::make_shared<FakeClock>(kNow);
    core_ = std::make_unique<Core>(storage_, clock_, Dialect::kVault, executor_);
    auto dev = core_->SetUpDev("root");
    ASSERT_TRUE(dev) << dev.error().message;
    unseal_key_ = dev->first;
    ASSERT_EQ(Post("sys/mounts/database", {{"type", "database"}}).status, 204);
  }

  // A server restart over the same storage and executor.
  void Restart() {
    core_.reset();
    core_ = std::make_unique<Core>(storage_, clock_, Dialect::kVault, executor_);
    Reply unsealed = Send("POST", "sys/unseal", {{"key", unseal_key_}}, "");
    ASSERT_EQ(unsealed.body["sealed"], false) << unsealed.body.dump();
  }

  void ConfigurePg(json extra = json::object()) {
    json body = {{"plugin_name", "postgresql-database-plugin"},
                 {"connection_url", "postgresql://{{username}}:{{password}}@db:5432/app"},
                 {"username", "vault"},
                 {"password", "root-secret-pw"},
                 {"allowed_roles", "ro"}};
    body.update(extra);
    Reply r = Post("database/config/pg", body);
    ASSERT_EQ(r.status, 204) << r.body.dump();
  }
  void RolePg(const std::string& name = "ro", json extra = json::object()) {
    json body = {
        {"db_name", "pg"}, {"creation_statements", kPgCreate}, {"default_ttl", "1h"}, {"max_ttl", "24h"}};
    body.update(extra);
    Reply r = Post("database/roles/" + name, body);
    ASSERT_EQ(r.status, 204) << r.body.dump();
  }
  // Config pg + role ro, executor entries cleared.
  void SetUpPg() {
    ConfigurePg();
    RolePg();
    executor_->Clear();
  }
  std::vector<Entry> Entries() { return executor_->entries(); }
  // Every statement recorded since the last Clear, with its kind: "tx: A", "exec: B", "query: C".
  std::vector<std::string> Statements() {
    std::vector<std::string> out;
    for (const Entry& e : executor_->entries()) {
      for (const std::string& s : e.statements) {
        out.push_back(e.kind + ": " + s);
      }
    }
    return out;
  }
  Reply Creds(const std::string& token = "root", const std::string& role = "ro") {
    return Get("database/creds/" + role, token);
  }

  std::shared_ptr<RecordingExecutor> executor_ = std::make_shared<RecordingExecutor>();
};

TEST_F(Database, ConfigWriteVerifiesReadHidesPasswordListDelete) {
  ConfigurePg({{"password", "p@ss/w:rd;1"}, {"username", "va ult"}, {"max_open_connections", 7}});
  // verify_connection (default true) pings through the templated URL, path-escaped.
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries()[0].kind, "ping");
  EXPECT_EQ(Entries()[0].connection_url, "postgresql://va%20ult:p@ss%2Fw:rd%3B1@db:5432/app");
  Reply r = Get("database/config/pg");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["data"], json({{"plugin_name", "postgresql-database-plugin"},
                                  {"plugin_version", ""},
                                  {"connection_details",
                                   {{"connection_url", "postgresql://{{username}}:{{password}}@db:5432/app"},
                                    {"username", "va ult"},
                                    {"max_open_connections", 7}}},
                                  {"allowed_roles", {"ro"}},
                                  {"root_credentials_rotate_statements", json::array()},
                                  {"password_policy", ""},
                                  {"verify_connection", true}}));
  EXPECT_EQ(r.body.dump().find("p@ss"), std::string::npos);
  ASSERT_EQ(Post("database/config/other", {{"plugin_name", "mysql-database-plugin"},
                                           {"connection_url", "{{username}}:{{password}}@tcp(db:3306)/"},
                                           {"username", "root"},
                                           {"password", "p@ss/w rd"},
                                           {"allowed_roles", json::array({"a", "b"})}})
                .status,
            204);
  // MySQL passwords are never escaped; usernames are.
  EXPECT_EQ(Entries().back().connection_url, "root:p@ss/w rd@tcp(db:3306)/");
  EXPECT_EQ(Get("database/config/other").body["data"]["allowed_roles"], json({"a", "b"}));
  EXPECT_EQ(List("database/config").body["data"]["keys"], json({"other", "pg"}));
  EXPECT_EQ(Delete("database/config/other").status, 204);
  EXPECT_EQ(Get("database/config/other").status, 404);
  EXPECT_EQ(List("database/config").body["data"]["keys"], json({"pg"}));
}

TEST_F(Database, ConfigUpdateKeepsUnsetFieldsAndDisableEscaping) {
  ConfigurePg();
  executor_->Clear();
  ASSERT_EQ(Post("database/config/pg",
                 {{"allowed_roles", "ro,rw"}, {"password", "a/b"}, {"disable_escaping", true}})
                .status,
            204);
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries()[0].connection_url, "postgresql://vault:a/b@db:5432/app");
  Reply r = Get("database/config/pg");
  EXPECT_EQ(r.body["data"]["plugin_name"], "postgresql-database-plugin");
  EXPECT_EQ(r.body["data"]["allowed_roles"], json({"ro", "rw"}));
  EXPECT_EQ(r.body["data"]["connection_details"]["disable_escaping"], true);
}

TEST_F(Database, ConfigErrors) {
  EXPECT_EQ(Post("database/config/x", {{"connection_url", "u"}}).Error(), "empty plugin name");
  EXPECT_EQ(Post("database/config/x", {{"plugin_name", "nope-plugin"}}).Error(),
            "error creating database object: plugin not found in the catalog: nope-plugin");
  EXPECT_EQ(Post("database/config/x", {{"plugin_name", "mysql-database-plugin"}}).Error(),
            "error creating database object: connection_url cannot be empty");
  const json templated = {{"plugin_name", "mysql-database-plugin"},
                          {"connection_url", "{{username}}:{{password}}@/"}};
  auto with = [&](const json& extra) {
    json body = templated;
    body.update(extra);
    return body;
  };
  EXPECT_EQ(Post("database/config/x", with({{"password", "{{password}}"}})).Error(),
            "error creating database object: username and/or password cannot contain the template variables");
  EXPECT_EQ(
      Post("database/config/x", templated).Error(),
      "error creating database object: must either provide username/password or set self-managed to 'true'");
  EXPECT_EQ(Post("database/config/x", with({{"username", "u"}, {"max_connection_lifetime", "x"}}))
                .Error()
                .rfind("error creating database object: invalid max_connection_lifetime: ", 0),
            0u);
  EXPECT_EQ(
      Post("database/config/x", {{"plugin_name", "mysql-database-plugin"}, {"verify_connection", "maybe"}})
          .status,
      400);
  executor_->FailOn("db:5432", "dial tcp db:5432: connect: connection refused");
  Reply refused = Post("database/config/x", {{"plugin_name", "postgresql-database-plugin"},
                                             {"connection_url", "postgresql://db:5432/app"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.Error(),
            "error creating database object: error verifying connection: dial tcp db:5432: connect: "
            "connection refused");
  EXPECT_EQ(Get("database/config/x").status, 404);
  // verify_connection=false stores without connecting.
  executor_->Clear();
  EXPECT_EQ(Post("database/config/x", {{"plugin_name", "postgresql-database-plugin"},
                                       {"connection_url", "postgresql://db:5432/app"},
                                       {"verify_connection", false}})
                .status,
            204);
  EXPECT_TRUE(Entries().empty());
  // A plaintext password inside the URL is accepted with Vault's warning.
  Reply warned = Post("database/config/y", {{"plugin_name", "postgresql-database-plugin"},
                                            {"connection_url", "postgresql://u:pw@db/app"}});
  EXPECT_EQ(warned.status, 200);
  EXPECT_EQ(warned.body["warnings"][0].get<std::string>().rfind("Password found in connection_url", 0), 0u);
  EXPECT_EQ(Get("database/nonsense/x").status, 404);
  EXPECT_EQ(Send("DELETE", "database/reset/x").status, 405);
}

TEST_F(Database, RolesCrudAndValidation) {
  ConfigurePg();
  EXPECT_EQ(Post("database/roles/r", {{"creation_statements", kPgCreate}}).Error(),
            "database name is required");
  EXPECT_EQ(Post("database/roles/r", {{"db_name", "pg"}, {"default_ttl", "soon"}}).status, 400);
  EXPECT_EQ(Post("database/roles/r", {{"db_name", "pg"}, {"credential_type", "rsa_private_key"}}).Error(),
            "credential_type \"rsa_private_key\" is not supported by this runtime (only \"password\")");
  EXPECT_EQ(Post("database/roles/r", {{"db_name", "pg"}, {"credential_type", "token"}}).Error(),
            "invalid credential_type \"token\"");
  EXPECT_EQ(Get("database/roles/r").status, 404);
  RolePg("ro", {{"revocation_statements", json::array({R"(DROP ROLE "{{name}}";)"})}});
  Reply r = Get("database/roles/ro");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["data"], json({{"db_name", "pg"},
                                  {"creation_statements", {kPgCreate}},
                                  {"revocation_statements", {R"(DROP ROLE "{{name}}";)"}},
                                  {"rollback_statements", json::array()},
                                  {"renew_statements", json::array()},
                                  {"default_ttl", 3600},
                                  {"max_ttl", 86400},
                                  {"credential_type", "password"}}));
  // An update changes only what it names.
  ASSERT_EQ(Post("database/roles/ro", {{"default_ttl", 60}}).status, 204);
  EXPECT_EQ(Get("database/roles/ro").body["data"]["default_ttl"], 60);
  EXPECT_EQ(Get("database/roles/ro").body["data"]["db_name"], "pg");
  RolePg("rw");
  EXPECT_EQ(List("database/roles").body["data"]["keys"], json({"ro", "rw"}));
  EXPECT_EQ(Delete("database/roles/rw").status, 204);
  EXPECT_EQ(Get("database/roles/rw").status, 404);
  EXPECT_EQ(List("database/static-roles").status, 404);
  ASSERT_EQ(
      Post("database/static-roles/ro", {{"db_name", "pg"}, {"username", "app"}, {"rotation_period", 60}})
          .Error(),
      "Role and Static Role names must be unique");
}

TEST_F(Database, PostgresCredsRunCreationInOneTransaction) {
  SetUpPg();
  const std::string token = TokenWith({"root"});  // display name "token"
  Reply r = Creds(token);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const std::string user = r.body["data"]["username"];
  const std::string password = r.body["data"]["password"];
  EXPECT_TRUE(std::regex_match(user, std::regex("v-token-ro-[A-Za-z0-9]{20}-1700000000"))) << user;
  EXPECT_TRUE(database::MeetsDefaultPasswordPolicy(password)) << password;
  EXPECT_EQ(r.body["lease_duration"], 3600);
  EXPECT_EQ(r.body["renewable"], true);
  EXPECT_TRUE(r.body["lease_id"].get<std::string>().starts_with("database/creds/ro/"));
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries()[0].kind, "tx");
  EXPECT_EQ(Entries()[0].connection_url, "postgresql://vault:root-secret-pw@db:5432/app");
  EXPECT_EQ(Entries()[0].statements,
            (std::vector<std::string>{"CREATE ROLE \"" + user + "\" WITH LOGIN PASSWORD '" + password +
                                          "' VALID UNTIL '2023-11-14 23:13:25+0000'",  // TTL + Vault's 5 s
                                      "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"" + user + "\""}));
  // Dev mode creates the root token "root" through auth/token/create: display name "token" too.
  EXPECT_TRUE(Creds("root").body["data"]["username"].get<std::string>().starts_with("v-token-ro-"));
  const std::string named = TokenWith({"root"}, {{"display_name", "deploy-bot"}});  // "token-deploy-bot"
  EXPECT_TRUE(Creds(named).body["data"]["username"].get<std::string>().starts_with("v-token-de-ro-"));
}

TEST_F(Database, CustomUsernameTemplate) {
  EXPECT_EQ(Post("database/config/pg", {{"plugin_name", "postgresql-database-plugin"},
                                        {"connection_url", "postgresql://db/app"},
                                        {"username_template", "{{nope .RoleName}}"}})
                .Error(),
            "error creating database object: invalid username template: function \"nope\" not defined");
  ConfigurePg({{"username_template", "{{.RoleName}}-{{.DisplayName | truncate 3}}-{{unix_time}}"}});
  RolePg();
  Reply c = Creds();
  ASSERT_EQ(c.status, 200) << c.body.dump();
  EXPECT_EQ(c.body["data"]["username"], "ro-tok-1700000000");
  EXPECT_EQ(Get("database/config/pg").body["data"]["connection_details"]["username_template"],
            "{{.RoleName}}-{{.DisplayName | truncate 3}}-{{unix_time}}");
}

TEST_F(Database, CredsErrorsAndAllowedRoles) {
  ConfigurePg({{"allowed_roles", "ro,app-*"}});
  RolePg();
  EXPECT_EQ(Creds("root", "nope").status, 400);
  EXPECT_EQ(Creds("root", "nope").Error(), "unknown role: nope");
  RolePg("other");
  Reply denied = Creds("root", "other");
  EXPECT_EQ(denied.status, 500);
  EXPECT_EQ(denied.Error(), "1 error occurred:\n\t* \"other\" is not an allowed role\n\n");
  RolePg("app-1");  // glob
  EXPECT_EQ(Creds("root", "app-1").status, 200);
  ASSERT_EQ(Post("database/config/pg", {{"allowed_roles", "*"}}).status, 204);
  EXPECT_EQ(Creds("root", "other").status, 200);
  ASSERT_EQ(Post("database/config/pg", {{"allowed_roles", json::array()}}).status, 204);  // default: none
  EXPECT_EQ(Creds("root", "ro").status, 500);
  ASSERT_EQ(Post("database/config/pg", {{"allowed_roles", "*"}}).status, 204);
  RolePg("empty", {{"creation_statements", json::array()}});
  // A config write drops the cached connection; without verification it does not connect.
  ASSERT_EQ(Post("database/config/pg", {{"verify_connection", false}}).status, 204);
  executor_->FailOn("db:5432", "connection refused");
  // The plugin checks the statements before it touches the database.
  EXPECT_EQ(Creds("root", "empty").Error(), "1 error occurred:\n\t* empty creation statements\n\n");
  EXPECT_EQ(Creds("root", "ro").Error(), "1 error occurred:\n\t* connection refused\n\n");
  executor_->FailOn("CREATE ROLE", "pq: permission denied to create role");
  Reply failed = Creds();
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.Error(), "1 error occurred:\n\t* pq: permission denied to create role\n\n");
  RolePg("orphan", {{"db_name", "missing"}});
  EXPECT_EQ(Creds("root", "orphan").Error(),
            "1 error occurred:\n\t* failed to find entry for connection with name: \"missing\"\n\n");
  EXPECT_EQ(Post("database/creds/ro", json::object()).status, 405);
  EXPECT_EQ(List("sys/leases/lookup/database/creds/").body["data"]["keys"], json({"app-1/", "other/"}));
}

TEST_F(Database, LeaseTtlIsCappedByRoleAndMount) {
  ConfigurePg({{"allowed_roles", "*"}});
  RolePg("long", {{"default_ttl", "48h"}, {"max_ttl", "0"}});
  ASSERT_EQ(Post("sys/mounts/database/tune", {{"max_lease_ttl", "30h"}}).status, 204);
  EXPECT_EQ(Creds("root", "long").body["lease_duration"], 30 * 3600);
  RolePg("dflt", {{"default_ttl", 0}, {"max_ttl", "2h"}});  // 0: the mount default (768h), capped by max_ttl
  EXPECT_EQ(Creds("root", "dflt").body["lease_duration"], 7200);
}

TEST_F(Database, RenewRunsRenewStatementsWithTheNewExpiry) {
  SetUpPg();
  Reply c = Creds();
  const std::string user = c.body["data"]["username"];
  executor_->Clear();
  Advance(600);
  Reply r = Post("sys/leases/renew", {{"lease_id", c.body["lease_id"]}, {"increment", 7200}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["lease_duration"], 7200);
  EXPECT_EQ(Statements(), std::vector<std::string>{"tx: ALTER ROLE \"" + user +
                                                   "\" VALID UNTIL '2023-11-15 00:23:20+0000'"});
  Reply looked = Post("sys/leases/lookup", {{"lease_id", c.body["lease_id"]}});
  EXPECT_EQ(looked.body["data"]["expire_time"], "2023-11-15T00:23:20Z");
  // Custom renew statements; a failing renewal leaves the lease alone.
  ASSERT_EQ(Post("database/roles/ro", {{"renew_statements",
                                        "ALTER ROLE \"{{username}}\" VALID UNTIL '{{expiration}}'; "
                                        "SELECT 1"}})
                .status,
            204);
  executor_->Clear();
  executor_->FailOn("SELECT 1", "pq: server closed the connection");
  Reply failed = Post("sys/leases/renew", {{"lease_id", c.body["lease_id"]}, {"increment", 60}});
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", c.body["lease_id"]}}).body["data"]["expire_time"],
            "2023-11-15T00:23:20Z");
  ASSERT_EQ(Post("sys/leases/renew", {{"lease_id", c.body["lease_id"]}}).status,
            200);  // default: the role TTL
  EXPECT_EQ(Statements(),
            (std::vector<std::string>{
                "tx: ALTER ROLE \"" + user + "\" VALID UNTIL '2023-11-14 23:23:20+0000'", "tx: SELECT 1"}));
}

TEST_F(Database, PostgresDefaultRevocation) {
  SetUpPg();
  Reply c = Creds();
  const std::string user = c.body["data"]["username"];
  const std::string u = "\"" + user + "\"";
  executor_->Clear();
  executor_->AnswerQuery("pg_roles", {{"t"}});
  executor_->AnswerQuery("role_column_grants", {{"sales"}, {"hr"}});
  executor_->AnswerQuery("current_database", {{"app"}});
  ASSERT_EQ(Post("sys/leases/revoke", {{"lease_id", c.body["lease_id"]}}).status, 204);
  EXPECT_EQ(Statements(),
            (std::vector<std::string>{
                "query: SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);",
                "query: SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE "
                "grantee=$1;",
                "query: SELECT current_database();",
                "exec: REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA \"sales\" FROM " + u + ";",
                "exec: REVOKE USAGE ON SCHEMA \"sales\" FROM " + u + ";",
                "exec: REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA \"hr\" FROM " + u + ";",
                "exec: REVOKE USAGE ON SCHEMA \"hr\" FROM " + u + ";",
                "exec: REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM " + u + ";",
                "exec: REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM " + u + ";",
                "exec: REVOKE USAGE ON SCHEMA public FROM " + u + ";",
                "exec: REVOKE CONNECT ON DATABASE \"app\" FROM " + u + ";",
                "exec: DROP ROLE IF EXISTS " + u + ";"}));
  EXPECT_EQ(Entries()[0].params, std::vector<std::string>{user});
  // Once: the lease is gone, a second revoke is a no-op.
  executor_->Clear();
  EXPECT_EQ(Post("sys/leases/revoke", {{"lease_id", c.body["lease_id"]}}).status, 204);
  EXPECT_TRUE(Entries().empty());
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", c.body["lease_id"]}}).Error(), "invalid lease");
}

TEST_F(Database, PostgresRevocationSkipsAMissingRoleAndHonoursCustomStatements) {
  SetUpPg();
  Reply gone = Creds();
  executor_->Clear();
  ASSERT_EQ(Post("sys/leases/revoke/" + gone.body["lease_id"].get<std::string>(), json::object()).status,
            204);
  EXPECT_EQ(Statements(), std::vector<std::string>{
                              "query: SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);"});
  RolePg("ro", {{"revocation_statements",
                 R"(REVOKE ALL ON DATABASE app FROM "{{name}}"; DROP ROLE "{{username}}";)"}});
  Reply c = Creds();
  const std::string user = c.body["data"]["username"];
  executor_->Clear();
  ASSERT_EQ(Post("sys/leases/revoke", {{"lease_id", c.body["lease_id"]}}).status, 204);
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries()[0].kind, "tx");
  EXPECT_EQ(Entries()[0].statements,
            (std::vector<std::string>{"REVOKE ALL ON DATABASE app FROM \"" + user + "\"",
                                      "DROP ROLE \"" + user + "\""}));
  // While the role exists its current config decides where revocation runs.
  Reply moved = Creds();
  ASSERT_EQ(Post("database/config/replica",
                 {{"plugin_name", "postgresql-database-plugin"},
                  {"connection_url", "postgresql://{{username}}:{{password}}@replica:5432/app"},
                  {"username", "vault"},
                  {"password", "root-secret-pw"},
                  {"allowed_roles", "ro"}})
                .status,
            204);
  ASSERT_EQ(Post("database/roles/ro", {{"db_name", "replica"}}).status, 204);
  executor_->Clear();
  ASSERT_EQ(Post("sys/leases/revoke", {{"lease_id", moved.body["lease_id"]}}).status, 204);
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries()[0].connection_url, "postgresql://vault:root-secret-pw@replica:5432/app");
  // Deleting the role keeps the statements the lease was issued with.
  Reply later = Creds();
  ASSERT_EQ(Delete("database/roles/ro").status, 204);
  executor_->Clear();
  ASSERT_EQ(Post("sys/leases/revoke", {{"lease_id", later.body["lease_id"]}}).status, 204);
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries()[0].statements.back(),
            "DROP ROLE \"" + later.body["data"]["username"].get<std::string>() + "\"");
}

TEST_F(Database, MySqlCredsRenewAndRevoke) {
  ASSERT_EQ(Post("database/config/my", {{"plugin_name", "mysql-database-plugin"},
                                        {"connection_url", "{{username}}:{{password}}@tcp(db:3306)/"},
                                        {"username", "root"},
                                        {"password", "root-pw"},
                                        {"allowed_roles", "*"}})
                .status,
            204);
  ASSERT_EQ(Post("database/roles/app", {{"db_name", "my"}, {"creation_statements", kMySqlCreate}}).status,
            204);
  executor_->Clear();
  Reply c = Creds("root", "app");
  ASSERT_EQ(c.status, 200) << c.body.dump();
  const std::string user = c.body["data"]["username"];
  const std::string password = c.body["data"]["password"];
  EXPECT_EQ(user.size(), 32u);
  EXPECT_TRUE(user.starts_with("v-token-app-")) << user;
  EXPECT_EQ(c.body["lease_duration"], kSystemMaxTtl);  // no role TTL: the mount default
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries()[0].statements,
            (std::vector<std::string>{"CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'",
                                      "GRANT SELECT ON *.* TO '" + user + "'@'%'"}));
  executor_->Clear();
  ASSERT_EQ(Post("sys/leases/renew", {{"lease_id", c.body["lease_id"]}, {"increment", 60}}).status, 200);
  EXPECT_TRUE(Entries().empty()) << "MySQL renewals run nothing";
  ASSERT_EQ(Post("sys/leases/revoke", {{"lease_id", c.body["lease_id"]}}).status, 204);
  EXPECT_EQ(Statements(),
            (std::vector<std::string>{"tx: REVOKE ALL PRIVILEGES, GRANT OPTION FROM '" + user + "'@'%'",
                                      "tx: DROP USER '" + user + "'@'%'"}));
  executor_->Clear();
  ASSERT_EQ(Post("database/rotate-root/my", json::object()).status, 204);
  ASSERT_EQ(Entries().size(), 1u);  // no existence query for MySQL
  EXPECT_TRUE(std::regex_match(Entries()[0].statements.at(0),
                               std::regex("ALTER USER 'root'@'%' IDENTIFIED BY '[A-Za-z0-9-]{20}'")))
      << Entries()[0].statements.at(0);
  // mysql-legacy: 16-character usernames.
  ASSERT_EQ(Post("database/config/legacy", {{"plugin_name", "mysql-legacy-database-plugin"},
                                            {"connection_url", "root:pw@tcp(old:3306)/"},
                                            {"allowed_roles", "*"}})
                .status,
            204);  // a DSN, not a URL: no plaintext-password warning
  ASSERT_EQ(Post("database/roles/old", {{"db_name", "legacy"}, {"creation_statements", kMySqlCreate}}).status,
            204);
  const std::string legacy = Creds("root", "old").body["data"]["username"];
  EXPECT_TRUE(std::regex_match(legacy, std::regex("v-old-[A-Za-z0-9]{10}"))) << legacy;
}

TEST_F(Database, TokenRevocationExpiryAndPrefixRevokeTheUsers) {
  ConfigurePg();
  RolePg("ro", {{"revocation_statements", R"(DROP ROLE "{{name}}";)"}, {"default_ttl", "10m"}});
  const std::string parent = TokenWith({"root"});
  Post("auth/token/create", {{"policies", {"root"}}}, parent);
  Reply child = Post("auth/token/create", {{"policies", json::array({"root"})}}, parent);
  const std::string child_token = child.body["auth"]["client_token"];
  const std::string by_child = Creds(child_token).body["data"]["username"];
  executor_->Clear();
  ASSERT_EQ(Post("auth/token/revoke", {{"token", parent}}).status,
            204);  // cascades to the child and its lease
  EXPECT_EQ(Statements(), std::vector<std::string>{"tx: DROP ROLE \"" + by_child + "\""});

  const std::string expiring = Creds().body["data"]["username"];
  executor_->Clear();
  Advance(599);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_TRUE(Entries().empty());
  Advance(1);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_EQ(Statements(), std::vector<std::string>{"tx: DROP ROLE \"" + expiring + "\""});

  const std::string a = Creds().body["data"]["username"];
  const std::string b = Creds().body["data"]["username"];
  executor_->Clear();
  ASSERT_EQ(Post("sys/leases/revoke-prefix/database/creds/ro", json::object()).status, 204);
  std::vector<std::string> got = Statements();
  std::sort(got.begin(), got.end());
  std::vector<std::string> want = {"tx: DROP ROLE \"" + a + "\"", "tx: DROP ROLE \"" + b + "\""};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(List("sys/leases/lookup/database/creds/").status, 404);
}

// RUNTIME-API.md §3.5: creds fetched with a token's last use are revoked at once
// and replaced by Vault's error.
TEST_F(Database, CredsOnATokensLastUseAreRevokedNotReturned) {
  ConfigurePg();
  RolePg("ro", {{"revocation_statements", R"(DROP ROLE "{{name}}";)"}});
  executor_->Clear();
  const std::string once = TokenWith({"root"}, {{"num_uses", 1}});
  Reply r = Creds(once);
  EXPECT_EQ(r.status, 400) << r.body.dump();
  EXPECT_EQ(r.body["errors"][0],
            "Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.");
  std::vector<std::string> statements = Statements();
  ASSERT_FALSE(statements.empty());
  EXPECT_TRUE(statements.front().starts_with("tx: CREATE ROLE")) << statements.front();
  EXPECT_TRUE(statements.back().starts_with("tx: DROP ROLE")) << statements.back();
  EXPECT_EQ(List("sys/leases/lookup/database/creds/").status, 404);
  // A token with uses left gets its creds.
  EXPECT_EQ(Creds(TokenWith({"root"}, {{"num_uses", 2}})).status, 200);
}

TEST_F(Database, FailedRevocationKeepsTheLeaseUnlessForced) {
  ConfigurePg();
  RolePg("ro", {{"revocation_statements", R"(DROP ROLE "{{name}}";)"}});
  Reply c = Creds();
  executor_->Clear();
  executor_->FailOn("DROP ROLE", "pq: role is in use");
  Reply failed = Post("sys/leases/revoke", {{"lease_id", c.body["lease_id"]}});
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.Error(), "1 error occurred:\n\t* pq: role is in use\n\n");
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", c.body["lease_id"]}}).status, 200);
  executor_->FailOn("DROP ROLE", "pq: role is in use");
  ASSERT_EQ(Post("sys/leases/revoke-force/database/creds/ro", json::object()).status, 204);
  EXPECT_EQ(Post("sys/leases/lookup", {{"lease_id", c.body["lease_id"]}}).Error(), "invalid lease");
  EXPECT_TRUE(Entries().empty());
}

TEST_F(Database, DisablingTheMountRevokesItsLeases) {
  ConfigurePg();
  RolePg("ro", {{"revocation_statements", R"(DROP ROLE "{{name}}";)"}});
  const std::string user = Creds().body["data"]["username"];
  executor_->Clear();
  ASSERT_EQ(Delete("sys/mounts/database").status, 204);
  EXPECT_EQ(Statements(), std::vector<std::string>{"tx: DROP ROLE \"" + user + "\""});
}

TEST_F(Database, PolicyDecidesWhoGetsCreds) {
  SetUpPg();
  PutPolicy("db-ro", R"(path "database/creds/ro" { capabilities = ["read"] })"
                     "\n"
                     R"(path "sys/leases/renew" { capabilities = ["update"] })");
  const std::string reader = TokenWith({"db-ro"});
  const std::string other = TokenWith({"default"});
  Reply denied = Creds(other);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Error(), kDenied);
  EXPECT_TRUE(Entries().empty()) << "no SQL for a denied request";
  Reply ok = Creds(reader);
  ASSERT_EQ(ok.status, 200) << ok.body.dump();
  EXPECT_EQ(Post("sys/leases/renew", {{"lease_id", ok.body["lease_id"]}}, reader).status, 200);
  EXPECT_EQ(Post("sys/leases/revoke", {{"lease_id", ok.body["lease_id"]}}, reader).status, 403);
  EXPECT_EQ(Get("database/config/pg", reader).status, 403);
  EXPECT_EQ(Get("database/creds/other", reader).status, 403);
  // config/, roles/ and static-roles/ have existence checks: a new name needs "create".
  PutPolicy("db-update", R"(path "database/roles/*" { capabilities = ["update"] })");
  const std::string updater = TokenWith({"db-update"});
  EXPECT_EQ(Post("database/roles/new", {{"db_name", "pg"}}, updater).status, 403);
  EXPECT_EQ(Post("database/roles/ro", {{"default_ttl", 60}}, updater).status, 204);
}

TEST_F(Database, StaticRolesRotate) {
  ConfigurePg({{"allowed_roles", "*"}});
  executor_->Clear();
  EXPECT_EQ(Post("database/static-roles/app", {{"db_name", "pg"}, {"rotation_period", 60}}).Error(),
            "username is a required field to create a static account");
  EXPECT_EQ(Post("database/static-roles/app", {{"db_name", "pg"}, {"username", "app"}}).Error(),
            "one of rotation_schedule or rotation_period must be provided to create a static account");
  EXPECT_EQ(Post("database/static-roles/app",
                 {{"db_name", "pg"}, {"username", "app"}, {"rotation_schedule", "0 * * * *"}})
                .status,
            400);
  EXPECT_EQ(
      Post("database/static-roles/app", {{"db_name", "pg"}, {"username", "app"}, {"rotation_period", 4}})
          .Error(),
      "rotation_period must be 5 seconds or more");
  ASSERT_EQ(
      Post("database/static-roles/app", {{"db_name", "pg"}, {"username", "app"}, {"rotation_period", "1h"}})
          .status,
      204);
  Reply creds = Get("database/static-creds/app");
  ASSERT_EQ(creds.status, 200) << creds.body.dump();
  const std::string first = creds.body["data"]["password"];
  EXPECT_EQ(Statements(),
            (std::vector<std::string>{"query: SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);",
                                      "tx: ALTER ROLE \"app\" WITH PASSWORD '" + first + "'"}));
  EXPECT_EQ(Entries()[0].params, std::vector<std::string>{"app"});
  EXPECT_EQ(creds.body["data"]["username"], "app");
  EXPECT_EQ(creds.body["data"]["rotation_period"], 3600);
  EXPECT_EQ(creds.body["data"]["ttl"], 3600);
  EXPECT_EQ(creds.body["data"]["last_vault_rotation"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(creds.body["lease_id"], "");
  Reply role = Get("database/static-roles/app");
  EXPECT_FALSE(role.body["data"].contains("password"));
  EXPECT_EQ(Post("database/static-roles/app", {{"username", "other"}}).Error(),
            "cannot update static account username");
  // Vault's quirk: an update that leaves the username out is refused the same way.
  EXPECT_EQ(Post("database/static-roles/app", {{"rotation_period", "2h"}}).Error(),
            "cannot update static account username");
  ASSERT_EQ(Post("database/static-roles/app", {{"username", "app"}, {"rotation_period", "1h"}}).status, 204);
  Advance(100);
  ASSERT_EQ(Post("database/rotate-role/app", json::object()).status, 204);
  const std::string second = Get("database/static-creds/app").body["data"]["password"];
  EXPECT_NE(second, first);
  EXPECT_EQ(Get("database/static-creds/app").body["data"]["ttl"], 3600);
  Advance(3600);  // due: read rotates first
  EXPECT_NE(Get("database/static-creds/app").body["data"]["password"], second);
  // The expiry manager rotates due roles in the background; nothing before they are due.
  const std::string third = Get("database/static-creds/app").body["data"]["password"];
  executor_->Clear();
  Advance(3599);
  ASSERT_TRUE(core_->SweepExpired());
  EXPECT_TRUE(Entries().empty());
  Advance(1);
  ASSERT_TRUE(core_->SweepExpired());
  ASSERT_EQ(Entries().size(), 2u);  // pg_roles query + the ALTER ROLE transaction
  Reply swept = Get("database/static-creds/app");
  EXPECT_NE(swept.body["data"]["password"], third);
  EXPECT_EQ(Entries().back().statements,
            std::vector<std::string>{"ALTER ROLE \"app\" WITH PASSWORD '" +
                                     swept.body["data"]["password"].get<std::string>() + "'"});
  EXPECT_EQ(swept.body["data"]["ttl"], 3600);
  EXPECT_EQ(Post("database/rotate-role/none", json::object()).Error(),
            "no static role found for role name: none");
  EXPECT_EQ(List("database/static-roles").body["data"]["keys"], json({"app"}));
}

TEST_F(Database, RotateRootAndReset) {
  ConfigurePg();
  executor_->Clear();
  ASSERT_EQ(Post("database/rotate-root/pg", json::object()).status, 204);
  ASSERT_EQ(Entries().size(), 2u);
  EXPECT_EQ(Entries()[0].kind, "query");
  EXPECT_EQ(Entries()[0].params, std::vector<std::string>{"vault"});
  const std::string rotated = Entries()[1].statements.at(0);
  const std::regex alter(R"re(ALTER ROLE "vault" WITH PASSWORD '([A-Za-z0-9-]{20})')re");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(rotated, m, alter)) << rotated;
  const std::string new_password = m[1];
  EXPECT_EQ(Get("database/config/pg").body.dump().find(new_password), std::string::npos);
  // The next connection uses the new root password.
  RolePg();
  executor_->Clear();
  ASSERT_EQ(Creds().status, 200);
  EXPECT_EQ(Entries()[0].connection_url, "postgresql://vault:" + new_password + "@db:5432/app");
  // reset reconnects at once: a refused connection shows.
  executor_->FailOn(new_password, "connection refused");
  EXPECT_EQ(Post("database/reset/pg", json::object()).status, 500);
  EXPECT_EQ(Post("database/reset/pg", json::object()).status, 204);
  EXPECT_EQ(Post("database/reset/nope", json::object()).Error(),
            "1 error occurred:\n\t* failed to find entry for connection with name: \"nope\"\n\n");
  ASSERT_EQ(Post("database/config/nouser",
                 {{"plugin_name", "postgresql-database-plugin"}, {"connection_url", "postgresql://db/app"}})
                .status,
            204);
  EXPECT_EQ(Post("database/rotate-root/nouser", json::object()).Error(),
            "unable to rotate root credentials: no username in configuration");
}

TEST_F(Database, SurvivesRestartAndStoresNoPlaintextPasswords) {
  SetUpPg();
  RolePg("ro", {{"revocation_statements", R"(DROP ROLE "{{name}}";)"}});
  Reply c = Creds();
  ASSERT_EQ(c.status, 200);
  const std::string user = c.body["data"]["username"];
  const std::string password = c.body["data"]["password"];
  const std::string stored = AllStoredBytes();
  for (const std::string& plain :
       {std::string("root-secret-pw"), password, user, std::string("CREATE ROLE")}) {
    EXPECT_EQ(stored.find(plain), std::string::npos) << "plaintext at rest: " << plain;
  }
  Restart();
  EXPECT_EQ(Get("database/config/pg").body["data"]["allowed_roles"], json({"ro"}));
  EXPECT_EQ(Get("database/roles/ro").body["data"]["db_name"], "pg");
  executor_->Clear();
  ASSERT_EQ(Post("sys/leases/renew", {{"lease_id", c.body["lease_id"]}}).status, 200);
  ASSERT_EQ(Post("sys/leases/revoke", {{"lease_id", c.body["lease_id"]}}).status, 204);
  EXPECT_EQ(Statements(), (std::vector<std::string>{
                              "tx: ALTER ROLE \"" + user + "\" VALID UNTIL '2023-11-14 23:13:20+0000'",
                              "tx: DROP ROLE \"" + user + "\""}));
  EXPECT_EQ(Entries()[0].connection_url, "postgresql://vault:root-secret-pw@db:5432/app");
}

// Connects, but the server refuses every ping (a driver that opens lazily, as Go's sql.Open).
class PingRefused final : public SqlExecutor {
  class Conn final : public SqlConnection {
   public:
    Expected<void> Ping() override {
      return Unexpected(Error::Code::kIo, "pq: password authentication failed");
    }
    Expected<void> ExecuteInTransaction(const std::vector<std::string>&) override { return {}; }
    Expected<void> Execute(const std::string&) override { return {}; }
    Expected<std::vector<SqlRow>> Query(const std::string&, const std::vector<std::string>&) override {
      return std::vector<SqlRow>{};
    }
  };

 public:
  Expected<std::unique_ptr<SqlConnection>> Connect(const SqlConnectionConfig&) override {
    return std::unique_ptr<SqlConnection>(std::make_unique<Conn>());
  }
};

TEST_F(Database, AFailedPingIsReportedAsVaultDoes) {
  core_.reset();
  storage_ = MakeMemoryStorage();
  core_ = std::make_unique<Core>(storage_, clock_, Dialect::kVault, std::make_shared<PingRefused>());
  ASSERT_TRUE(core_->SetUpDev("root"));
  ASSERT_EQ(Post("sys/mounts/database", {{"type", "database"}}).status, 204);
  EXPECT_EQ(
      Post("database/config/pg",
           {{"plugin_name", "postgresql-database-plugin"}, {"connection_url", "postgresql://db/app"}})
          .Error(),
      "error creating database object: error verifying connection: ping failed: pq: password authentication "
      "failed");
}

TEST_F(Database, TheDefaultExecutorReportsAnUnreachableServer) {
  core_.reset();
  storage_ = MakeMemoryStorage();
  core_ = std::make_unique<Core>(storage_, clock_, Dialect::kVault);  // the default executor
  ASSERT_TRUE(core_->SetUpDev("root"));
  ASSERT_EQ(Post("sys/mounts/database", {{"type", "database"}}).status, 204);
  // Port 1 on loopback: refused at once by a real driver too.
  Reply r = Post("database/config/pg", {{"plugin_name", "postgresql-database-plugin"},
                                        {"connection_url", "postgresql://127.0.0.1:1/app"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.Error().find("error verifying connection"), std::string::npos) << r.Error();
}

}  // namespace
}  // namespace polcheck::runtime::testing
