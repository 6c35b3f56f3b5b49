// The file audit device (RUNTIME-API.md §2.8) over real HTTP: sys/audit
// enable/list/disable, one JSON line per request and response, HMAC'd secrets
// and tokens that sys/audit-hash reproduces, and refusal of unaudited requests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/server.h"
#include "tests/runtime/http_client.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Reply;

std::vector<json> ReadLines(const std::filesystem::path& file, const std::string& prefix = "") {
  std::ifstream in(file);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_TRUE(line.starts_with(prefix)) << line;
    json j = json::parse(line.substr(prefix.size()), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    out.push_back(std::move(j));
  }
  return out;
}

std::string Slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Audit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("polcheck-audit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    log_ = dir_ / "audit.log";
    clock_ = std::make_shared<FakeClock>(1'700'000'000);
    auto server = Server::Start({.port = 0, .clock = clock_});
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    Expected<DevSetup> setup = server_->SetUpDev("");  // a random hvs. root token
    ASSERT_TRUE(setup) << setup.error().message;
    root_token_ = setup->root_token;
    unseal_key_ = setup->unseal_key;
    root_ = std::make_unique<Client>(server_->port());
    root_->token = root_token_;
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Enable(const std::string& name, json options) {
    Reply r = root_->Send("PUT", "/v1/sys/audit/" + name, json{{"type", "file"}, {"options", options}}.dump());
    ASSERT_EQ(r.status, 204) << r.body;
  }
  std::string Hash(const std::string& device, const std::string& input) {
    Reply r = root_->Post("sys/audit-hash/" + device, {{"input", input}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Json()["hash"], r.Json()["data"]["hash"]);  // injected at the top level
    return r.Json()["data"]["hash"];
  }

  std::filesystem::path dir_;
  std::filesystem::path log_;
  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> root_;
  std::string root_token_;
  std::string unseal_key_;
};

TEST_F(Audit, EnableListDisable) {
  Enable("file", {{"file_path", log_.string()}});
  Reply list = root_->Get("sys/audit");
  ASSERT_EQ(list.status, 200) << list.body;
  const json expected = {{"type", "file"},
                         {"description", ""},
                         {"options", {{"file_path", log_.string()}}},
                         {"local", false},
                         {"path", "file/"}};
  EXPECT_EQ(list.Json()["data"]["file/"], expected);
  EXPECT_EQ(list.Json()["file/"], expected);  // data injection (§1.3)
  Reply again = root_->Send("PUT", "/v1/sys/audit/file",
                            json{{"type", "file"}, {"options", {{"file_path", log_.string()}}}}.dump());
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.Errors(), std::vector<std::string>{"path already in use"});
  EXPECT_EQ(root_->Delete("sys/audit/file").status, 204);
  EXPECT_EQ(root_->Delete("sys/audit/file").status, 204);  // absent: still 204
  EXPECT_EQ(root_->Get("sys/audit").Json()["data"], json::object());
}

TEST_F(Audit, EnableErrors) {
  auto put = [&](const json& body) { return root_->Send("PUT", "/v1/sys/audit/x", body.dump()); };
  EXPECT_EQ(put({{"options", {{"file_path", log_.string()}}}}).Errors(), std::vector<std::string>{"type is required"});
  EXPECT_EQ(put({{"type", "syslog"}}).Errors(), std::vector<std::string>{"unknown backend type: \"syslog\""});
  EXPECT_EQ(put({{"type", "file"}}).Errors(), std::vector<std::string>{"file_path is required"});
  Reply unwritable = put({{"type", "file"}, {"options", {{"file_path", (dir_ / "no/such/dir/log").string()}}}});
  EXPECT_EQ(unwritable.status, 400);
  EXPECT_TRUE(unwritable.Errors()[0].starts_with("sanity check failed")) << unwritable.body;
  EXPECT_EQ(put({{"type", "file"}, {"options", {{"file_path", log_.string()}, {"format", "xml"}}}}).status, 400);
}

TEST_F(Audit, NeedsSudo) {
  ASSERT_EQ(root_->Post("sys/policies/acl/auditor",
                        {{"policy", R"(path "sys/audit*" { capabilities = ["create", "read", "update", "delete"] })"}})
                .status,
            204);
  Reply created = root_->Post("auth/token/create", {{"policies", {"auditor"}}});
  Client c(server_->port());
  c.token = created.Json()["auth"]["client_token"];
  EXPECT_EQ(c.Get("sys/audit").status, 403);
  EXPECT_EQ(c.Send("PUT", "/v1/sys/audit/f", json{{"type", "file"}, {"options", {{"file_path", "discard"}}}}.dump())
                .status,
            403);
  // sys/audit-hash is not root-protected.
  Enable("file", {{"file_path", "discard"}});
  EXPECT_EQ(c.Post("sys/audit-hash/file", {{"input", "x"}}).status, 200);
}

TEST_F(Audit, NoPlaintextSecretsOrTokensAndHashesMatch) {
  Enable("file", {{"file_path", log_.string()}});
  const std::string secret = "correct-horse-battery-staple";
  ASSERT_EQ(root_->Post("secret/data/app", {{"data", {{"password", secret}, {"port", 5432}}}}).status, 200);
  Reply child = root_->Post("auth/token/create", {{"policies", {"default"}}});
  ASSERT_EQ(child.status, 200) << child.body;
  const std::string child_token = child.Json()["auth"]["client_token"];
  const std::string child_accessor = child.Json()["auth"]["accessor"];
  Client c(server_->port());
  c.token = child_token;
  EXPECT_EQ(c.Get("secret/data/app").status, 403);  // audited with an error
  Reply read = root_->Get("secret/data/app");
  ASSERT_EQ(read.status, 200);
  Reply wrapped = root_->Send("GET", "/v1/secret/data/app", "", {{"X-Vault-Wrap-TTL", "60"}});
  const std::string wrapping_token = wrapped.Json()["wrap_info"]["token"];

  const std::string text = Slurp(log_);
  for (const std::string& plain : {secret, root_token_, child_token, child_accessor, wrapping_token}) {
    EXPECT_EQ(text.find(plain), std::string::npos) << "plaintext in the audit log: " << plain;
  }
  const std::vector<json> lines = ReadLines(log_);
  ASSERT_GE(lines.size(), 12u);
  EXPECT_EQ(lines[0]["request"]["path"], "sys/audit/test");
  // The enabling request was not audited (no device yet), its response was.
  EXPECT_EQ(lines[1]["type"], "response");
  EXPECT_EQ(lines[1]["request"]["path"], "sys/audit/file");
  // Every later request line is followed by its response line, with the same id.
  for (std::size_t i = 2; i + 1 < lines.size(); i += 2) {
    EXPECT_EQ(lines[i]["type"], "request") << lines[i];
    EXPECT_EQ(lines[i + 1]["type"], "response") << lines[i + 1];
    EXPECT_EQ(lines[i]["request"]["id"], lines[i + 1]["request"]["id"]);
  }
  const std::string root_hash = Hash("file", root_token_);
  const std::string secret_hash = Hash("file", secret);
  EXPECT_TRUE(root_hash.starts_with("hmac-sha256:"));
  EXPECT_EQ(root_hash.size(), 12u + 64u);

  // The KV write: request data hashed (strings), numbers in clear.
  const json& write = lines[2];
  EXPECT_EQ(write["request"]["path"], "secret/data/app");
  EXPECT_EQ(write["request"]["operation"], "create");
  EXPECT_EQ(write["request"]["mount_point"], "secret/");
  EXPECT_EQ(write["request"]["mount_type"], "kv");
  EXPECT_EQ(write["request"]["client_token"], root_hash);
  EXPECT_EQ(write["auth"]["client_token"], root_hash);
  EXPECT_EQ(write["auth"]["policies"], json({"root"}));
  EXPECT_EQ(write["request"]["data"]["data"]["password"], secret_hash);
  EXPECT_EQ(write["request"]["data"]["data"]["port"], 5432);
  EXPECT_EQ(write["request"]["remote_address"], "127.0.0.1");
  EXPECT_GT(write["request"]["remote_port"].get<int>(), 0);
  // Its response: timestamps stay in clear.
  EXPECT_FALSE(lines[3]["response"]["data"]["created_time"].get<std::string>().starts_with("hmac-sha256:"));

  // Token creation: the new token and accessor are hashed in the response's auth.
  const json& created = lines[5];
  EXPECT_EQ(created["response"]["auth"]["client_token"], Hash("file", child_token));
  EXPECT_EQ(created["response"]["auth"]["accessor"], Hash("file", child_accessor));
  EXPECT_EQ(created["response"]["auth"]["policies"], json({"default"}));

  // The refused read: request and response carry the error and policy_results.allowed=false.
  const json& denied = lines[6];
  EXPECT_EQ(denied["error"], "1 error occurred:\n\t* permission denied\n\n");
  EXPECT_EQ(denied["auth"]["policy_results"]["allowed"], false);
  EXPECT_EQ(denied["request"]["client_token"], Hash("file", child_token));
  EXPECT_EQ(lines[7]["error"], "1 error occurred:\n\t* permission denied\n\n");

  // The read: the secret in the response data is hashed.
  const json& response = lines[9];
  EXPECT_EQ(response["response"]["data"]["data"]["password"], secret_hash);
  EXPECT_EQ(response["response"]["data"]["data"]["port"], 5432);
  EXPECT_EQ(response["response"]["mount_type"], "kv");

  // The wrapped read: wrap_ttl in the request, the wrapping token hashed in the response.
  EXPECT_EQ(lines[10]["request"]["wrap_ttl"], 60);
  EXPECT_EQ(lines[11]["response"]["wrap_info"]["token"], Hash("file", wrapping_token));
}

TEST_F(Audit, NonUtf8RequestDataIsLoggedNotFatal) {
  Enable("file", {{"file_path", log_.string()}});
  Reply r = root_->Send("POST", "/v1/sys/capabilities-self", "paths=%FF",
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 200) << r.body;
  const std::vector<json> lines = ReadLines(log_);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines.back()["type"], "response");
  EXPECT_EQ(lines.back()["request"]["path"], "sys/capabilities-self");
}

