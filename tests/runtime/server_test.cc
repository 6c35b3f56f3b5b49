// Drives the runtime over real HTTP on 127.0.0.1 (port 0) with MemoryStorage or
// SQLite and a FakeClock.
#include "runtime/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace polcheck::runtime {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;
using tcp = boost::asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
  std::vector<std::string> Errors() const { return Json().value("errors", std::vector<std::string>{}); }
};

class Client {
 public:
  explicit Client(std::uint16_t port) : port_(port) {}
  std::string token;
  bool bearer = false;  // send the token as Authorization: Bearer

  Reply Send(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& content_type = "") {
    boost::asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_));
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty() && bearer) {
      req.set(http::field::authorization, "Bearer " + token);
    } else if (!token.empty()) {
      req.set("X-Vault-Token", token);
    }
    if (!content_type.empty()) {
      req.set(http::field::content_type, content_type);
    }
    req.body() = body;
    req.prepare_payload();
    beast::error_code write_error;  // the server may answer 413 and close before the body is sent
    http::write(socket, req, write_error);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    beast::error_code ec;
    http::read(socket, buffer, parser, ec);
    return {ec ? -1 : static_cast<int>(parser.get().result_int()), parser.get().body()};
  }
  Reply Get(const std::string& path) { return Send("GET", "/v1/" + path); }
  Reply List(const std::string& path) { return Send("LIST", "/v1/" + path); }
  Reply Post(const std::string& path, const json& body) { return Send("POST", "/v1/" + path, body.dump()); }
  Reply Delete(const std::string& path) { return Send("DELETE", "/v1/" + path); }

 private:
  std::uint16_t port_;
};

const std::string kDenied = "1 error occurred:\n\t* permission denied\n\n";

