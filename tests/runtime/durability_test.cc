// Persistence of the runtime: the file storage on its own, the server config
// file, and a crash test — a child `polcheck serve --config` with file (or
// SQLite) storage takes KV writes, is killed with SIGKILL mid-stream, restarts
// and unseals; every acknowledged write must read back, and the storage must
// hold no plaintext secret or token.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "runtime/config.h"
#include "runtime/storage.h"
#include "tests/runtime/http_client.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Reply;
namespace fs = std::filesystem;

fs::path TempDir(const std::string& tag) {
  fs::path dir = fs::temp_directory_path() /
                 ("polcheck-" + tag + "-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// ---- file storage --------------------------------------------------------------------------

TEST(FileStorage, RoundTripListAndDelete) {
  const fs::path dir = TempDir("fs");
  Expected<std::shared_ptr<Storage>> opened = OpenFileStorage(dir / "data");
  ASSERT_TRUE(opened) << opened.error().message;
  Storage& s = **opened;
  ASSERT_TRUE(s.Put("core/keyring", std::string("\0bin\xff", 5)));
  ASSERT_TRUE(s.Put("logical/kv/a", "1"));
  ASSERT_TRUE(s.Put("logical/kv/b/c", "2"));
  ASSERT_TRUE(s.Put("logical/kv/b/c", "3"));  // replace
  EXPECT_EQ(*s.Get("core/keyring"), std::string("\0bin\xff", 5));
  EXPECT_EQ(*s.Get("logical/kv/b/c"), "3");
  EXPECT_EQ(*s.Get("logical/kv/zzz"), std::nullopt);
  EXPECT_EQ(*s.Get("logical/kv/a/deeper"), std::nullopt);  // a value is not a folder
  EXPECT_EQ(*s.List(""), (std::vector<std::string>{"core/", "logical/"}));
  EXPECT_EQ(*s.List("logical/kv/"), (std::vector<std::string>{"a", "b/"}));
  EXPECT_EQ(*s.List("nothing/"), std::vector<std::string>{});
  ASSERT_TRUE(s.Delete("logical/kv/b/c"));
  ASSERT_TRUE(s.Delete("logical/kv/b/c"));  // absent: fine
  EXPECT_EQ(*s.List("logical/kv/"), std::vector<std::string>{"a"});  // the empty folder went too
  fs::remove_all(dir);
}

TEST(FileStorage, NamesThatLookLikeInternalFilesDoNotCollide) {
  const fs::path dir = TempDir("fs");
  Expected<std::shared_ptr<Storage>> opened = OpenFileStorage(dir);
  ASSERT_TRUE(opened);
  Storage& s = **opened;
  ASSERT_TRUE(s.Put("a/b", "value b"));
  ASSERT_TRUE(s.Put("a/_b/c", "value _b/c"));
  ASSERT_TRUE(s.Put("a/~x/y", "value ~x/y"));
  ASSERT_TRUE(s.Put("a/.tmp-q/y", "value .tmp-q/y"));
  EXPECT_EQ(*s.Get("a/b"), "value b");
  EXPECT_EQ(*s.Get("a/_b/c"), "value _b/c");
  EXPECT_EQ(*s.Get("a/~x/y"), "value ~x/y");
  EXPECT_EQ(*s.List("a/"), (std::vector<std::string>{".tmp-q/", "_b/", "b", "~x/"}));
  EXPECT_EQ(*s.List("a/_b/"), std::vector<std::string>{"c"});
  fs::remove_all(dir);
}

TEST(FileStorage, RefusesKeysThatEscapeTheFolder) {
  const fs::path dir = TempDir("fs");
  Expected<std::shared_ptr<Storage>> opened = OpenFileStorage(dir / "data");
  ASSERT_TRUE(opened);
  Storage& s = **opened;
  for (const std::string& key : std::vector<std::string>{"../x", "a/../../x", "a//b", "a/./b", "", std::string("a\0b", 3), "a/"}) {
    Expected<void> put = s.Put(key, "x");
    ASSERT_FALSE(put) << key;
    EXPECT_EQ(put.error().code, Error::Code::kInvalidArgument) << key;
    EXPECT_FALSE(s.Get(key)) << key;
  }
  EXPECT_FALSE(fs::exists(dir / "x"));
  fs::remove_all(dir);
}

TEST(FileStorage, BehavesLikeMemoryStorageOnRandomOperations) {
  const fs::path dir = TempDir("fs");
  Expected<std::shared_ptr<Storage>> opened = OpenFileStorage(dir);
  ASSERT_TRUE(opened);
  std::shared_ptr<Storage> file = *opened;
  std::shared_ptr<Storage> memory = MakeMemoryStorage();
  std::mt19937 rng(7);
  const std::vector<std::string> segments = {"a", "b", "_c", "~d", "e.f"};
  auto key = [&] {
    std::string k;
    const int depth = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < depth; ++i) {
      k += (i ? "/" : "") + segments[rng() % segments.size()];
    }
    return k;
  };
  for (int step = 0; step < 200; ++step) {
    const std::string k = key();
    switch (rng() % 3) {
      case 0: {
        const std::string v = "v" + std::to_string(step);
        EXPECT_EQ(bool(file->Put(k, v)), bool(memory->Put(k, v))) << k;
        break;
      }
      case 1:
        EXPECT_TRUE(file->Delete(k));
        EXPECT_TRUE(memory->Delete(k));
        break;
      default:
        EXPECT_EQ(*file->Get(k), *memory->Get(k)) << k;
    }
    const std::string folder = k.substr(0, k.rfind('/') + 1);
    // A key may also be a folder ("a" and "a/b"): both stores list it twice.
    EXPECT_EQ(*file->List(folder), *memory->List(folder)) << folder << " at step " << step;
  }
  fs::remove_all(dir);
}

// ---- server config -------------------------------------------------------------------------

struct Parsed {
  std::optional<ServerConfig> config;
  std::string diagnostics;
};

Parsed Parse(const std::string& name, const std::string& text) {
  SourceSet sources;
  DiagnosticSink sink;
  Parsed out;
  out.config = ParseServerConfig(sources.file(sources.Add(name, text)), sink);
  for (const Diagnostic& d : sink.SortedByLocation()) {
    out.diagnostics += RenderDiagnostic(d, sources);
  }
  return out;
}

TEST(ServerConfig, HclLikeVault) {
  Parsed p = Parse("/etc/polcheck/server.hcl", R"(
storage "file" {
  path = "data"
}
listener "tcp" {
  address          = "0.0.0.0:8300"
  tls_disable      = "true"
  max_request_size = 1048576
}
mount "secret" { type = "kv-v2" }
api_addr = "http://127.0.0.1:8300"
disable_mlock = true
)");
  ASSERT_TRUE(p.config) << p.diagnostics;
  EXPECT_EQ(p.diagnostics, "");
  EXPECT_EQ(p.config->storage_type, "file");
  EXPECT_EQ(p.config->storage_path, "/etc/polcheck/data");
  EXPECT_EQ(p.config->host, "0.0.0.0");
  EXPECT_EQ(p.config->port, 8300);
  EXPECT_EQ(p.config->max_request_bytes, 1048576u);
  EXPECT_EQ(p.config->init_kv_mounts, (std::map<std::string, std::string>{{"secret/", "2"}}));
}

TEST(ServerConfig, JsonLikeVault) {
  Parsed p = Parse("server.json", R"({
  "storage": {"sqlite": {"path": "/var/lib/polcheck/vault.db"}},
  "listener": {"tcp": {"address": "127.0.0.1:8201", "tls_disable": true}},
  "dialect": "openbao"
})");
  ASSERT_TRUE(p.config) << p.diagnostics;
  EXPECT_EQ(p.config->storage_type, "sqlite");
  EXPECT_EQ(p.config->storage_path, "/var/lib/polcheck/vault.db");
  EXPECT_EQ(p.config->port, 8201);
  EXPECT_EQ(p.config->dialect, Dialect::kOpenBao);
}