TEST_F(Audit, EachDeviceHasItsOwnSalt) {
  Enable("a", {{"file_path", (dir_ / "a.log").string()}});
  Enable("b", {{"file_path", (dir_ / "b.log").string()}});
  EXPECT_NE(Hash("a", "x"), Hash("b", "x"));
  EXPECT_EQ(Hash("a", "x"), Hash("a", "x"));
  const std::string before = Hash("a", "x");
  ASSERT_EQ(root_->Delete("sys/audit/a").status, 204);
  Reply gone = root_->Post("sys/audit-hash/a", {{"input", "x"}});
  EXPECT_EQ(gone.status, 400);
  Enable("a", {{"file_path", (dir_ / "a.log").string()}});
  EXPECT_NE(Hash("a", "x"), before);  // the salt was discarded with the device
}

TEST_F(Audit, LogRawHmacAccessorPrefixAndElide) {
  Enable("raw", {{"file_path", (dir_ / "raw.log").string()}, {"log_raw", "true"}});
  Enable("plain", {{"file_path", (dir_ / "plain.log").string()},
                   {"hmac_accessor", "false"},
                   {"elide_list_responses", "true"},
                   {"prefix", "AUDIT: "}});
  ASSERT_EQ(root_->Post("secret/data/a", {{"data", {{"k", "visible"}}}}).status, 200);
  ASSERT_EQ(root_->Post("secret/data/b", {{"data", {{"k", "v"}}}}).status, 200);
  Reply created = root_->Post("auth/token/create", {{"policies", {"default"}}});
  const std::string accessor = created.Json()["auth"]["accessor"];
  ASSERT_EQ(root_->List("secret/metadata/").status, 200);

  const std::string raw = Slurp(dir_ / "raw.log");
  EXPECT_NE(raw.find("visible"), std::string::npos);
  EXPECT_NE(raw.find(root_token_), std::string::npos);

  const std::vector<json> lines = ReadLines(dir_ / "plain.log", "AUDIT: ");
  ASSERT_FALSE(lines.empty());
  const std::string plain = Slurp(dir_ / "plain.log");
  EXPECT_EQ(plain.find("visible"), std::string::npos);
  EXPECT_EQ(plain.find(root_token_), std::string::npos);
  EXPECT_NE(plain.find(accessor), std::string::npos);  // hmac_accessor=false leaves accessors in clear
  const json& list_response = lines.back();
  EXPECT_EQ(list_response["request"]["operation"], "list");
  EXPECT_EQ(list_response["response"]["data"]["keys"], 2);  // elided to the count
}

