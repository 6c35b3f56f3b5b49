// Internal to the runtime: the real SQL executors behind MakeSqlExecutor()
// (runtime/db_executor.h) — libpq for PostgreSQL (db_postgres.cc), libmariadb for
// MySQL/MariaDB (db_mysql.cc) — with the connection-string parsers and the small
// connection pool they share. Tests reach the parsers and the pool directly.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/expected.h"
#include "runtime/db_executor.h"

namespace polcheck::runtime::db {

// Pool bounds as Vault's SQL connection producer derives them from the config
// (sdk/database/helper/connutil): max_open_connections 0 -> 4 (negative: no bound);
// max_idle_connections 0 -> max_open, above max_open -> max_open, negative -> keep none;
// max_connection_lifetime <= 0 -> reuse forever.
struct PoolLimits {
  int max_open = 4;                  // <= 0: unbounded
  int max_idle = 4;                  // idle connections kept for reuse
  std::chrono::seconds lifetime{0};  // 0: unlimited
  // How long Acquire waits for a connection when max_open are in use.
  std::chrono::milliseconds wait_timeout{30'000};
};
PoolLimits LimitsFrom(const SqlConnectionConfig& config);

// A thread-safe pool of connections of type Handle (a movable owner such as a
// std::unique_ptr with a closing deleter): at most max_open exist at once, counting
// those in use; at most max_idle wait for reuse; one older than the lifetime is
// closed instead of reused. Leases must not outlive the pool.
template <typename Handle>
class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;
  using Opener = std::function<Expected<Handle>()>;

  // A connection on loan; goes back to the pool (or is closed) when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          handle_(std::move(other.handle_)),
          created_(other.created_),
          reused_(other.reused_),
          broken_(other.broken_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr) {
        pool_->Release(std::move(handle_), created_, broken_);
      }
    }
    auto get() const { return handle_.get(); }
    // True when the connection came from the idle list (it may have gone stale).
    bool reused() const { return reused_; }
    // The connection is unusable or in an unknown state: close it on return.
    void MarkBroken() { broken_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, Handle handle, Clock::time_point created, bool reused)
        : pool_(pool), handle_(std::move(handle)), created_(created), reused_(reused) {}
    ConnectionPool* pool_;
    Handle handle_;
    Clock::time_point created_;
    bool reused_ = false;
    bool broken_ = false;
  };

  ConnectionPool(Opener opener, PoolLimits limits) : opener_(std::move(opener)), limits_(limits) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection, or a new one while fewer than max_open exist, or the first
  // one returned within wait_timeout. Fails with the opener's error or on timeout.
  [[nodiscard]] Expected<Lease> Acquire() {
    std::unique_lock lock(mu_);
    const Clock::time_point deadline = Clock::now() + limits_.wait_timeout;
    for (;;) {
      while (!idle_.empty()) {
        Idle entry = std::move(idle_.back());
        idle_.pop_back();
        if (!Expired(entry.created)) {
          return Lease(this, std::move(entry.handle), entry.created, true);
        }
        --open_;
        lock.unlock();
        entry.handle = Handle();  // close outside the lock (may do network I/O)
        lock.lock();
      }
      if (limits_.max_open <= 0 || open_ < limits_.max_open) {
        ++open_;
        lock.unlock();
        Expected<Handle> handle = opener_();
        if (!handle) {
          lock.lock();
          --open_;
          cv_.notify_one();
          return Unexpected(handle.error());
        }
        return Lease(this, std::move(*handle), Clock::now(), false);
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && open_ >= limits_.max_open &&
          idle_.empty()) {
        return Unexpected(Error::Code::kIo,
                          "timed out waiting for a free database connection (max_open_connections=" +
                              std::to_string(limits_.max_open) + ")");
      }
    }
  }

  // Connections that exist now (in use and idle).
  int open_count() const {
    std::lock_guard lock(mu_);
    return open_;
  }
  int idle_count() const {
    std::lock_guard lock(mu_);
    return static_cast<int>(idle_.size());
  }

 private:
  struct Idle {
    Handle handle;
    Clock::time_point created;
  };

  bool Expired(Clock::time_point created) const {
    return limits_.lifetime.count() > 0 && Clock::now() - created >= limits_.lifetime;
  }

  void Release(Handle handle, Clock::time_point created, bool broken) {
    {
      std::lock_guard lock(mu_);
      if (!broken && !Expired(created) && static_cast<int>(idle_.size()) < limits_.max_idle) {
        idle_.push_back(Idle{std::move(handle), created});
        cv_.notify_one();
        return;
      }
      --open_;
    }
    cv_.notify_one();
    handle = Handle();
  }

  Opener opener_;
  const PoolLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Idle> idle_;
  int open_ = 0;
};

// Decodes %XX escapes; '+' becomes a space when plus_as_space (query strings, as
// Go's url.QueryUnescape). Fails on a malformed escape.
[[nodiscard]] Expected<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// --- PostgreSQL (db_postgres.cc) ---------------------------------------------------

// libpq keyword/value pairs for a connection_url in either form Vault's pgx driver
// takes: `postgres://user:pass@host:port,host2/db?sslmode=disable&...` (also
// `postgresql://`) or the key=value DSN `host=... user=... password='a b'`. Query
// parameters and DSN keys libpq does not know are server settings (pgx's runtime
// params, e.g. search_path) and travel in `options` as `-c key=value`. Fails with
// kInvalidArgument; the message never contains the password.
[[nodiscard]] Expected<std::vector<std::pair<std::string, std::string>>> ParsePostgresConnectionUrl(
    std::string_view url);

[[nodiscard]] Expected<std::unique_ptr<SqlConnection>> ConnectPostgres(const SqlConnectionConfig& config);

// --- MySQL / MariaDB (db_mysql.cc) -------------------------------------------------

// A Go-MySQL-driver DSN, as Vault's mysql plugins take connection_url:
// `[user[:password]@][net[(addr)]]/dbname[?param=value&...]`, net `tcp` (default,
// addr host:port, port 3306 by default) or `unix` (addr = socket path). A
// `mysql://user:pass@host:port/db?params` URL is accepted too.
struct MySqlDsn {
  std::string user;
  std::string password;
  std::string net = "tcp";  // "tcp" or "unix"
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string socket;  // net == "unix"
  std::string dbname;
  unsigned connect_timeout_seconds = 0;  // 0: the library's default
  unsigned read_timeout_seconds = 0;
  unsigned write_timeout_seconds = 0;
  std::string tls = "false";  // "false", "true", "skip-verify", "preferred"
  std::string charset = "utf8mb4";
  // Parameters the driver does not know: session variables, set with `SET k=v`
  // after connecting (as the Go driver does).
  std::vector<std::pair<std::string, std::string>> session_variables;
};

// Fails with kInvalidArgument and the Go driver's wording (`invalid DSN: ...`);
// the message never contains the password.
[[nodiscard]] Expected<MySqlDsn> ParseMySqlDsn(std::string_view dsn);

[[nodiscard]] Expected<std::unique_ptr<SqlConnection>> ConnectMySql(const SqlConnectionConfig& config);

}  // namespace polcheck::runtime::db
