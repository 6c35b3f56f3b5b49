// The logical core of the runtime (internal): turns a parsed HTTP request into
// Vault's request model (SEMANTICS.md §2), authenticates the token, enforces
// the ACL with the shared evaluator and routes to a backend. Transport-free,
// so every rule here is testable without sockets.
#pragma once

#include <functional>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/dialect.h"
#include "base/expected.h"
#include "evaluator/acl.h"
#include "runtime/barrier.h"
#include "runtime/clock.h"
#include "runtime/fields.h"

namespace polcheck::runtime {

struct HttpRequest {
  std::string method;  // as sent: "GET", "LIST", ...
  std::string target;  // "/v1/secret/data/app?version=2"
  std::string token;   // X-Vault-Token, else the Bearer token
  std::string content_type;
  std::string body;
  std::string wrap_ttl;   // X-Vault-Wrap-TTL as sent; "" = not wrapped
  std::string name_space; // X-Vault-Namespace as sent ("" and "root" are the root namespace)
  std::string remote_address;  // client IP: CIDR-bound roles and tokens, the audit log
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
  // --- runtime auth (issue #7) ---
  std::string entity_id;          // identity entity of a login token ("" = none)
  std::int64_t period = 0;        // periodic token: every renew resets the TTL to this
  std::int64_t ttl = 0;           // the backend/role TTL a renew without increment falls back to
  std::int64_t max_ttl = 0;       // role/backend max TTL (0 = mount/system max)
  std::int64_t last_renewal = 0;  // unix seconds; 0 = never renewed
  std::string role;               // token role the token was created through
  std::vector<std::string> bound_cidrs;
  // A batch token: never stored, its ID carries the sealed entry; no accessor, not
  // renewable, not revocable, cannot create tokens (RUNTIME-API.md §3.2, tokens.h).
  bool batch = false;
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
  // Envelope lease fields (KV v1 reads report the refresh interval; leased secrets their lease).
  std::string lease_id;
  std::int64_t lease_duration = 0;
  bool renewable = false;
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
  std::string remote_address;  // client IP ("" = unknown)
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
  // Paths served without a client token (auth method logins); `token` is then null.
  virtual bool Unauthenticated(const std::string& /*path*/) const { return false; }
  // Re-validates a login token of this auth method before a renewal (RUNTIME-API.md §3.5).
  struct RenewCheck {
    bool renew = true;  // false with no error: Vault answers 204 and leaves the TTL alone
    std::string error;  // 400 with this message
    // The role's / user's current token_ttl, token_max_ttl and token_period, which
    // Vault's renew callbacks hand back on every renewal; false = keep the token's.
    bool refresh = false;
    std::int64_t ttl = 0;
    std::int64_t max_ttl = 0;
    std::int64_t period = 0;
  };
  virtual RenewCheck ValidateRenew(const TokenEntry& /*token*/) { return {}; }
  // The typed fields Vault's framework declares for `path` (relative to the mount):
  // the core converts them weakly, as Vault does (runtime/fields.h), before Handle.
  // Empty: the data reaches Handle as sent (KV data, sys/wrapping/wrap).
  virtual FieldList Fields(const std::string& /*path*/) const { return {}; }
  virtual FieldErrors FieldErrorStyle(const std::string& /*path*/) const { return FieldErrors::kFramework; }
};

// One row of the secrets-engine or auth-method mount table (RUNTIME-API.md §2.3, §2.4).
struct MountEntry {
  std::string path;  // "secret/", "auth/userpass/" for auth methods
  std::string type;  // "kv", "userpass", ...
  std::string description;
  std::string accessor;  // "kv_1a2b3c4d", "auth_userpass_1a2b3c4d"
  std::string uuid;
  std::map<std::string, std::string> options;
  std::int64_t default_lease_ttl = 0;  // 0 = system default
  std::int64_t max_lease_ttl = 0;
  bool local = false;
  bool seal_wrap = false;
  bool auth = false;
  // Auth methods: config.token_type ("" = default-service; default-batch, service, batch).
  std::string token_type;
  // Keys of request / response data the audit log leaves un-HMAC'd for this mount (tune).
  std::vector<std::string> audit_non_hmac_request_keys;
  std::vector<std::string> audit_non_hmac_response_keys;
  // Backend data lives under this barrier prefix and is deleted with the mount.
  std::string StoragePrefix() const { return "logical/" + uuid + "/"; }
};

class TokenStore;
class PolicyStore;
class SqlExecutor;
class IdentityStore;
class LeaseStore;
class AuditBroker;
struct AuditRecord;

class Core {
 public:
  // `sql_executor` runs the database engine's SQL; nullptr: MakeSqlExecutor() (runtime/db_executor.h).
  Core(std::shared_ptr<Storage> storage, std::shared_ptr<Clock> clock, Dialect dialect,
       std::shared_ptr<SqlExecutor> sql_executor = nullptr);
  ~Core();

  HttpResponse Handle(const HttpRequest& request);

  // Dev mode (see Server::SetUpDev): returns {unseal key base64, root token}.
  [[nodiscard]] Expected<std::pair<std::string, std::string>> SetUpDev(const std::string& root_token_id);