TEST_F(Audit, UnauditableRequestsAreRefused) {
  if (!std::filesystem::exists("/dev/full")) {
    GTEST_SKIP() << "/dev/full is not available";
  }
  Enable("file", {{"file_path", log_.string()}});
  Enable("full", {{"file_path", "/dev/full"}, {"skip_test", "true"}});
  // One device that can write is enough.
  EXPECT_EQ(root_->Get("auth/token/lookup-self").status, 200);
  ASSERT_EQ(root_->Delete("sys/audit/file").status, 204);
  // Now no device can write the request entry: Vault refuses to serve it.
  Reply r = root_->Get("auth/token/lookup-self");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Errors(), std::vector<std::string>{"1 error occurred:\n\t* internal error\n\n"});
  // Unaudited special endpoints still answer.
  EXPECT_EQ(root_->Get("sys/health").status, 200);
}

TEST_F(Audit, DevicesSurviveSealAndUnseal) {
  Enable("file", {{"file_path", log_.string()}});
  const std::string before = Hash("file", "x");
  // Seal, then unseal with the dev key: the device and its salt come back.
  ASSERT_EQ(root_->Send("PUT", "/v1/sys/seal").status, 204);
  EXPECT_EQ(root_->Get("sys/audit").status, 503);
  Reply unsealed = root_->Send("PUT", "/v1/sys/unseal", json{{"key", unseal_key_}}.dump());
  ASSERT_EQ(unsealed.status, 200) << unsealed.body;
  EXPECT_EQ(unsealed.Json()["sealed"], false);
  EXPECT_EQ(Hash("file", "x"), before);
  const std::vector<json> lines = ReadLines(log_);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["request"]["path"], "sys/audit-hash/file");
}

