// The logical core of the runtime (internal): turns a parsed HTTP request into
// Vault's request model (SEMANTICS.md §2), authenticates the token, enforces
// the ACL with the shared evaluator and routes to a backend. Transport-free,
// so every rule here is testable without sockets.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/dialect.h"
#include "base/expected.h"
#include "evaluator/acl.h"
#include "runtime/barrier.h"
#include "runtime/clock.h"

namespace polcheck::runtime {

struct HttpRequest {
  std::string method;  // as sent: "GET", "LIST", ...
  std::string target;  // "/v1/secret/data/app?version=2"
  std::string token;   // X-Vault-Token, else the Bearer token
  std::string content_type;
  std::string body;
  std::string wrap_ttl;   // X-Vault-Wrap-TTL as sent; "" = not wrapped
  std::string name_space; // X-Vault-Namespace as sent ("" and "root" are the root namespace)
  std::string remote_address;  // for the audit log
  int remote_port = 0;
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON; empty for 204 and HEAD
};

// One token as stored (under the HMAC of its ID, never the ID itself).
struct TokenEntry {
  std::string hash;      // HMAC-SHA256 of the token ID, hex
  std::string accessor;
  std::string parent_hash;  // "" for orphans
  std::vector<std::string> policies;
  std::map<std::string, std::string> meta;
  std::string path;
  std::string display_name;
  std::int64_t creation_time = 0;  // unix seconds
  std::int64_t creation_ttl = 0;   // seconds; 0 = never expires
  std::int64_t expire_time = 0;    // unix seconds; 0 = never
  std::int64_t explicit_max_ttl = 0;
  int num_uses = 0;
  bool orphan = false;
  bool renewable = true;
  bool IsRoot() const;
};

// What a backend handler returns; the core wraps it in Vault's envelope.
struct Response {
  int status = 200;  // 204 is chosen by the core when nothing is returned
  std::shared_ptr<const nlohmann::json> data;  // an object, or null
  std::shared_ptr<const nlohmann::json> auth;
  std::shared_ptr<const nlohmann::json> wrap_info;  // set on wrapped responses (§6)
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
  bool is_error = false;
  bool raw_envelope = false;  // KV v2 deleted versions: envelope with `status`, no errors key
  bool inject_data = false;   // copy data's keys to the top level (§1.3)
  // A complete pre-serialised JSON body sent as is with `status` (sys/wrapping/unwrap
  // returns the stored original response).
  std::string raw_body;

  static Response Error(int status, std::string message);
  // Go multierror form: "1 error occurred:\n\t* <message>\n\n".
  static Response MultiError(int status, const std::string& message);
  static Response NotFound();  // 404 {"errors":[]}
  static Response UnsupportedPath();
  static Response UnsupportedOperation();
  static Response Data(nlohmann::json data);
  static Response NoContent();
  static Response FromError(const polcheck::Error& error);  // storage failures: 500 / 503
};

struct LogicalRequest {
  evaluator::Operation operation = evaluator::Operation::kRead;
  std::string path;        // relative to the mount
  std::string mount;       // "secret/"
  const nlohmann::json* data = nullptr;  // always an object
  const TokenEntry* token = nullptr;
  std::string client_token;
  bool root_privs = false;  // root, or sudo on the request path
  std::int64_t wrap_ttl = 0;  // seconds asked for with X-Vault-Wrap-TTL; 0 = not wrapped
};

class Core;

class Backend {
 public:
  virtual ~Backend() = default;
  // For the create-vs-update decision: nullopt when the path has no existence check.
  virtual std::optional<bool> Exists(const std::string& path) = 0;
  virtual Response Handle(const LogicalRequest& request) = 0;
  virtual std::string type() const = 0;  // "kv", "system", "token"
};

class TokenStore;
class PolicyStore;
class AuditBroker;
struct AuditRecord;

class Core {
 public:
  Core(std::shared_ptr<Storage> storage, std::shared_ptr<Clock> clock, Dialect dialect);
  ~Core();

  HttpResponse Handle(const HttpRequest& request);

  // Dev mode (see Server::SetUpDev): returns {unseal key base64, root token}.
  [[nodiscard]] Expected<std::pair<std::string, std::string>> SetUpDev(const std::string& root_token_id);

  // Mounts an engine at `path` ("secret/"). Fails with kUnsupported for what is not built yet.
  [[nodiscard]] Expected<void> Mount(const std::string& path, const std::string& type, const std::string& version);

  // KV mounts (path -> version) created by sys/init; see ServerOptions::init_kv_mounts.
  void set_init_mounts(std::map<std::string, std::string> mounts) { init_mounts_ = std::move(mounts); }

  Barrier& barrier() { return barrier_; }
  TokenStore& tokens() { return *tokens_; }
  PolicyStore& policies() { return *policies_; }
  AuditBroker& audit() { return *audit_; }
  const Clock& clock() const { return *clock_; }
  Dialect dialect() const { return dialect_; }

 private:
  HttpResponse HandleLogical(const HttpRequest& http, std::string path, std::string query);
  HttpResponse Finish(Response response, const std::string& mount_type, const std::string& path,
                      std::int64_t wrap_ttl, AuditRecord& audit);
  HttpResponse Special(const std::string& method, const std::string& path, const std::string& query,
                       const HttpRequest& http);
  [[nodiscard]] Expected<void> LoadMounts();
  std::pair<Backend*, std::string> Route(const std::string& path);

  std::shared_ptr<Clock> clock_;
  Dialect dialect_;
  Barrier barrier_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<PolicyStore> policies_;
  std::unique_ptr<AuditBroker> audit_;
  std::map<std::string, std::string> init_mounts_;
  std::mutex mounts_mu_;
  std::map<std::string, std::shared_ptr<Backend>> mounts_;  // "secret/" -> backend
};

// Backend factories.
std::shared_ptr<Backend> MakeSystemBackend(Core& core);
std::shared_ptr<Backend> MakeTokenBackend(Core& core);
std::shared_ptr<Backend> MakeKv2Backend(Core& core, const std::string& mount);

// sys/wrapping/{wrap,unwrap,lookup,rewrap} (runtime/wrapping.cc); `path` is relative to sys/.
Response HandleWrapping(Core& core, const LogicalRequest& request);
// Stores `envelope` (the response as it would have been sent) in a new single-use
// wrapping token valid for `ttl_seconds` and returns the wrap_info response (§6).
Response WrapResponse(Core& core, const nlohmann::json& envelope, std::int64_t ttl_seconds,
                      const std::string& creation_path);
// sys/audit, sys/audit/:path, sys/audit-hash/:path (runtime/audit.cc).
Response HandleAuditRoute(Core& core, const LogicalRequest& request);

// Request-data helpers shared by backends.
// A list parameter: JSON array of strings or a comma-separated string.
std::vector<std::string> StringList(const nlohmann::json& data, const char* key);
// A duration in seconds: integer or Go duration string; nullopt + error text when invalid.
std::optional<std::int64_t> DurationSeconds(const nlohmann::json& data, const char* key, std::string& error);
// RFC 3339 with nanoseconds, UTC ("2024-01-02T03:04:05.123456789Z").
std::string Rfc3339Nano(std::int64_t unix_nanos);

}  // namespace polcheck::runtime