TEST(ServerConfig, ErrorsNameFileLineAndColumn) {
  Parsed bad_type = Parse("s.hcl", "storage \"consul\" {\n  path = \"x\"\n}\n");
  EXPECT_FALSE(bad_type.config);
  EXPECT_EQ(bad_type.diagnostics,
            "s.hcl:1:9: error: unsupported storage type \"consul\": expected \"file\", \"sqlite\" or \"inmem\" "
            "[config-storage]\n"
            "  1 | storage \"consul\" {\n"
            "    |         ^~~~~~~~\n");
  Parsed tls = Parse("s.hcl", "storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_cert_file = \"c.pem\"\n}\n");
  EXPECT_FALSE(tls.config);
  EXPECT_NE(tls.diagnostics.find(
                "s.hcl:2:10: error: 'tls_key_file' must be set (or tls_disable = true for plain HTTP)"),
            std::string::npos)
      << tls.diagnostics;
  Parsed address = Parse("s.hcl", "storage \"inmem\" {}\nlistener \"tcp\" { address = \"8200\" }\n");
  EXPECT_NE(address.diagnostics.find("s.hcl:2:28: error: expected address = \"HOST:PORT\""), std::string::npos)
      << address.diagnostics;
  Parsed none = Parse("s.hcl", "ui = true\n");
  EXPECT_FALSE(none.config);
  EXPECT_NE(none.diagnostics.find("expected a storage block"), std::string::npos) << none.diagnostics;
  Parsed no_path = Parse("s.hcl", "storage \"file\" {}\n");
  EXPECT_NE(no_path.diagnostics.find("storage \"file\" needs a path"), std::string::npos) << no_path.diagnostics;
  Parsed syntax = Parse("s.hcl", "storage \"file\" {\n  path = \n");
  EXPECT_FALSE(syntax.config);
  EXPECT_TRUE(syntax.diagnostics.starts_with("s.hcl:")) << syntax.diagnostics;
  Parsed unknown = Parse("s.hcl", "storage \"inmem\" {}\nseal \"awskms\" {}\n");
  ASSERT_TRUE(unknown.config);
  EXPECT_NE(unknown.diagnostics.find("s.hcl:2:1: warning: unknown or unsupported server config key \"seal\""),
            std::string::npos)
      << unknown.diagnostics;
}