// Issue #7: a mount's audit_non_hmac_request_keys / audit_non_hmac_response_keys (sys/mounts
// tune) leave the values under those keys in clear; every other string is still HMAC'd.
TEST_F(Audit, MountNonHmacKeysStayInClear) {
  Reply tuned = root_->Post("sys/mounts/secret/tune", {{"audit_non_hmac_request_keys", {"username"}},
                                                       {"audit_non_hmac_response_keys", "username,tags"}});
  ASSERT_EQ(tuned.status, 204) << tuned.body;
  ASSERT_EQ(root_->Post("sys/mounts/other", {{"type", "kv-v2"}}).status, 204);
  Enable("file", {{"file_path", log_.string()}});
  const json secret = {{"username", "svc-app"}, {"password", "pw-123"}, {"tags", {"blue", "green"}},
                       {"nested", {{"username", "inner-user"}, {"other", "inner-other"}}}};
  ASSERT_EQ(root_->Post("secret/data/app", {{"data", secret}}).status, 200);
  ASSERT_EQ(root_->Get("secret/data/app").status, 200);
  ASSERT_EQ(root_->Post("other/data/x", {{"data", {{"username", "elsewhere"}}}}).status, 200);

  const std::vector<json> lines = ReadLines(log_);
  ASSERT_GE(lines.size(), 8u);
  const json& write_req = lines[2]["request"]["data"]["data"];
  EXPECT_EQ(write_req["username"], "svc-app");
  EXPECT_EQ(write_req["nested"]["username"], "inner-user") << "the nearest key decides, at any depth";
  EXPECT_EQ(write_req["password"], Hash("file", "pw-123"));
  EXPECT_EQ(write_req["tags"][0], Hash("file", "blue")) << "tags is a response key only";
  EXPECT_EQ(write_req["nested"]["other"], Hash("file", "inner-other"));
  const json& read_resp = lines[5]["response"]["data"]["data"];
  EXPECT_EQ(lines[5]["request"]["operation"], "read");
  EXPECT_EQ(read_resp["username"], "svc-app");
  EXPECT_EQ(read_resp["tags"], json({"blue", "green"})) << "list elements inherit their key";
  EXPECT_EQ(read_resp["password"], Hash("file", "pw-123"));
  const std::string text = Slurp(log_);
  EXPECT_EQ(text.find("pw-123"), std::string::npos);
  EXPECT_EQ(text.find("elsewhere"), std::string::npos) << "other mounts are not affected";

  Reply info = root_->Get("sys/mounts/secret/tune");
  EXPECT_EQ(info.Json()["data"]["audit_non_hmac_request_keys"], json({"username"}));
  EXPECT_EQ(info.Json()["data"]["audit_non_hmac_response_keys"], json({"username", "tags"}));
  ASSERT_EQ(root_->Post("sys/mounts/secret/tune", {{"audit_non_hmac_request_keys", {""}}}).status, 204);
  EXPECT_FALSE(root_->Get("sys/mounts/secret/tune").Json()["data"].contains("audit_non_hmac_request_keys"));
}

}  // namespace
}  // namespace polcheck::runtime
