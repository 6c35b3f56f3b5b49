// polcheck::runtime — a small Vault-API-compatible server (../shared/RUNTIME-API.md)
// whose every request is enforced by the shared evaluator (evaluator/acl.h).
//
//   runtime::ServerOptions options{.port = 0};              // 0: pick a free port
//   Expected<std::unique_ptr<runtime::Server>> server = runtime::Server::Start(options);
//   if (!server) { /* e.g. the address is in use */ }
//   Expected<runtime::DevSetup> dev = (*server)->SetUpDev("root");  // init, unseal, secret/ = KV v2
//   // curl -H "X-Vault-Token: root" http://127.0.0.1:<port>/v1/secret/data/app
//   (*server)->Stop();
//
// Built so far: transport (/v1/ routing, LIST and ?list=true, JSON and form
// bodies, the envelope with sys/ data injection, Vault's error bodies),
// encrypted storage (memory, SQLite, file) with Shamir seal/unseal, ACL
// policies (also legacy sys/policy) enforced with the request's parameters and
// wrap TTL, capabilities, sys/mounts and sys/auth, KV v1 and v2, the token
// store (roles, periodic tokens, renew/revoke trees, expiry manager), leases
// (sys/leases/*), the identity store (entities, aliases, groups, templated
// policies), the userpass, approle, jwt/oidc and kubernetes auth methods,
// response wrapping (sys/wrapping/*) and file audit devices (sys/audit,
// sys/audit-hash), a TLS listener. Persistent servers: runtime/config.h reads
// Vault's server-config format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/dialect.h"
#include "base/expected.h"
#include "runtime/clock.h"
#include "runtime/storage.h"

namespace polcheck::runtime {

class SqlExecutor;  // runtime/db_executor.h

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8200;  // 0: an ephemeral port, see Server::port()
  int threads = 2;            // I/O threads serving connections
  std::size_t max_request_bytes = 32u << 20;  // larger bodies get 413 (Vault's default, 32 MiB)
  std::shared_ptr<Storage> storage;  // nullptr: MakeMemoryStorage()
  std::shared_ptr<Clock> clock;      // nullptr: SystemClock
  std::shared_ptr<SqlExecutor> sql_executor;  // database engine SQL; nullptr: MakeSqlExecutor()
  Dialect dialect = Dialect::kVault;
  // KV engines (path "secret/" -> version "2") mounted by sys/init, for
  // persistent servers until sys/mounts is served (server config `mount` blocks).
  std::map<std::string, std::string> init_kv_mounts;
  // TLS (Vault's listener tls_cert_file / tls_key_file / tls_min_version): PEM
  // certificate chain and private key files; both empty serves plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_min_version = "tls12";  // "tls12" or "tls13"
};

// Checks of the TLS listener files as Server::Start loads them, for config
// diagnostics: "" when fine, else the reason ("no PEM certificate in ...",
// "tls: private key does not match public key", the OS error of an unreadable file).
std::string CheckTlsCertFile(const std::string& path);
std::string CheckTlsKeyFile(const std::string& path);
std::string CheckTlsKeyPair(const std::string& cert_path, const std::string& key_path);

// What `vault server -dev` prints.
struct DevSetup {
  std::string unseal_key;  // base64, as Vault prints it
  std::string root_token;
};

class Server {
 public:
  // Binds and starts serving (HTTPS when options.tls_cert_file is set). Fails
  // with kIo when the address cannot be bound, kInvalidArgument when the TLS
  // certificate or key cannot be loaded or do not match.
  [[nodiscard]] static Expected<std::unique_ptr<Server>> Start(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Dev mode on a fresh storage: initialise with one key share, unseal, create
  // the root token (`root_token_id`, or a random hvs. token when empty) and
  // mount KV v2 at secret/. Fails when the storage is already initialised.
  [[nodiscard]] Expected<DevSetup> SetUpDev(const std::string& root_token_id);

  // Seeding (serve --workspace): writes an ACL policy as sys/policies/acl/:name
  // would; fails with kInvalidArgument carrying Vault's error text.
  [[nodiscard]] Expected<void> PutPolicy(const std::string& name, const std::string& text);
  // Mounts a KV engine (version "1" or "2") at `path` ("secret/"). A KV mount of
  // that version already there is kept; another engine there is replaced.
  [[nodiscard]] Expected<void> MountKv(const std::string& path, const std::string& version);

  // Enables a file audit device at "file/" writing to `file_path` (serve --audit-file),
  // as PUT sys/audit/file would; kInvalidArgument with Vault's message.
  [[nodiscard]] Expected<void> EnableFileAudit(const std::string& file_path);

  // Seeding (serve --workspace): enables an auth method of `type` at `path`
  // ("kubernetes") as POST sys/auth/:path would, but with the workspace's
  // `accessor` (empty: generated). Vault never lets a client choose one; dev
  // seeding keeps it so that policies templated on
  // identity.entity.aliases.<accessor> render as `simulate` renders them.
  // kInvalidArgument with Vault's message (path in use, unknown type), or when
  // the accessor is taken.
  [[nodiscard]] Expected<void> EnableAuth(const std::string& path, const std::string& type,
                                          const std::string& accessor);
  // Seeding (serve --workspace): one API request through the same Core path
  // as HTTP (token check, ACL, the backend's validation). `path` has no /v1/
  // ("sys/auth/kubernetes"), `json_body` may be empty. Never fails: a refusal
  // is a status >= 400 with Vault's error body.
  struct ApiReply {
    int status = 0;
    std::string body;
  };
  ApiReply Call(const std::string& method, const std::string& path, const std::string& token,
                const std::string& json_body = {});

  std::uint16_t port() const;
  // "http://127.0.0.1:8200", or "https://..." with TLS
  std::string address() const;
  // Stops accepting, closes connections and joins the I/O threads. Idempotent.
  void Stop();
  // Blocks until Stop() is called (from another thread or a signal handler thread).
  void Wait();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace polcheck::runtime