// ---- crash durability ----------------------------------------------------------------------

std::string ReadAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The port a child server printed (VAULT_ADDR='http://127.0.0.1:PORT') in `log`
// after byte `from`: children listen on port 0, so parallel tests never collide.
// 0 when nothing was printed within 20 s.
std::uint16_t StartedPort(const fs::path& log, std::size_t from) {
  for (int i = 0; i < 800; ++i) {
    const std::string text = ReadAll(log);
    const std::size_t at = text.size() > from ? text.find("VAULT_ADDR='http://127.0.0.1:", from) : std::string::npos;
    if (at != std::string::npos) {
      const std::size_t end = text.find('\'', at + 29);
      if (end != std::string::npos) {
        return static_cast<std::uint16_t>(std::stoi(text.substr(at + 29, end - at - 29)));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return 0;
}

std::size_t FileSize(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

class Child {
 public:
  Child(const fs::path& config, const fs::path& log) : Child({"serve", "--config", config.string()}, log) {}
  Child(std::vector<std::string> args, const fs::path& log) {
    args.insert(args.begin(), POLCHECK_BINARY);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& a : args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      ::execv(POLCHECK_BINARY, argv.data());
      ::_exit(127);
    }
  }
  ~Child() { Kill(SIGKILL); }
  void Kill(int signal) {
    if (pid_ > 0) {
      ::kill(pid_, signal);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
};

class Durability : public ::testing::TestWithParam<std::string> {};

TEST_P(Durability, AcknowledgedKvWritesSurviveSigkill) {
  const std::string storage = GetParam();
  const fs::path dir = TempDir("durable-" + storage);
  const fs::path config = dir / "server.hcl";
  const std::string data_path = storage == "file" ? "data" : "vault.db";
  std::ofstream(config) << "storage \"" << storage << "\" {\n  path = \"" << data_path << "\"\n}\n"
                        << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                        << "mount \"secret/\" { type = \"kv-v2\" }\n";
  // The recording SQL executor: the database engine's secrets are scanned for too.
  const std::vector<std::string> args = {"serve", "--config", config.string(), "--db-executor", "recording"};
  auto child = std::make_unique<Child>(args, dir / "server.log");
  const std::uint16_t port = StartedPort(dir / "server.log", 0);
  ASSERT_NE(port, 0) << ReadAll(dir / "server.log");
  Client c(port);
  Reply init = c.Send("PUT", "/v1/sys/init", R"({"secret_shares":1,"secret_threshold":1})");
  ASSERT_EQ(init.status, 200) << init.body;
  const std::string key = init.Json()["keys"][0];
  const std::string root = init.Json()["root_token"];
  ASSERT_EQ(c.Send("PUT", "/v1/sys/unseal", json{{"key", key}}.dump()).status, 200);
  c.token = root;
  ASSERT_EQ(c.Send("PUT", "/v1/sys/audit/file",
                   json{{"type", "file"}, {"options", {{"file_path", (dir / "audit.log").string()}}}}.dump())
                .status,
            204);
  const std::string hash_before = c.Post("sys/audit-hash/file", {{"input", "x"}}).Json()["data"]["hash"];
  ASSERT_EQ(c.Post("sys/mounts/database", {{"type", "database"}}).status, 204);
  ASSERT_EQ(c.Post("database/config/pg", {{"plugin_name", "postgresql-database-plugin"},
                                          {"connection_url", "postgresql://{{username}}:{{password}}@db/app"},
                                          {"username", "vault"},
                                          {"password", "plaintext-db-root-pw"},
                                          {"allowed_roles", "ro"}})
                .status,
            204);
  ASSERT_EQ(c.Post("database/roles/ro", {{"db_name", "pg"}, {"creation_statements", "CREATE ROLE \"{{name}}\";"}})
                .status,
            204);
  Reply creds = c.Get("database/creds/ro");
  ASSERT_EQ(creds.status, 200) << creds.body;
  const std::string db_password = creds.Json()["data"]["password"];
  const std::string lease_id = creds.Json()["lease_id"];

  // Writers until SIGKILL: remember what the server acknowledged.
  std::mutex mu;
  std::map<std::string, std::string> acknowledged;
  std::atomic<bool> stop = false;
  std::atomic<int> attempts = 0;
  auto writer = [&](int id) {
    for (int i = 0; !stop; ++i) {
      const std::string name = "w" + std::to_string(id) + "-" + std::to_string(i);
      const std::string value = "plaintext-secret-" + name + "-" + std::to_string(std::random_device{}());
      ++attempts;
      Reply r = c.Post("secret/data/" + name, {{"data", {{"value", value}}}});
      if (r.status == 200) {
        std::lock_guard lock(mu);
        acknowledged[name] = value;
      }
    }
  };
  std::thread w1(writer, 1);
  std::thread w2(writer, 2);
  while (true) {
    {
      std::lock_guard lock(mu);
      if (acknowledged.size() >= 100) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  child->Kill(SIGKILL);  // mid-stream: writes are in flight
  stop = true;
  w1.join();
  w2.join();
  ASSERT_GE(acknowledged.size(), 100u);

  const std::size_t log_size = FileSize(dir / "server.log");
  child = std::make_unique<Child>(args, dir / "server.log");
  const std::uint16_t restarted = StartedPort(dir / "server.log", log_size);
  ASSERT_NE(restarted, 0) << ReadAll(dir / "server.log");
  c = Client(restarted);
  Reply status = c.Get("sys/seal-status");
  EXPECT_EQ(status.Json()["initialized"], true);
  EXPECT_EQ(status.Json()["sealed"], true);
  EXPECT_EQ(c.Get("secret/data/w1-0").status, 503);
  ASSERT_EQ(c.Send("PUT", "/v1/sys/unseal", json{{"key", key}}.dump()).Json()["sealed"], false);
  c.token = root;
  for (const auto& [name, value] : acknowledged) {
    Reply r = c.Get("secret/data/" + name);
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    EXPECT_EQ(r.Json()["data"]["data"]["value"], value) << name;
  }
  // The database config, role and lease came back too.
  EXPECT_EQ(c.Get("database/roles/ro").status, 200);
  EXPECT_EQ(c.Post("sys/leases/lookup", {{"lease_id", lease_id}}).status, 200);
  // The audit device and its salt came back with the unseal.
  EXPECT_EQ(c.Post("sys/audit-hash/file", {{"input", "x"}}).Json()["data"]["hash"], hash_before);
  child.reset();

  // Nothing in the storage is readable without the keys.
  std::vector<std::string> plain = {root, "plaintext-secret-", key, "plaintext-db-root-pw", db_password};
  for (const auto& [name, value] : acknowledged) {
    plain.push_back(value);
  }
  std::size_t files = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == "audit.log" ||
        entry.path().filename() == "server.log" || entry.path().filename() == "server.hcl") {
      continue;
    }
    ++files;
    const std::string bytes = ReadAll(entry.path());
    for (const std::string& p : plain) {
      EXPECT_EQ(bytes.find(p), std::string::npos) << entry.path() << " holds " << p;
    }
  }
  EXPECT_GT(files, 0u);
  const std::string audit = ReadAll(dir / "audit.log");
  EXPECT_EQ(audit.find("plaintext-secret-"), std::string::npos);
  EXPECT_EQ(audit.find(root), std::string::npos);
  EXPECT_EQ(audit.find(db_password), std::string::npos);
  EXPECT_EQ(audit.find("plaintext-db-root-pw"), std::string::npos);
  std::cout << "[ durability ] " << storage << ": " << acknowledged.size() << " acknowledged of " << attempts
            << " attempted writes survived SIGKILL\n";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Storage, Durability, ::testing::Values("file", "sqlite"));

// ---- serve --dev --workspace ---------------------------------------------------------------

TEST(ServeWorkspace, LoadsPoliciesAndKvMountsAndSaysWhatItSkips) {
  const fs::path dir = TempDir("workspace");
  fs::create_directories(dir / "ws/policies");
  std::ofstream(dir / "ws/policies/team.hcl") << "path \"team/data/*\" { capabilities = [\"create\", \"read\"] }\n";
  std::ofstream(dir / "ws/polcheck.yaml") << "mounts:\n  secret/: {type: kv, version: 2}\n"
                                             "  team/: {type: kv, version: 2}\n  db/: {type: database}\n"
                                             "  pki/: {type: pki}\n";
  Child child({"serve", "--dev", "--listen", "127.0.0.1:0", "--workspace", (dir / "ws").string()},
              dir / "server.log");
  const std::uint16_t port = StartedPort(dir / "server.log", 0);
  ASSERT_NE(port, 0) << ReadAll(dir / "server.log");
  Client c(port);
  c.token = "root";
  Reply policy = c.Get("sys/policies/acl/team");
  ASSERT_EQ(policy.status, 200) << policy.body << ReadAll(dir / "server.log");
  Reply created = c.Post("auth/token/create", {{"policies", {"team"}}});
  Client member(port);
  member.token = created.Json()["auth"]["client_token"];
  EXPECT_EQ(member.Post("team/data/app", {{"data", {{"k", "v"}}}}).status, 200);
  EXPECT_EQ(member.Get("team/data/app").Json()["data"]["data"]["k"], "v");
  EXPECT_EQ(member.Get("secret/data/app").status, 403);
  const std::string log = ReadAll(dir / "server.log");
  EXPECT_NE(log.find("(1 policies, 2 KV mounts, 1 database mounts loaded)"), std::string::npos) << log;
  EXPECT_EQ(c.Get("sys/mounts/db").Json()["data"]["type"], "database");
  EXPECT_NE(log.find("note: mount pki/ (pki) from the workspace config is not served: only KV and database engines "
                     "are served"),
            std::string::npos)
      << log;
  fs::remove_all(dir);
}

TEST(ServeDev, AuditFileFromTheCommandLine) {
  const fs::path dir = TempDir("serve-audit");
  Child child({"serve", "--dev", "--listen", "127.0.0.1:0", "--audit-file", (dir / "audit.log").string()},
              dir / "server.log");
  const std::uint16_t port = StartedPort(dir / "server.log", 0);
  ASSERT_NE(port, 0) << ReadAll(dir / "server.log");
  Client c(port);
  c.token = "root";
  ASSERT_EQ(c.Post("secret/data/x", {{"data", {{"pw", "audited-plaintext"}}}}).status, 200);
  EXPECT_EQ(c.Get("sys/audit").Json()["data"]["file/"]["options"]["file_path"], (dir / "audit.log").string());
  const std::string log = ReadAll(dir / "audit.log");
  EXPECT_NE(log.find("\"path\":\"secret/data/x\""), std::string::npos) << log;
  EXPECT_EQ(log.find("audited-plaintext"), std::string::npos) << log;
  EXPECT_EQ(log.find("\"client_token\":\"root\""), std::string::npos) << log;
  fs::remove_all(dir);
}

TEST(ServeWorkspace, BindingsAreLoadedAndUnservedMethodsAreNoted) {
  const fs::path dir = TempDir("workspace");
  Child child({"serve", "--dev", "--listen", "127.0.0.1:0", "--workspace",
               std::string(POLCHECK_SOURCE_DIR) + "/examples/k8s-aws-teams"},
              dir / "server.log");
  const std::uint16_t port = StartedPort(dir / "server.log", 0);
  ASSERT_NE(port, 0) << ReadAll(dir / "server.log");
  Client c(port);
  c.token = "root";
  EXPECT_EQ(c.Get("sys/policies/acl/aaa-dev").status, 200);
  const Reply role = c.Get("auth/kubernetes/role/aaa-role");
  ASSERT_EQ(role.status, 200) << role.body;
  EXPECT_EQ(role.Json()["data"]["token_policies"], nlohmann::json::array({"aaa-k8s-auth"}));
  const std::string log = ReadAll(dir / "server.log");
  EXPECT_NE(log.find("Bindings: 1 auth mounts, 2 roles, 0 entities, 0 groups loaded; 3 skipped\n"), std::string::npos)
      << log;
  EXPECT_NE(log.find("polcheck serve: note: bindings/aws.yaml:4: role aws/role/aaa-role not loaded: its mount is not "
                     "loaded\n"),
            std::string::npos)
      << log;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace polcheck::runtime
