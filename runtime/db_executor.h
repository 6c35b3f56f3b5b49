// The SQL side of the database secrets engine (RUNTIME-API.md §5.3): the engine
// renders statements and decides what runs when; an executor runs them against a
// database. Executors are pluggable so tests without a database server can assert
// the exact SQL (RecordingExecutor), while the real ones speak libpq (PostgreSQL)
// and libmariadb (MySQL/MariaDB).
//
//   std::shared_ptr<SqlExecutor> executor = MakeSqlExecutor();   // real databases
//   Expected<std::unique_ptr<SqlConnection>> conn = executor->Connect(config);
//   Expected<void> ok = (*conn)->ExecuteInTransaction({"CREATE ROLE ...", "GRANT ..."});
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/expected.h"

namespace polcheck::runtime {

// Which wire protocol and SQL dialect a plugin speaks.
enum class SqlDialect { kPostgres, kMySql };

struct SqlConnectionConfig {
  std::string plugin_name;     // "postgresql-database-plugin", "mysql-database-plugin", ...
  SqlDialect dialect = SqlDialect::kPostgres;
  std::string connection_url;  // {{username}}/{{password}} already substituted
  int max_open_connections = 4;
  int max_idle_connections = 0;
  int max_connection_lifetime_seconds = 0;  // 0 = unlimited
};

// One result row; NULL cells are empty strings.
using SqlRow = std::vector<std::string>;

// A connection (or a small pool behind one object); safe to call from several threads.
// Errors carry the database's own message (e.g. `pq: role "x" already exists`
// style text from the server), which the engine returns to the client in a 500.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Checks the server is reachable with these credentials (verify_connection).
  [[nodiscard]] virtual Expected<void> Ping() = 0;
  // Runs every statement in order inside one transaction; any failure rolls all back.
  // Each element is one complete statement (the engine has split and templated them).
  [[nodiscard]] virtual Expected<void> ExecuteInTransaction(const std::vector<std::string>& statements) = 0;
  // Runs one statement outside a transaction.
  [[nodiscard]] virtual Expected<void> Execute(const std::string& statement) = 0;
  // Runs a query with positional text parameters ($1.. for Postgres, ? for MySQL) and
  // returns its rows as text.
  [[nodiscard]] virtual Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                                            const std::vector<std::string>& params) = 0;
};

class SqlExecutor {
 public:
  virtual ~SqlExecutor() = default;
  // Opens a connection; an unreachable server or bad credentials is an error with the
  // driver's message.
  [[nodiscard]] virtual Expected<std::unique_ptr<SqlConnection>> Connect(const SqlConnectionConfig& config) = 0;
};

// The real executor: libpq for kPostgres, libmariadb for kMySql.
std::shared_ptr<SqlExecutor> MakeSqlExecutor();

// A test executor that runs nothing: it records every statement and query (with the
// connection URL it came through) and answers queries from canned rows.
class RecordingExecutor final : public SqlExecutor {
 public:
  struct Entry {
    std::string connection_url;
    std::string kind;  // "ping", "tx", "exec", "query"
    std::vector<std::string> statements;  // one for exec/query, all of a transaction for tx
    std::vector<std::string> params;
  };

  [[nodiscard]] Expected<std::unique_ptr<SqlConnection>> Connect(const SqlConnectionConfig& config) override;

  // Rows answered to a query whose SQL contains `needle` (first match wins; default none).
  void AnswerQuery(std::string needle, std::vector<SqlRow> rows);
  // Makes the next operation whose SQL (or URL, for connect/ping) contains `needle` fail with `message`.
  void FailOn(std::string needle, std::string message);
  std::vector<Entry> entries() const;
  void Clear();

 private:
  friend class RecordingConnection;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, std::vector<SqlRow>>> answers_;
  std::vector<std::pair<std::string, std::string>> failures_;
};

}  // namespace polcheck::runtime