  // Mounts a secrets engine of `type` at `path` ("secret/"), with options.version
  // for KV; EnableMount's failures.
  [[nodiscard]] Expected<void> Mount(const std::string& path, const std::string& type, const std::string& version);

  // KV mounts (path -> version) created by sys/init; see ServerOptions::init_kv_mounts.
  void set_init_mounts(std::map<std::string, std::string> mounts) { init_mounts_ = std::move(mounts); }

  Barrier& barrier() { return barrier_; }
  TokenStore& tokens() { return *tokens_; }
  PolicyStore& policies() { return *policies_; }
  AuditBroker& audit() { return *audit_; }
  const Clock& clock() const { return *clock_; }
  Dialect dialect() const { return dialect_; }
  SqlExecutor& sql_executor() { return *sql_executor_; }

  // --- runtime auth (issue #7): mounts.cc, identity.cc, leases.cc ---
  IdentityStore& identity() { return *identity_; }
  LeaseStore& leases() { return *leases_; }
  // Enables a secrets engine (`auth` false) or auth method at `entry.path`; fills
  // uuid, and accessor unless one is given (workspace seeding keeps the workspace's). kInvalidArgument with Vault's message when the path is taken.
  [[nodiscard]] Expected<void> EnableMount(MountEntry entry);
  // Removes the mount, its data, its leases and (auth) every token issued through it.
  // Disabling an unmounted path succeeds; built-in mounts fail with kInvalidArgument.
  [[nodiscard]] Expected<void> DisableMount(const std::string& path, bool auth);
  [[nodiscard]] Expected<std::vector<MountEntry>> MountTable(bool auth);
  // Rewrites an existing entry's TTLs and description (sys/mounts/:path/tune).
  [[nodiscard]] Expected<void> TuneMount(const MountEntry& tuned);
  // The mount serving `path` ("auth/userpass/login/bob" -> auth/userpass/).
  std::optional<MountEntry> MountOf(const std::string& path);
  // The backend serving `path`, nullptr when none.
  std::shared_ptr<Backend> BackendFor(const std::string& path) { return Route(path).first; }
  // Revokes every expired token and lease now (the expiry manager calls this).
  [[nodiscard]] Expected<void> SweepExpired();
  // Runs SweepExpired every `tick` on a background thread until the Core is destroyed.
  void StartExpiryManager(std::chrono::milliseconds tick);

 private:
  HttpResponse HandleLogical(const HttpRequest& http, std::string path, std::string query);
  HttpResponse Finish(Response response, const std::string& mount_type, const std::string& path,
                      std::int64_t wrap_ttl, AuditRecord& audit);
  HttpResponse Special(const std::string& method, const std::string& path, const std::string& query,
                       const HttpRequest& http);
  [[nodiscard]] Expected<void> LoadMounts();
  // Shared ownership: a request keeps its backend alive while the mount table is reloaded.
  std::pair<std::shared_ptr<Backend>, std::string> Route(const std::string& path);

  std::shared_ptr<Clock> clock_;
  std::shared_ptr<SqlExecutor> sql_executor_;  // before the backends: their connections need it
  Dialect dialect_;
  Barrier barrier_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<PolicyStore> policies_;
  std::unique_ptr<IdentityStore> identity_;
  std::unique_ptr<LeaseStore> leases_;
  std::unique_ptr<AuditBroker> audit_;
  std::map<std::string, std::string> init_mounts_;
  std::mutex mounts_mu_;
  std::map<std::string, std::shared_ptr<Backend>> mounts_;  // "secret/" -> backend
  std::map<std::string, MountEntry> mount_entries_;         // same keys as mounts_
  std::mutex table_mu_;  // serialises mount-table writes
  std::mutex expiry_mu_;
  std::condition_variable expiry_cv_;
  bool expiry_stop_ = false;
  std::thread expiry_thread_;
};

// Backend factories.
std::shared_ptr<Backend> MakeSystemBackend(Core& core);
std::shared_ptr<Backend> MakeTokenBackend(Core& core);
std::shared_ptr<Backend> MakeKv2Backend(Core& core, const std::string& mount);
std::shared_ptr<Backend> MakeKv1Backend(Core& core, const MountEntry& mount);
std::shared_ptr<Backend> MakeIdentityBackend(Core& core);
std::shared_ptr<Backend> MakeUserpassBackend(Core& core, const MountEntry& mount);
std::shared_ptr<Backend> MakeApproleBackend(Core& core, const MountEntry& mount);
std::shared_ptr<Backend> MakeJwtBackend(Core& core, const MountEntry& mount);
std::shared_ptr<Backend> MakeKubernetesBackend(Core& core, const MountEntry& mount);
// sys/mounts, sys/auth (mounts.cc) and sys/leases, sys/renew, sys/revoke* (leases.cc);
// nullopt when `request.path` is not theirs.
std::optional<Response> HandleSysMounts(Core& core, const LogicalRequest& request);
std::optional<Response> HandleSysLeases(Core& core, const LogicalRequest& request);

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