class RuntimeServer : public ::testing::Test {
 protected:
  void SetUp() override { Start(MakeMemoryStorage(), true); }
  void Start(std::shared_ptr<Storage> storage, bool dev) {
    clock_ = std::make_shared<FakeClock>(1'700'000'000);
    auto server = Server::Start({.port = 0, .storage = std::move(storage), .clock = clock_});
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    client_ = std::make_unique<Client>(server_->port());
    if (dev) {
      Expected<DevSetup> setup = server_->SetUpDev("root");
      ASSERT_TRUE(setup) << setup.error().message;
      client_->token = "root";
    }
  }
  // A token with exactly `policies` (no default), created by root.
  std::string TokenWith(const std::vector<std::string>& policies, json extra = json::object()) {
    extra["policies"] = policies;
    extra["no_default_policy"] = true;
    Reply r = client_->Post("auth/token/create", extra);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json()["auth"]["client_token"];
  }

  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(RuntimeServer, TransportErrors) {
  Client& c = *client_;
  EXPECT_EQ(c.Send("GET", "/nope").status, 404);
  Reply bad_method = c.Send("FROB", "/v1/secret/data/a");
  EXPECT_EQ(bad_method.status, 405);
  EXPECT_EQ(bad_method.body, R"({"errors":[]})");
  Reply malformed = c.Send("POST", "/v1/secret/data/a", "{not json");
  EXPECT_EQ(malformed.status, 400);
  ASSERT_EQ(malformed.Errors().size(), 1u);
  EXPECT_TRUE(malformed.Errors()[0].starts_with("failed to parse JSON input")) << malformed.body;
  Reply huge = c.Send("POST", "/v1/secret/data/a", std::string(33u << 20, 'x'));
  EXPECT_EQ(huge.status, 413);
  Reply no_mount = c.Get("nomount/x");
  EXPECT_EQ(no_mount.status, 404);
  EXPECT_EQ(no_mount.Errors()[0], "1 error occurred:\n\t* no handler for route \"nomount/x\". route entry not found.\n\n");
  EXPECT_EQ(c.Get("sys/nosuch").status, 404);
  EXPECT_EQ(c.Get("sys/nosuch").Errors()[0], "1 error occurred:\n\t* unsupported path\n\n");
  EXPECT_EQ(c.Get("auth/token/create").status, 405);
  EXPECT_EQ(c.Send("GET", "/v1/sys/policies/acl?list=maybe").status, 400);
  // Still serving after all of that.
  EXPECT_EQ(c.Get("sys/health").status, 200);
}

TEST_F(RuntimeServer, TokensMissingOrInvalid) {
  Client anon(server_->port());
  Reply none = anon.Get("secret/data/a");
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(none.Errors()[0], kDenied);
  anon.token = "hvs.bogus";
  Reply bogus = anon.Get("secret/data/a");
  EXPECT_EQ(bogus.status, 403);
  EXPECT_NE(bogus.Errors()[0].find("invalid token"), std::string::npos);
  Client bearer(server_->port());
  bearer.token = "root";
  bearer.bearer = true;
  Reply self = bearer.Get("auth/token/lookup-self");
  EXPECT_EQ(self.Json()["data"]["policies"], json({"root"}));
}

TEST_F(RuntimeServer, TokenLifecycle) {
  Client& c = *client_;
  ASSERT_EQ(c.Post("sys/policies/acl/a", {{"policy", R"(path "auth/token/create" { capabilities = ["update"] })"}}).status, 204);
  Reply created = c.Post("auth/token/create", {{"policies", "a, B"}, {"ttl", "1h"}, {"meta", {{"k", "v"}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  const json auth = created.Json()["auth"];
  EXPECT_EQ(auth["policies"], json({"a", "b", "default"}));
  EXPECT_EQ(auth["lease_duration"], 3600);
  EXPECT_EQ(auth["orphan"], false);
  EXPECT_EQ(created.Json()["warnings"], json({"Policy \"b\" does not exist"}));
  const std::string child = auth["client_token"];
  Client cc(server_->port());
  cc.token = child;
  Reply self = cc.Get("auth/token/lookup-self");
  ASSERT_EQ(self.status, 200) << self.body;
  EXPECT_EQ(self.Json()["data"]["id"], child);
  EXPECT_EQ(self.Json()["data"]["ttl"], 3600);
  EXPECT_EQ(self.Json()["data"]["meta"]["k"], "v");
  // A child cannot widen its policies; a grandchild is revoked with its parent.
  EXPECT_EQ(cc.Post("auth/token/create", {{"policies", {"c"}}}).Errors()[0],
            "child policies must be subset of parent");
  Reply grandchild = cc.Post("auth/token/create", {{"policies", {"a"}}});
  EXPECT_EQ(grandchild.status, 200) << grandchild.body;
  EXPECT_EQ(grandchild.Json()["auth"]["policies"], json({"a", "default"}));
  Client none(server_->port());
  none.token = TokenWith({"default"});
  EXPECT_EQ(none.Post("auth/token/create", json::object()).Errors()[0], kDenied);
  Reply looked = c.Post("auth/token/lookup-accessor", {{"accessor", auth["accessor"]}});
  EXPECT_EQ(looked.Json()["data"]["id"], "");
  EXPECT_EQ(c.Post("auth/token/lookup", {{"token", child}}).Json()["data"]["accessor"], auth["accessor"]);
  // Expiry with the fake clock.
  clock_->Advance(std::chrono::seconds(3601));
  EXPECT_EQ(cc.Get("auth/token/lookup-self").status, 403);
  // Revocation cascades to children.
  const std::string parent = TokenWith({"root"});
  Client pc(server_->port());
  pc.token = parent;
  const std::string kid = pc.Post("auth/token/create", {{"policies", {"x"}}}).Json()["auth"]["client_token"];
  EXPECT_EQ(c.Post("auth/token/revoke", {{"token", parent}}).status, 204);
  EXPECT_EQ(c.Post("auth/token/lookup", {{"token", kid}}).status, 403);
  // revoke-self and num_uses.
  const std::string once = TokenWith({"default"}, {{"num_uses", 1}});
  Client oc(server_->port());
  oc.token = once;
  EXPECT_EQ(oc.Get("auth/token/lookup-self").status, 200);
  EXPECT_EQ(oc.Get("auth/token/lookup-self").status, 403);
  const std::string self_revoker = TokenWith({"default"});
  Client sc(server_->port());
  sc.token = self_revoker;
  EXPECT_EQ(sc.Post("auth/token/revoke-self", json::object()).status, 204);
  EXPECT_EQ(sc.Get("auth/token/lookup-self").status, 403);
}

TEST_F(RuntimeServer, PolicyWriteReadListDeleteAndParseErrors) {
  Client& c = *client_;
  Reply bad = c.Post("sys/policies/acl/broken", {{"policy", R"(path "a" { capabilities = ["fly"] })"}});
  EXPECT_EQ(bad.status, 400);
  ASSERT_EQ(bad.Errors().size(), 1u);
  EXPECT_NE(bad.Errors()[0].find("fly"), std::string::npos) << bad.body;
  EXPECT_EQ(c.Post("sys/policies/acl/empty", json::object()).Errors()[0], "'policy' parameter not supplied or empty");
  EXPECT_EQ(c.Post("sys/policies/acl/Reader", {{"policy", R"(path "secret/data/*" { capabilities = ["read"] })"}})
                .Json()["warnings"][0],
            "policy name was converted to reader");
  Reply read = c.Get("sys/policies/acl/reader");
  EXPECT_EQ(read.Json()["data"]["name"], "reader");
  Reply list = c.List("sys/policies/acl");
  EXPECT_EQ(list.Json()["data"]["keys"], json({"default", "reader", "root"}));
  EXPECT_EQ(c.Delete("sys/policies/acl/default").Errors()[0], "cannot delete default policy");
  EXPECT_EQ(c.Delete("sys/policies/acl/reader").status, 204);
  EXPECT_EQ(c.Get("sys/policies/acl/reader").body, R"({"errors":[]})");
}

TEST_F(RuntimeServer, EnforcementAndCapabilities) {
  Client& c = *client_;
  ASSERT_EQ(c.Post("sys/policies/acl/app", {{"policy", R"(
path "secret/data/app/*" { capabilities = ["read", "create"] }
path "secret/metadata/app/*" { capabilities = ["list"] }
path "sys/seal" { capabilities = ["update"] }
)"}}).status, 204);
  ASSERT_EQ(c.Post("secret/data/app/one", {{"data", {{"k", "v"}}}}).status, 200);
  Client app(server_->port());
  app.token = TokenWith({"app", "default"});
  EXPECT_EQ(app.Get("secret/data/app/one").Json()["data"]["data"]["k"], "v");
  Reply denied = app.Get("secret/data/other");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Errors()[0], kDenied);
  // create is granted, update is not: the existence check decides.
  EXPECT_EQ(app.Post("secret/data/app/two", {{"data", {{"a", 1}}}}).status, 200);
  EXPECT_EQ(app.Post("secret/data/app/two", {{"data", {{"a", 2}}}}).status, 403);
  EXPECT_EQ(app.List("secret/metadata/app").Json()["data"]["keys"], json({"one", "two"}));
  // Unknown mounts are 403 for a non-root token (ACL before routing).
  EXPECT_EQ(app.Get("nomount/x").status, 403);
  // sys/seal needs sudo.
  EXPECT_EQ(app.Post("sys/seal", json::object()).status, 403);
  Reply caps = app.Post("sys/capabilities-self", {{"paths", {"secret/data/app/x"}}});
  EXPECT_EQ(caps.Json()["capabilities"], json({"create", "read"}));
  EXPECT_EQ(caps.Json()["data"]["secret/data/app/x"], json({"create", "read"}));
  Reply other = c.Post("sys/capabilities", {{"token", app.token}, {"paths", {"secret/data/zzz", "secret/data/app/y"}}});
  EXPECT_EQ(other.Json()["secret/data/zzz"], json({"deny"}));
  EXPECT_FALSE(other.Json()["data"].contains("capabilities"));
  EXPECT_EQ(c.Post("sys/capabilities-self", {{"paths", {"x"}}}).Json()["capabilities"], json({"root"}));
}

TEST_F(RuntimeServer, KvV2RoundTrips) {
  Client& c = *client_;
  Reply v1 = c.Post("secret/data/team/db", {{"data", {{"user", "u"}, {"pass", "p1"}}}, {"options", {{"cas", 0}}}});
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(v1.Json()["data"]["version"], 1);
  EXPECT_EQ(c.Post("secret/data/team/db", {{"data", {{"x", 1}}}, {"options", {{"cas", 0}}}}).Errors()[0],
            "check-and-set parameter did not match the current version");
  EXPECT_EQ(c.Post("secret/data/team/db", {{"data", {{"pass", "p2"}}}, {"options", {{"cas", 1}}}}).status, 200);
  Reply read = c.Get("secret/data/team/db");
  EXPECT_EQ(read.Json()["data"]["data"], json({{"pass", "p2"}}));
  EXPECT_EQ(read.Json()["data"]["metadata"]["version"], 2);
  EXPECT_EQ(c.Get("secret/data/team/db?version=1").Json()["data"]["data"]["pass"], "p1");
  Reply patched = c.Send("PATCH", "/v1/secret/data/team/db", json{{"data", {{"user", "u2"}}}}.dump(),
                         "application/merge-patch+json");
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(c.Send("PATCH", "/v1/secret/data/team/db", "{}").status, 415);
  EXPECT_EQ(c.Get("secret/data/team/db").Json()["data"]["data"], json({{"pass", "p2"}, {"user", "u2"}}));
  // LIST verb and ?list=true agree.
  ASSERT_EQ(c.Post("secret/data/top", {{"data", {{"a", "b"}}}}).status, 200);
  EXPECT_EQ(c.List("secret/metadata/").Json()["data"]["keys"], json({"team/", "top"}));
  EXPECT_EQ(c.Get("secret/metadata?list=true").Json()["data"]["keys"], json({"team/", "top"}));
  EXPECT_EQ(c.List("secret/metadata/none").body, R"({"errors":[]})");
  // Soft delete -> 404 with the envelope; undelete; destroy.
  EXPECT_EQ(c.Delete("secret/data/team/db").status, 204);
  Reply deleted = c.Get("secret/data/team/db");
  EXPECT_EQ(deleted.status, 404);
  EXPECT_FALSE(deleted.Json().contains("errors"));
  EXPECT_NE(deleted.Json()["data"]["metadata"]["deletion_time"], "");
  EXPECT_EQ(c.Post("secret/undelete/team/db", {{"versions", {3}}}).status, 204);
  EXPECT_EQ(c.Get("secret/data/team/db").status, 200);
  EXPECT_EQ(c.Post("secret/destroy/team/db", {{"versions", {1}}}).status, 204);
  EXPECT_EQ(c.Get("secret/data/team/db?version=1").Json()["data"]["metadata"]["destroyed"], true);
  EXPECT_EQ(c.Post("secret/delete/team/db", json::object()).Errors()[0], "No version number provided");
  Reply meta = c.Get("secret/metadata/team/db");
  EXPECT_EQ(meta.Json()["data"]["current_version"], 3);
  EXPECT_EQ(meta.Json()["data"]["versions"].size(), 3u);
  EXPECT_EQ(c.Delete("secret/metadata/team/db").status, 204);
  EXPECT_EQ(c.Get("secret/data/team/db").status, 404);
  Reply invalid = c.Get("secret/raw-path");
  EXPECT_EQ(invalid.status, 404);
  EXPECT_EQ(invalid.Json()["warnings"].size(), 1u);
}

TEST_F(RuntimeServer, HealthAndSealUnseal) {
  Client& c = *client_;
  EXPECT_EQ(c.Get("sys/seal-status").Json()["sealed"], false);
  EXPECT_EQ(c.Post("sys/init", {{"secret_shares", 1}, {"secret_threshold", 1}}).Errors()[0],
            "Vault is already initialized");
  EXPECT_EQ(c.Post("sys/seal", json::object()).status, 204);
  EXPECT_EQ(c.Get("sys/health").status, 503);
  EXPECT_EQ(c.Get("secret/data/x").Errors()[0], "Vault is sealed");
  EXPECT_EQ(c.Post("sys/unseal", json::object()).status, 400);
  EXPECT_EQ(c.Post("sys/unseal", {{"key", "zz!"}}).Errors()[0], "'key' must be a valid hex or base64 string");
  EXPECT_EQ(c.Post("sys/unseal", {{"key", std::string(64, 'a')}}).status, 400);  // wrong key
}

TEST(RuntimeSeal, ShamirInitUnsealAndNoPlaintextInSqlite) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("polcheck-runtime-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "vault.db";
  std::string root;
  std::string child;
  {
    Expected<std::shared_ptr<Storage>> storage = OpenSqliteStorage(file);
    ASSERT_TRUE(storage) << storage.error().message;
    auto server = Server::Start({.port = 0, .storage = *storage});
    ASSERT_TRUE(server);
    Client c((*server)->port());
    EXPECT_EQ(c.Get("sys/health").status, 501);
    Reply init = c.Post("sys/init", {{"secret_shares", 3}, {"secret_threshold", 2}});
    ASSERT_EQ(init.status, 200) << init.body;
    const json keys = init.Json()["keys"];
    root = init.Json()["root_token"];
    EXPECT_EQ(c.Get("sys/seal-status").Json()["t"], 2);
    EXPECT_EQ(c.Post("sys/unseal", {{"key", keys[0]}}).Json()["progress"], 1);
    Reply unsealed = c.Post("sys/unseal", {{"key", init.Json()["keys_base64"][2]}});
    EXPECT_EQ(unsealed.Json()["sealed"], false) << unsealed.body;
    c.token = root;
    Reply created = c.Post("auth/token/create", {{"policies", {"default"}}});
    child = created.Json()["auth"]["client_token"];
    ASSERT_EQ(c.Post("sys/policies/acl/kvsecretpolicy", {{"policy", R"(path "PLAINPOLICYPATH" { capabilities = ["read"] })"}}).status, 204);
    // No KV mount outside dev mode yet: the route is unknown.
    EXPECT_EQ(c.Get("secret/data/x").status, 404);
  }
  {
    // Reopen: sealed, and unsealing with a threshold of shares restores access.
    Expected<std::shared_ptr<Storage>> storage = OpenSqliteStorage(file);
    ASSERT_TRUE(storage);
    auto server = Server::Start({.port = 0, .storage = *storage});
    ASSERT_TRUE(server);
    Client c((*server)->port());
    c.token = root;
    EXPECT_EQ(c.Get("auth/token/lookup-self").status, 503);
  }
  std::string bytes;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(file.string() + suffix, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    bytes += s.str();
  }
  ASSERT_GT(bytes.size(), 0u);
  for (const std::string& needle : {root, child, std::string("PLAINPOLICYPATH"), std::string("capabilities")}) {
    EXPECT_EQ(bytes.find(needle), std::string::npos) << needle;
  }
  std::filesystem::remove_all(dir);
}

TEST(RuntimeSeal, KvSecretNeverReachesSqliteInPlaintext) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("polcheck-runtime-kv-" + std::to_string(::getpid()) + ".db");
  std::string bytes;
  {
    Expected<std::shared_ptr<Storage>> storage = OpenSqliteStorage(file);
    ASSERT_TRUE(storage);
    auto server = Server::Start({.port = 0, .storage = *storage});
    ASSERT_TRUE(server);
    Expected<DevSetup> dev = (*server)->SetUpDev("");
    ASSERT_TRUE(dev);
    Client c((*server)->port());
    c.token = dev->root_token;
    ASSERT_EQ(c.Post("secret/data/app", {{"data", {{"password", "S3CRET-VALUE-42"}}}}).status, 200);
    EXPECT_EQ(c.Get("secret/data/app").Json()["data"]["data"]["password"], "S3CRET-VALUE-42");
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(file.string() + suffix, std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      bytes += s.str();
    }
    EXPECT_EQ(bytes.find(dev->root_token), std::string::npos);
  }
  EXPECT_EQ(bytes.find("S3CRET-VALUE-42"), std::string::npos);
  EXPECT_EQ(bytes.find("password"), std::string::npos);
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");
}

}  // namespace
}  // namespace polcheck::runtime
