// The real SQL executors of the database secrets engine (runtime/db_executor.h,
// RUNTIME-API.md §5.3): connection-string parsing and the pool on their own, then
// libpq and libmariadb against the throw-away servers of scripts/test-databases.sh
// (a CTest fixture; POLCHECK_TEST_DB_ENV names its env.sh). Without servers the
// server tests skip on a developer machine and fail under CI=true.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/db_drivers.h"
#include "runtime/db_executor.h"
#include "runtime/storage.h"

namespace polcheck::runtime {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

std::string Get(const Params& params, const std::string& key) {
  for (const auto& [k, v] : params) {
    if (k == key) {
      return v;
    }
  }
  return "<unset>";
}

// ---- PostgreSQL connection_url ---------------------------------------------------------------

TEST(PostgresUrl, UrlFormWithEscapesAndSslmode) {
  Expected<Params> p = db::ParsePostgresConnectionUrl(
      "postgres://vault%40corp:p%40ss%3Aw%2Frd@db.example.com:6432/my%20db?sslmode=disable");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(Get(*p, "user"), "vault@corp");
  EXPECT_EQ(Get(*p, "password"), "p@ss:w/rd");
  EXPECT_EQ(Get(*p, "host"), "db.example.com");
  EXPECT_EQ(Get(*p, "port"), "6432");
  EXPECT_EQ(Get(*p, "dbname"), "my db");
  EXPECT_EQ(Get(*p, "sslmode"), "disable");
  EXPECT_EQ(Get(*p, "client_encoding"), "UTF8");
  EXPECT_EQ(Get(*p, "connect_timeout"), "10");
}

TEST(PostgresUrl, PostgresqlSchemeMultiHostAndIpv6) {
  Expected<Params> p = db::ParsePostgresConnectionUrl("postgresql://u@h1:5433,[::1],h3:5435/db");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(Get(*p, "host"), "h1,::1,h3");
  EXPECT_EQ(Get(*p, "port"), "5433,5432,5435");
  EXPECT_EQ(Get(*p, "password"), "<unset>");
}

TEST(PostgresUrl, UnknownParametersAreServerSettings) {
  Expected<Params> p = db::ParsePostgresConnectionUrl(
      "postgres://u:p@h/db?search_path=a,b&application_name=x&statement_timeout=5s");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(Get(*p, "application_name"), "x");  // a libpq keyword
  EXPECT_EQ(Get(*p, "options"), "-c search_path=a,b -c statement_timeout=5s");
  EXPECT_EQ(Get(*p, "search_path"), "<unset>");
}

TEST(PostgresUrl, KeyValueFormWithQuotesAndEscapes) {
  Expected<Params> p = db::ParsePostgresConnectionUrl(
      "  host=127.0.0.1 port = 5432 user=vault password='it\\'s a secret' dbname=postgres sslmode=disable  ");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(Get(*p, "host"), "127.0.0.1");
  EXPECT_EQ(Get(*p, "port"), "5432");
  EXPECT_EQ(Get(*p, "password"), "it's a secret");
  EXPECT_EQ(Get(*p, "sslmode"), "disable");
}

TEST(PostgresUrl, ExplicitSettingsAreKept) {
  Expected<Params> p =
      db::ParsePostgresConnectionUrl("host=h connect_timeout=3 options='-c work_mem=1MB' x=1");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(Get(*p, "connect_timeout"), "3");
  EXPECT_EQ(Get(*p, "options"), "-c work_mem=1MB -c x=1");
}

TEST(PostgresUrl, ErrorsNeverShowThePassword) {
  struct Case {
    const char* url;
    const char* message;
  };
  const Case cases[] = {
      {"", "cannot parse connection_url: empty connection_url"},
      {"host=h user", "cannot parse connection_url: missing \"=\" after \"user\" in connection info string"},
      {"host=h password='s3cret",
       "cannot parse connection_url: unterminated quoted string in connection info string"},
      {"postgres://u:s3cret%zz@h/db", "cannot parse connection_url: invalid password escape"},
      {"postgres://u:s3cret@h:54x2/db", "cannot parse connection_url: invalid port \"54x2\""},
      {"mysql://u:s3cret@h/db",
       "cannot parse connection_url: unsupported scheme \"mysql\" (want postgres:// or postgresql://)"},
  };
  for (const Case& c : cases) {
    Expected<Params> p = db::ParsePostgresConnectionUrl(c.url);
    ASSERT_FALSE(p) << c.url;
    EXPECT_EQ(p.error().code, Error::Code::kInvalidArgument) << c.url;
    EXPECT_EQ(p.error().message, c.message) << c.url;
  }
}

// ---- MySQL DSN -------------------------------------------------------------------------------

TEST(MySqlDsn, GoDriverTcpForm) {
  Expected<db::MySqlDsn> d =
      db::ParseMySqlDsn("vault:p@ss:w@rd@tcp(db.example.com:3307)/app?timeout=1m30s&tls=skip-verify");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->user, "vault");
  EXPECT_EQ(d->password, "p@ss:w@rd");  // first ':' and last '@' split, never unescaped
  EXPECT_EQ(d->net, "tcp");
  EXPECT_EQ(d->host, "db.example.com");
  EXPECT_EQ(d->port, 3307U);
  EXPECT_EQ(d->dbname, "app");
  EXPECT_EQ(d->connect_timeout_seconds, 90U);
  EXPECT_EQ(d->tls, "skip-verify");
}

TEST(MySqlDsn, DefaultsAndUnixSocket) {
  Expected<db::MySqlDsn> d = db::ParseMySqlDsn("root@tcp(localhost)/");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->host, "localhost");
  EXPECT_EQ(d->port, 3306U);
  EXPECT_EQ(d->password, "");
  EXPECT_EQ(d->dbname, "");

  Expected<db::MySqlDsn> bare = db::ParseMySqlDsn("/");
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->host, "127.0.0.1");
  EXPECT_EQ(bare->port, 3306U);

  Expected<db::MySqlDsn> sock = db::ParseMySqlDsn("u:p@unix(/run/mysqld/mysqld.sock)/db");
  ASSERT_TRUE(sock) << sock.error().message;
  EXPECT_EQ(sock->net, "unix");
  EXPECT_EQ(sock->socket, "/run/mysqld/mysqld.sock");

  Expected<db::MySqlDsn> v6 = db::ParseMySqlDsn("u:p@tcp([::1]:3310)/db");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 3310U);
}

TEST(MySqlDsn, UnknownParametersAreSessionVariables) {
  Expected<db::MySqlDsn> d =
      db::ParseMySqlDsn("u:p@tcp(h:1)/db?sql_mode=%27ANSI_QUOTES%27&parseTime=true&charset=latin1,utf8&noeq");
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->session_variables.size(), 1U);
  EXPECT_EQ(d->session_variables[0].first, "sql_mode");
  EXPECT_EQ(d->session_variables[0].second, "'ANSI_QUOTES'");
  EXPECT_EQ(d->charset, "latin1");
}

TEST(MySqlDsn, MysqlUrlIsTolerated) {
  Expected<db::MySqlDsn> d = db::ParseMySqlDsn("mysql://vault:p%40ss@db:3308/app?tls=true");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->user, "vault");
  EXPECT_EQ(d->password, "p@ss");
  EXPECT_EQ(d->host, "db");
  EXPECT_EQ(d->port, 3308U);
  EXPECT_EQ(d->dbname, "app");
  EXPECT_EQ(d->tls, "true");
}

TEST(MySqlDsn, ErrorsInTheGoDriversWords) {
  struct Case {
    const char* dsn;
    const char* message;
  };
  const Case cases[] = {
      {"u:secret@tcp(h:3306)", "invalid DSN: missing the slash separating the database name"},
      {"u:secret@tcp(h:3306/db", "invalid DSN: network address not terminated (missing closing brace)"},
      {"u:secret@tcp(h:3306)/db?tls=mine", "invalid value / unknown config name: mine"},
      {"u:secret@tcp(h:3306)/db?timeout=5x", "invalid timeout: time: invalid duration \"5x\""},
      {"u:secret@tcp(h:3306)/db?parseTime=yes", "invalid bool value: yes"},
      {"u:secret@tcp(h:99999)/db", "invalid DSN: invalid port \"99999\""},
  };
  for (const Case& c : cases) {
    Expected<db::MySqlDsn> d = db::ParseMySqlDsn(c.dsn);
    ASSERT_FALSE(d) << c.dsn;
    EXPECT_EQ(d.error().message, c.message) << c.dsn;
  }
  Expected<db::MySqlDsn> net = db::ParseMySqlDsn("u:p@pipe(x)/db");
  ASSERT_FALSE(net);
  EXPECT_EQ(net.error().code, Error::Code::kUnsupported);
}

// ---- pool ------------------------------------------------------------------------------------

TEST(PoolLimits, VaultDefaults) {
  SqlConnectionConfig config;
  config.max_open_connections = 0;
  db::PoolLimits l = db::LimitsFrom(config);
  EXPECT_EQ(l.max_open, 4);
  EXPECT_EQ(l.max_idle, 4);
  EXPECT_EQ(l.lifetime.count(), 0);

  config.max_open_connections = 3;
  config.max_idle_connections = 9;
  config.max_connection_lifetime_seconds = 30;
  l = db::LimitsFrom(config);
  EXPECT_EQ(l.max_open, 3);
  EXPECT_EQ(l.max_idle, 3);  // reduced to max_open
  EXPECT_EQ(l.lifetime.count(), 30);

  config.max_idle_connections = -1;
  EXPECT_EQ(db::LimitsFrom(config).max_idle, 0);  // negative: keep none
}

// A fake connection: counts how many exist and how many are in use at once.
struct FakeConn {
  std::atomic<int>* alive;
  int id;
};
struct FakeCloser {
  void operator()(FakeConn* c) const {
    c->alive->fetch_sub(1);
    delete c;
  }
};
using FakeHandle = std::unique_ptr<FakeConn, FakeCloser>;

TEST(ConnectionPool, NeverExceedsMaxOpenUnderConcurrentUse) {
  std::atomic<int> alive{0};
  std::atomic<int> opened{0};
  db::PoolLimits limits{.max_open = 2, .max_idle = 2};
  db::ConnectionPool<FakeHandle> pool(
      [&]() -> Expected<FakeHandle> {
        alive.fetch_add(1);
        return FakeHandle(new FakeConn{&alive, opened.fetch_add(1)});
      },
      limits);
  std::atomic<int> in_use{0};
  std::atomic<int> max_in_use{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto lease = pool.Acquire();
        ASSERT_TRUE(lease) << lease.error().message;
        const int now = in_use.fetch_add(1) + 1;
        int seen = max_in_use.load();
        while (now > seen && !max_in_use.compare_exchange_weak(seen, now)) {
        }
        EXPECT_LE(alive.load(), 2);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        in_use.fetch_sub(1);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_LE(max_in_use.load(), 2);
  EXPECT_EQ(max_in_use.load(), 2);  // 8 threads did contend
  EXPECT_EQ(opened.load(), 2);      // idle connections were reused, never re-opened
  EXPECT_EQ(pool.open_count(), 2);
  EXPECT_EQ(pool.idle_count(), 2);
}

TEST(ConnectionPool, IdleLimitBrokenAndTimeout) {
  std::atomic<int> alive{0};
  db::PoolLimits limits{.max_open = 2, .max_idle = 1, .wait_timeout = std::chrono::milliseconds(50)};
  db::ConnectionPool<FakeHandle> pool(
      [&]() -> Expected<FakeHandle> {
        alive.fetch_add(1);
        return FakeHandle(new FakeConn{&alive, 0});
      },
      limits);
  {
    auto a = pool.Acquire();
    auto b = pool.Acquire();
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(a->reused());
    auto c = pool.Acquire();  // both in use: waits 50 ms, then fails
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().message, "timed out waiting for a free database connection (max_open_connections=2)");
  }
  EXPECT_EQ(alive.load(), 1);  // one kept idle, the other closed
  {
    auto again = pool.Acquire();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->reused());
    again->MarkBroken();
  }
  EXPECT_EQ(alive.load(), 0);
  EXPECT_EQ(pool.open_count(), 0);
}

TEST(ConnectionPool, FailedOpenFreesTheSlot) {
  int calls = 0;
  db::ConnectionPool<FakeHandle> pool(
      [&]() -> Expected<FakeHandle> {
        ++calls;
        return Unexpected(Error::Code::kIo, "refused");
      },
      db::PoolLimits{.max_open = 1, .max_idle = 1});
  for (int i = 0; i < 3; ++i) {
    auto lease = pool.Acquire();
    ASSERT_FALSE(lease);
    EXPECT_EQ(lease.error().message, "refused");
  }
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(pool.open_count(), 0);
}

TEST(SqlExecutor, BadUrlsFailConnectWithoutNetwork) {
  std::shared_ptr<SqlExecutor> executor = MakeSqlExecutor();
  SqlConnectionConfig pg{.plugin_name = "postgresql-database-plugin",
                         .dialect = SqlDialect::kPostgres,
                         .connection_url = "host=h user"};
  auto a = executor->Connect(pg);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Error::Code::kInvalidArgument);
  SqlConnectionConfig my{.plugin_name = "mysql-database-plugin",
                         .dialect = SqlDialect::kMySql,
                         .connection_url = "vault:pw@tcp(h:3306)"};
  auto b = executor->Connect(my);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "invalid DSN: missing the slash separating the database name");
}

// ---- against real servers --------------------------------------------------------------------

// The servers of scripts/test-databases.sh, from the env.sh the CTest fixture wrote
// (or the POLCHECK_TEST_* variables of an `eval "$(test-databases.sh start)"`).
struct Servers {
  std::map<std::string, std::string> vars;
  std::string unavailable;  // why not, when empty vars
  std::string operator[](const std::string& key) const {
    auto it = vars.find(key);
    return it == vars.end() ? "" : it->second;
  }
};

const Servers& TestServers() {
  static const Servers servers = [] {
    Servers s;
    const char* env_file = std::getenv("POLCHECK_TEST_DB_ENV");
    if (env_file == nullptr) {
      for (const char* key :
           {"POLCHECK_TEST_PG_URL", "POLCHECK_TEST_PG_HOST", "POLCHECK_TEST_PG_PORT", "POLCHECK_TEST_PG_USER",
            "POLCHECK_TEST_PG_PASSWORD", "POLCHECK_TEST_MYSQL_URL", "POLCHECK_TEST_MYSQL_HOST",
            "POLCHECK_TEST_MYSQL_PORT", "POLCHECK_TEST_MYSQL_USER", "POLCHECK_TEST_MYSQL_PASSWORD",
            "POLCHECK_TEST_MYSQL_SOCKET", "POLCHECK_TEST_TLS_CA"}) {
        if (const char* v = std::getenv(key)) {
          s.vars[key] = v;
        }
      }
      if (s.vars.size() < 12) {
        s.vars.clear();
        s.unavailable =
            "no test databases: POLCHECK_TEST_DB_ENV is unset (run through ctest, or eval "
            "\"$(bash scripts/test-databases.sh start)\")";
      }
      return s;
    }
    std::ifstream in(env_file);
    if (!in) {
      std::ifstream why(std::string(env_file).substr(0, std::string(env_file).rfind('/')) + "/unavailable");
      std::string reason;
      std::getline(why, reason);
      s.unavailable = "no test databases (" + std::string(env_file) + " missing): " +
                      (reason.empty() ? "scripts/test-databases.sh start did not run or failed" : reason);
      return s;
    }
    // Lines `export KEY='VALUE'` (values never hold quotes).
    for (std::string line; std::getline(in, line);) {
      const size_t eq = line.find('=');
      if (!line.starts_with("export ") || eq == std::string::npos || line.size() < eq + 3) {
        continue;
      }
      s.vars[line.substr(7, eq - 7)] = line.substr(eq + 2, line.size() - eq - 3);
    }
    return s;
  }();
  return servers;
}

#define REQUIRE_SERVERS()                               \
  do {                                                  \
    if (TestServers().vars.empty()) {                   \
      const char* ci = std::getenv("CI");               \
      if (ci != nullptr && std::string(ci) == "true") { \
        FAIL() << TestServers().unavailable;            \
      }                                                 \
      GTEST_SKIP() << TestServers().unavailable;        \
    }                                                   \
  } while (false)

std::string RandomSuffix(size_t n) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kChars[rng() % (sizeof(kChars) - 1)];
  }
  return out;
}

// 20 characters [A-Za-z0-9-] with each class present, as Vault's default password policy.
std::string VaultStylePassword() {
  return "A1-" + RandomSuffix(17);
}

Expected<std::unique_ptr<SqlConnection>> Connect(SqlDialect dialect, const std::string& url, int max_open = 4,
                                                 int max_idle = 0, int lifetime = 0) {
  SqlConnectionConfig config;
  config.plugin_name =
      dialect == SqlDialect::kPostgres ? "postgresql-database-plugin" : "mysql-database-plugin";
  config.dialect = dialect;
  config.connection_url = url;
  config.max_open_connections = max_open;
  config.max_idle_connections = max_idle;
  config.max_connection_lifetime_seconds = lifetime;
  return MakeSqlExecutor()->Connect(config);
}

std::string Scalar(SqlConnection& conn, const std::string& sql, const std::vector<std::string>& params = {}) {
  Expected<std::vector<SqlRow>> rows = conn.Query(sql, params);
  if (!rows) {
    return "error: " + rows.error().message;
  }
  if (rows->size() != 1 || rows->front().size() != 1) {
    return "unexpected shape";
  }
  return rows->front().front();
}

// Runs fn on `threads` threads at once and returns the distinct strings they report.
std::set<std::string> RunConcurrently(int threads, const std::function<std::string()>& fn) {
  std::mutex mu;
  std::set<std::string> seen;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::string v = fn();
      std::lock_guard lock(mu);
      seen.insert(v);
    });
  }
  for (std::thread& t : pool) {
    t.join();
  }
  return seen;
}

class PostgresServer : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_SERVERS();
    const Servers& s = TestServers();
    host_ = s["POLCHECK_TEST_PG_HOST"];
    port_ = s["POLCHECK_TEST_PG_PORT"];
    url_ = s["POLCHECK_TEST_PG_URL"];
    password_ = s["POLCHECK_TEST_PG_PASSWORD"];
    auto admin = Connect(SqlDialect::kPostgres, url_);
    ASSERT_TRUE(admin) << admin.error().message;
    admin_ = *std::move(admin);
  }

  std::string UrlFor(const std::string& user, const std::string& password,
                     const std::string& extra = "") const {
    return "postgres://" + user + ":" + password + "@" + host_ + ":" + port_ + "/postgres?sslmode=disable" +
           extra;
  }

  std::string host_, port_, url_, password_;
  std::unique_ptr<SqlConnection> admin_;
};

TEST_F(PostgresServer, ConnectsWithUrlAndKeyValueForms) {
  EXPECT_EQ(Scalar(*admin_, "SELECT current_user"), "polcheck");
  ASSERT_TRUE(admin_->Ping());
  auto dsn = Connect(SqlDialect::kPostgres, "host=" + host_ + " port=" + port_ + " user=polcheck password='" +
                                                password_ + "' dbname=postgres sslmode=disable");
  ASSERT_TRUE(dsn) << dsn.error().message;
  EXPECT_EQ(Scalar(**dsn, "SELECT current_database()"), "postgres");
  // An unknown URL parameter is a server setting, as with Vault's pgx driver.
  auto settings =
      Connect(SqlDialect::kPostgres, UrlFor("polcheck", password_, "&search_path=vault_s,public"));
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(Scalar(**settings, "SHOW search_path"), "vault_s,public");
}

TEST_F(PostgresServer, BadCredentialsAndHostFailWithTheServersMessage) {
  auto bad = Connect(SqlDialect::kPostgres, UrlFor("polcheck", "wrong"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Error::Code::kIo);
  EXPECT_NE(bad.error().message.find("password authentication failed for user \"polcheck\""),
            std::string::npos)
      << bad.error().message;
  EXPECT_EQ(bad.error().message.find('\n'), std::string::npos) << bad.error().message;
  auto nohost = Connect(SqlDialect::kPostgres, "postgres://polcheck:x@127.0.0.1:1/postgres?sslmode=disable");
  ASSERT_FALSE(nohost);
  EXPECT_NE(nohost.error().message.find("Connection refused"), std::string::npos) << nohost.error().message;
}

TEST_F(PostgresServer, SslmodeFromTheUrlReachesLibpq) {
  const std::string ssl_sql = "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
  EXPECT_EQ(Scalar(*admin_, ssl_sql), "false");  // sslmode=disable
  const std::string base = "postgres://polcheck:" + password_ + "@" + host_ + ":" + port_ + "/postgres";
  auto require = Connect(SqlDialect::kPostgres, base + "?sslmode=require");
  ASSERT_TRUE(require) << require.error().message;
  EXPECT_EQ(Scalar(**require, ssl_sql), "true");
  auto verified = Connect(SqlDialect::kPostgres,
                          base + "?sslmode=verify-full&sslrootcert=" + TestServers()["POLCHECK_TEST_TLS_CA"]);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(Scalar(**verified, ssl_sql), "true");
  // Without the CA the self-signed certificate is not trusted.
  auto untrusted = Connect(SqlDialect::kPostgres, base + "?sslmode=verify-ca&sslrootcert=/dev/null");
  ASSERT_FALSE(untrusted);
  EXPECT_NE(untrusted.error().message.find("certificate"), std::string::npos) << untrusted.error().message;
}

TEST_F(PostgresServer, FailingStatementRollsBackTheWholeTransaction) {
  const std::string table = "t_" + RandomSuffix(10);
  const std::string role = "r_" + RandomSuffix(10);
  ASSERT_TRUE(admin_->Execute("CREATE TABLE " + table + " (id int)"));
  Expected<void> tx =
      admin_->ExecuteInTransaction({"INSERT INTO " + table + " VALUES (1)", "CREATE ROLE \"" + role + "\"",
                                    "INSERT INTO missing_table VALUES (1)"});
  ASSERT_FALSE(tx);
  EXPECT_EQ(tx.error().message, "ERROR: relation \"missing_table\" does not exist (SQLSTATE 42P01)");
  EXPECT_EQ(Scalar(*admin_, "SELECT count(*) FROM " + table), "0");
  EXPECT_EQ(Scalar(*admin_, "SELECT count(*) FROM pg_roles WHERE rolname = $1", {role}), "0");
  // The connection is usable afterwards and a good transaction commits.
  ASSERT_TRUE(admin_->ExecuteInTransaction(
      {"INSERT INTO " + table + " VALUES (1)", "INSERT INTO " + table + " VALUES (2)"}));
  EXPECT_EQ(Scalar(*admin_, "SELECT sum(id) FROM " + table), "3");
  ASSERT_TRUE(admin_->Execute("DROP TABLE " + table));
}

TEST_F(PostgresServer, QueryWithTextParameters) {
  Expected<std::vector<SqlRow>> rows = admin_->Query(
      "SELECT $1::text || '-' || $2, NULL::text, length($1) FROM generate_series(1, 2)", {"a'b", "c"});
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2U);
  EXPECT_EQ((*rows)[0], (SqlRow{"a'b-c", "", "3"}));
  auto wrong = admin_->Query("SELECT $1::int", {"x"});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, "ERROR: invalid input syntax for type integer: \"x\" (SQLSTATE 22P02)");
  // A DO block with semicolons inside runs whole.
  EXPECT_TRUE(admin_->Execute("DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;"));
}

// RUNTIME-API.md §5.3: the typical role's creation statements, a login as the new
// user, renew, then Vault's default revocation sequence.
TEST_F(PostgresServer, VaultDefaultStatementsCreateLoginRenewRevoke) {
  const std::string table = "vault_t_" + RandomSuffix(8);
  ASSERT_TRUE(admin_->Execute("CREATE TABLE public." + table + " (v text)"));
  ASSERT_TRUE(admin_->Execute("INSERT INTO public." + table + " VALUES ('hello')"));
  const std::string name = ("v-token-readonly-" + RandomSuffix(20) + "-1716200000").substr(0, 63);
  const std::string password = VaultStylePassword();
  ASSERT_TRUE(
      admin_->ExecuteInTransaction({"CREATE ROLE \"" + name + "\" WITH LOGIN PASSWORD '" + password +
                                        "' VALID UNTIL '2099-01-31 12:00:00+0000';",
                                    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"" + name + "\";"}));
  {
    auto user = Connect(SqlDialect::kPostgres, UrlFor(name, password));
    ASSERT_TRUE(user) << user.error().message;
    EXPECT_EQ(Scalar(**user, "SELECT current_user"), name);
    EXPECT_EQ(Scalar(**user, "SELECT v FROM public." + table), "hello");
    auto denied = (*user)->Execute("INSERT INTO public." + table + " VALUES ('x')");
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().message, "ERROR: permission denied for table " + table + " (SQLSTATE 42501)");
  }
  ASSERT_TRUE(admin_->Execute("ALTER ROLE \"" + name + "\" VALID UNTIL '2099-02-28 12:00:00+0000';"));
  EXPECT_EQ(Scalar(*admin_, "SELECT rolvaliduntil::date::text FROM pg_roles WHERE rolname = $1", {name}),
            "2099-02-28");

  // Default revocation: schemas with column grants, then the fixed revokes and DROP ROLE.
  ASSERT_EQ(Scalar(*admin_, "SELECT count(*) FROM pg_roles WHERE rolname = $1", {name}), "1");
  auto schemas = admin_->Query(
      "SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee = $1", {name});
  ASSERT_TRUE(schemas) << schemas.error().message;
  ASSERT_EQ(schemas->size(), 1U);
  EXPECT_EQ((*schemas)[0][0], "public");
  const std::string db = Scalar(*admin_, "SELECT current_database()");
  std::vector<std::string> revoke;
  for (const SqlRow& row : *schemas) {
    revoke.push_back("REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA \"" + row[0] + "\" FROM \"" + name +
                     "\";");
    revoke.push_back("REVOKE USAGE ON SCHEMA \"" + row[0] + "\" FROM \"" + name + "\";");
  }
  for (const std::string& s :
       {"REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM \"" + name + "\";",
        "REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM \"" + name + "\";",
        "REVOKE USAGE ON SCHEMA public FROM \"" + name + "\";",
        "REVOKE CONNECT ON DATABASE \"" + db + "\" FROM \"" + name + "\";",
        "DROP ROLE IF EXISTS \"" + name + "\";"}) {
    revoke.push_back(s);
  }
  Expected<void> revoked = admin_->ExecuteInTransaction(revoke);
  ASSERT_TRUE(revoked) << revoked.error().message;
  EXPECT_EQ(Scalar(*admin_, "SELECT count(*) FROM pg_roles WHERE rolname = $1", {name}), "0");
  auto gone = Connect(SqlDialect::kPostgres, UrlFor(name, password));
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("password authentication failed"), std::string::npos)
      << gone.error().message;
  ASSERT_TRUE(admin_->Execute("DROP TABLE public." + table));
}

TEST_F(PostgresServer, PoolBoundHeldUnderConcurrentUse) {
  const std::string app = "pool_" + RandomSuffix(8);
  auto pool = Connect(SqlDialect::kPostgres, UrlFor("polcheck", password_, "&application_name=" + app), 2);
  ASSERT_TRUE(pool) << pool.error().message;
  std::atomic<int> most{0};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      const int n = std::atoi(
          Scalar(*admin_, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {app})
              .c_str());
      most = std::max(most.load(), n);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::set<std::string> pids =
      RunConcurrently(8, [&] { return Scalar(**pool, "SELECT pg_backend_pid()::text FROM pg_sleep(0.15)"); });
  done = true;
  watcher.join();
  for (const std::string& pid : pids) {
    EXPECT_EQ(pid.find("error"), std::string::npos) << pid;
  }
  EXPECT_LE(pids.size(), 2U);
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
}

TEST_F(PostgresServer, IdleLimitLifetimeAndDeadConnectionReplaced) {
  const std::string app = "idle_" + RandomSuffix(8);
  auto pool = Connect(SqlDialect::kPostgres, UrlFor("polcheck", password_, "&application_name=" + app), 4, 1);
  ASSERT_TRUE(pool) << pool.error().message;
  RunConcurrently(4, [&] { return Scalar(**pool, "SELECT 1 FROM pg_sleep(0.1)"); });
  std::string open;
  for (int i = 0; i < 50 && open != "1"; ++i) {  // the server sees closed sessions go shortly after
    open = Scalar(*admin_, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {app});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(open, "1");  // max_idle_connections = 1

  // An idle connection killed by the server is replaced transparently.
  const std::string pid = Scalar(**pool, "SELECT pg_backend_pid()::text");
  ASSERT_EQ(Scalar(*admin_, "SELECT pg_terminate_backend($1::int)::text", {pid}), "true");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string next = Scalar(**pool, "SELECT pg_backend_pid()::text");
  EXPECT_EQ(next.find("error"), std::string::npos) << next;
  EXPECT_NE(next, pid);

  // Lifetime 1 s: a connection older than that is not reused.
  auto aging = Connect(SqlDialect::kPostgres, url_, 1, 1, 1);
  ASSERT_TRUE(aging) << aging.error().message;
  const std::string first = Scalar(**aging, "SELECT pg_backend_pid()::text");
  EXPECT_EQ(Scalar(**aging, "SELECT pg_backend_pid()::text"), first);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_NE(Scalar(**aging, "SELECT pg_backend_pid()::text"), first);
}

class MySqlServer : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_SERVERS();
    const Servers& s = TestServers();
    host_ = s["POLCHECK_TEST_MYSQL_HOST"];
    port_ = s["POLCHECK_TEST_MYSQL_PORT"];
    password_ = s["POLCHECK_TEST_MYSQL_PASSWORD"];
    socket_ = s["POLCHECK_TEST_MYSQL_SOCKET"];
    url_ = s["POLCHECK_TEST_MYSQL_URL"];
    auto admin = Connect(SqlDialect::kMySql, url_);
    ASSERT_TRUE(admin) << admin.error().message;
    admin_ = *std::move(admin);
  }

  std::string DsnFor(const std::string& user, const std::string& password, const std::string& db = "") const {
    return user + ":" + password + "@tcp(" + host_ + ":" + port_ + ")/" + db;
  }

  std::string host_, port_, password_, socket_, url_;
  std::unique_ptr<SqlConnection> admin_;
};

TEST_F(MySqlServer, ConnectsWithDsnUrlAndSocketForms) {
  EXPECT_EQ(Scalar(*admin_, "SELECT CURRENT_USER()"), "polcheck@%");
  ASSERT_TRUE(admin_->Ping());
  auto url =
      Connect(SqlDialect::kMySql, "mysql://polcheck:" + password_ + "@" + host_ + ":" + port_ + "/polcheck");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(Scalar(**url, "SELECT DATABASE()"), "polcheck");
  // The unix socket is a local login: root@localhost (no password) is the account there.
  auto sock = Connect(SqlDialect::kMySql, "root@unix(" + socket_ + ")/");
  ASSERT_TRUE(sock) << sock.error().message;
  EXPECT_EQ(Scalar(**sock, "SELECT CURRENT_USER()"), "root@localhost");
  // Unknown DSN parameters become session variables.
  auto vars = Connect(SqlDialect::kMySql, DsnFor("polcheck", password_) + "?sql_mode=%27ANSI_QUOTES%27");
  ASSERT_TRUE(vars) << vars.error().message;
  EXPECT_EQ(Scalar(**vars, "SELECT @@SESSION.sql_mode"), "ANSI_QUOTES");
}

TEST_F(MySqlServer, BadCredentialsAndHostFailWithTheServersMessage) {
  auto bad = Connect(SqlDialect::kMySql, DsnFor("polcheck", "wrong"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "Error 1045 (28000): Access denied for user 'polcheck'@'127.0.0.1' (using password: YES)");
  auto nohost = Connect(SqlDialect::kMySql, "polcheck:x@tcp(127.0.0.1:1)/");
  ASSERT_FALSE(nohost);
  EXPECT_NE(nohost.error().message.find("Can't connect to server on '127.0.0.1'"), std::string::npos)
      << nohost.error().message;
}

TEST_F(MySqlServer, TlsParameterModes) {
  const std::string cipher_sql =
      "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS "
      "WHERE VARIABLE_NAME = 'SSL_CIPHER'";
  EXPECT_EQ(Scalar(*admin_, cipher_sql), "");  // no tls parameter: plain TCP, as the Go driver
  for (const char* mode : {"skip-verify", "preferred"}) {
    auto tls = Connect(SqlDialect::kMySql, DsnFor("polcheck", password_) + "?tls=" + mode);
    ASSERT_TRUE(tls) << mode << ": " << tls.error().message;
    EXPECT_NE(Scalar(**tls, cipher_sql), "") << mode;
  }
  // tls=true verifies the certificate, and this one is self-signed.
  auto verified = Connect(SqlDialect::kMySql, DsnFor("polcheck", password_) + "?tls=true");
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().message.find("self-signed certificate"), std::string::npos)
      << verified.error().message;
}

TEST_F(MySqlServer, TransactionsRollBackExceptAfterImplicitCommits) {
  const std::string table = "polcheck.t_" + RandomSuffix(10);
  ASSERT_TRUE(admin_->Execute("CREATE TABLE " + table + " (id int) ENGINE=InnoDB"));
  Expected<void> tx = admin_->ExecuteInTransaction(
      {"INSERT INTO " + table + " VALUES (1)", "INSERT INTO polcheck.missing VALUES (1)"});
  ASSERT_FALSE(tx);
  EXPECT_EQ(tx.error().message, "Error 1146 (42S02): Table 'polcheck.missing' doesn't exist");
  EXPECT_EQ(Scalar(*admin_, "SELECT COUNT(*) FROM " + table), "0");
  // MySQL commits implicitly at CREATE USER: what ran before it stays.
  const std::string user = "u" + RandomSuffix(10);
  tx = admin_->ExecuteInTransaction({"INSERT INTO " + table + " VALUES (2)", "CREATE USER '" + user + "'@'%'",
                                     "INSERT INTO polcheck.missing VALUES (1)"});
  ASSERT_FALSE(tx);
  EXPECT_EQ(Scalar(*admin_, "SELECT COUNT(*) FROM " + table), "1");
  EXPECT_EQ(Scalar(*admin_, "SELECT COUNT(*) FROM mysql.user WHERE user = ?", {user}), "1");
  ASSERT_TRUE(admin_->Execute("DROP USER '" + user + "'@'%'"));
  ASSERT_TRUE(admin_->Execute("DROP TABLE " + table));
}

TEST_F(MySqlServer, QueryWithPlaceholdersAndOneStatementPerCall) {
  Expected<std::vector<SqlRow>> rows =
      admin_->Query("SELECT CONCAT(?, '-', ?), NULL, LENGTH(?), 42", {"a'b", "c", "xyz"});
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ((*rows)[0], (SqlRow{"a'b-c", "", "3", "42"}));
  EXPECT_EQ(Scalar(*admin_, "SELECT REPEAT('x', 1000)"),
            std::string(1000, 'x'));  // longer than the first buffer
  auto count = admin_->Query("SELECT ?", {});
  ASSERT_FALSE(count);
  EXPECT_EQ(count.error().message, "sql: expected 1 arguments, got 0");
  auto multi = admin_->Execute("SELECT 1; SELECT 2");
  ASSERT_FALSE(multi);
  EXPECT_NE(multi.error().message.find("Error 1064 (42000): You have an error in your SQL syntax"),
            std::string::npos)
      << multi.error().message;
}

// RUNTIME-API.md §5.3: the typical MySQL role, a login as the new user over TCP
// (matching '%'), rotation, then the default revocation.
TEST_F(MySqlServer, VaultDefaultStatementsCreateLoginRotateRevoke) {
  const std::string name = ("v-token-readonly-" + RandomSuffix(20) + "-1716200000").substr(0, 32);
  const std::string password = VaultStylePassword();
  ASSERT_TRUE(
      admin_->ExecuteInTransaction({"CREATE USER '" + name + "'@'%' IDENTIFIED BY '" + password + "';",
                                    "GRANT SELECT ON *.* TO '" + name + "'@'%';"}));
  {
    auto user = Connect(SqlDialect::kMySql, DsnFor(name, password));
    ASSERT_TRUE(user) << user.error().message;
    EXPECT_EQ(Scalar(**user, "SELECT CURRENT_USER()"), name + "@%");
    EXPECT_EQ(Scalar(**user, "SELECT COUNT(*) > 0 FROM mysql.user"), "1");
    auto denied = (*user)->Execute("CREATE DATABASE nope_" + RandomSuffix(6));
    ASSERT_FALSE(denied);
    EXPECT_NE(denied.error().message.find("Error 1044 (42000): Access denied for user '" + name + "'@'%'"),
              std::string::npos)
        << denied.error().message;
  }
  const std::string rotated = VaultStylePassword();
  ASSERT_TRUE(admin_->Execute("ALTER USER '" + name + "'@'%' IDENTIFIED BY '" + rotated + "';"));
  EXPECT_FALSE(Connect(SqlDialect::kMySql, DsnFor(name, password)));
  EXPECT_TRUE(Connect(SqlDialect::kMySql, DsnFor(name, rotated)));

  ASSERT_EQ(Scalar(*admin_, "SELECT COUNT(*) FROM mysql.user WHERE user = ?", {name}), "1");
  ASSERT_TRUE(admin_->ExecuteInTransaction(
      {"REVOKE ALL PRIVILEGES, GRANT OPTION FROM '" + name + "'@'%';", "DROP USER '" + name + "'@'%'"}));
  EXPECT_EQ(Scalar(*admin_, "SELECT COUNT(*) FROM mysql.user WHERE user = ?", {name}), "0");
  auto gone = Connect(SqlDialect::kMySql, DsnFor(name, rotated));
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("Error 1045 (28000)"), std::string::npos) << gone.error().message;
}

TEST_F(MySqlServer, PoolBoundHeldUnderConcurrentUse) {
  auto pool = Connect(SqlDialect::kMySql, url_, 2);
  ASSERT_TRUE(pool) << pool.error().message;
  std::set<std::string> ids = RunConcurrently(
      8, [&] { return Scalar(**pool, "SELECT CONNECTION_ID() FROM (SELECT SLEEP(0.15)) s"); });
  for (const std::string& id : ids) {
    EXPECT_EQ(id.find("error"), std::string::npos) << id;
  }
  EXPECT_LE(ids.size(), 2U);

  // A pooled connection the server killed is replaced transparently.
  const std::string id = Scalar(**pool, "SELECT CONNECTION_ID()");
  ASSERT_TRUE(admin_->Execute("KILL " + id));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string next = Scalar(**pool, "SELECT CONNECTION_ID()");
  EXPECT_EQ(next.find("error"), std::string::npos) << next;
  EXPECT_NE(next, id);
}


// ---- the database secrets engine end to end, against the real servers ------------------------
//
// runtime::Core with its default executor (MakeSqlExecutor) and the system clock:
// the credentials `creds/<role>` returns log in, renewal moves the role's expiry
// on the server, and revoking the lease (or the token that holds it) removes the
// user from the database. The recording-executor tests (database_test.cc) pin the
// exact SQL; these show the SQL works.
namespace engine {

struct Reply {
  int status = 0;
  nlohmann::json body;
};

class LiveEngine {
 public:
  LiveEngine()
      : core_(std::make_unique<Core>(MakeMemoryStorage(), std::make_shared<SystemClock>(), Dialect::kVault)) {
    auto dev = core_->SetUpDev("root");
    EXPECT_TRUE(dev) << dev.error().message;
  }
  Reply Send(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
             const std::string& token = "root") {
    HttpResponse out = core_->Handle(HttpRequest{.method = method,
                                                 .target = "/v1/" + path,
                                                 .token = token,
                                                 .body = body.is_null() ? "" : body.dump(),
                                                 .remote_address = "127.0.0.1"});
    Reply reply{.status = out.status};
    if (!out.body.empty()) {
      reply.body = nlohmann::json::parse(out.body, nullptr, false);
    }
    return reply;
  }
  // A token whose only policy allows reading database/creds/ro.
  std::string ReaderToken() {
    Reply policy = Send("POST", "sys/policies/acl/db-ro",
                        {{"policy", R"(path "database/creds/ro" { capabilities = ["read"] })"}});
    EXPECT_EQ(policy.status, 204) << policy.body.dump();
    Reply token = Send("POST", "auth/token/create", {{"policies", {"db-ro"}}});
    EXPECT_EQ(token.status, 200) << token.body.dump();
    return token.body["auth"]["client_token"].get<std::string>();
  }

 private:
  std::unique_ptr<Core> core_;
};

}  // namespace engine

TEST_F(PostgresServer, EngineIssuesWorkingCredentialsAndRevokesThem) {
  engine::LiveEngine vault;
  ASSERT_EQ(vault.Send("POST", "sys/mounts/database", {{"type", "database"}}).status, 204);
  // The engine's own admin, so rotate-root cannot disturb the other tests.
  const std::string admin_user = "vault_admin_" + RandomSuffix(6);
  const std::string admin_pw = VaultStylePassword();
  ASSERT_TRUE(admin_->Execute("CREATE ROLE \"" + admin_user + "\" WITH LOGIN CREATEROLE PASSWORD '" + admin_pw +
                              "'"));
  ASSERT_TRUE(admin_->Execute("GRANT pg_read_all_data TO \"" + admin_user + "\" WITH ADMIN OPTION"));
  engine::Reply config = vault.Send(
      "POST", "database/config/pg",
      {{"plugin_name", "postgresql-database-plugin"},
       {"connection_url", "postgres://{{username}}:{{password}}@" + host_ + ":" + port_ + "/postgres?sslmode=disable"},
       {"username", admin_user},
       {"password", admin_pw},
       {"allowed_roles", "ro"}});
  ASSERT_EQ(config.status, 204) << config.body.dump();
  engine::Reply role = vault.Send(
      "POST", "database/roles/ro",
      {{"db_name", "pg"},
       {"creation_statements",
        {"CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
         "GRANT pg_read_all_data TO \"{{name}}\";"}},
       {"default_ttl", "1h"},
       {"max_ttl", "24h"}});
  ASSERT_EQ(role.status, 204) << role.body.dump();

  const std::string token = vault.ReaderToken();
  engine::Reply creds = vault.Send("GET", "database/creds/ro", nullptr, token);
  ASSERT_EQ(creds.status, 200) << creds.body.dump();
  const std::string user = creds.body["data"]["username"];
  const std::string password = creds.body["data"]["password"];
  const std::string lease = creds.body["lease_id"];
  EXPECT_TRUE(user.starts_with("v-token-ro-")) << user;
  EXPECT_EQ(creds.body["lease_duration"], 3600);

  // The generated user logs in and reads what the role granted.
  auto as_user = Connect(SqlDialect::kPostgres, UrlFor(user, password));
  ASSERT_TRUE(as_user) << as_user.error().message;
  EXPECT_EQ(Scalar(**as_user, "SELECT current_user"), user);
  EXPECT_EQ(Scalar(**as_user, "SELECT count(*) > 0 FROM pg_catalog.pg_class"), "t");
  as_user->reset();

  // Renewal runs ALTER ROLE ... VALID UNTIL with the new expiry.
  const std::string valid_until_sql = "SELECT rolvaliduntil::text FROM pg_roles WHERE rolname = $1";
  const std::string before = Scalar(*admin_, valid_until_sql, {user});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  engine::Reply renewed = vault.Send("POST", "sys/leases/renew", {{"lease_id", lease}, {"increment", 7200}});
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_NE(Scalar(*admin_, valid_until_sql, {user}), before);

  // rotate-root replaces the engine's admin password: the old one stops working, the engine goes on.
  ASSERT_EQ(vault.Send("POST", "database/rotate-root/pg").status, 204);
  EXPECT_FALSE(Connect(SqlDialect::kPostgres, UrlFor(admin_user, admin_pw)));

  // Revoking the token that holds the lease drops the user (Vault's default revocation).
  ASSERT_EQ(vault.Send("POST", "auth/token/revoke", {{"token", token}}).status, 204);
  EXPECT_EQ(Scalar(*admin_, "SELECT count(*)::text FROM pg_roles WHERE rolname = $1", {user}), "0");
  EXPECT_FALSE(Connect(SqlDialect::kPostgres, UrlFor(user, password)));
  EXPECT_EQ(vault.Send("POST", "sys/leases/lookup", {{"lease_id", lease}}).status, 400);

  // A second credential, revoked through its lease.
  const std::string token2 = vault.Send("POST", "auth/token/create", {{"policies", {"db-ro"}}})
                                 .body["auth"]["client_token"]
                                 .get<std::string>();
  engine::Reply creds2 = vault.Send("GET", "database/creds/ro", nullptr, token2);
  ASSERT_EQ(creds2.status, 200) << creds2.body.dump();
  const std::string user2 = creds2.body["data"]["username"];
  ASSERT_TRUE(Connect(SqlDialect::kPostgres, UrlFor(user2, creds2.body["data"]["password"])));
  ASSERT_EQ(vault.Send("POST", "sys/leases/revoke", {{"lease_id", creds2.body["lease_id"]}}).status, 204);
  EXPECT_EQ(Scalar(*admin_, "SELECT count(*)::text FROM pg_roles WHERE rolname = $1", {user2}), "0");
  ASSERT_TRUE(admin_->Execute("DROP ROLE \"" + admin_user + "\""));
}

TEST_F(MySqlServer, EngineIssuesWorkingCredentialsAndRevokesThem) {
  engine::LiveEngine vault;
  ASSERT_EQ(vault.Send("POST", "sys/mounts/database", {{"type", "database"}}).status, 204);
  engine::Reply config =
      vault.Send("POST", "database/config/my",
                 {{"plugin_name", "mysql-database-plugin"},
                  {"connection_url", "{{username}}:{{password}}@tcp(" + host_ + ":" + port_ + ")/"},
                  {"username", "polcheck"},
                  {"password", password_},
                  {"allowed_roles", {"ro"}}});
  ASSERT_EQ(config.status, 204) << config.body.dump();
  engine::Reply role = vault.Send(
      "POST", "database/roles/ro",
      {{"db_name", "my"},
       {"creation_statements",
        {"CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON *.* TO '{{name}}'@'%';"}},
       {"default_ttl", 600}});
  ASSERT_EQ(role.status, 204) << role.body.dump();

  const std::string token = vault.ReaderToken();
  engine::Reply creds = vault.Send("GET", "database/creds/ro", nullptr, token);
  ASSERT_EQ(creds.status, 200) << creds.body.dump();
  const std::string user = creds.body["data"]["username"];
  const std::string password = creds.body["data"]["password"];
  EXPECT_LE(user.size(), 32U) << user;
  EXPECT_EQ(creds.body["lease_duration"], 600);

  auto as_user = Connect(SqlDialect::kMySql, DsnFor(user, password));
  ASSERT_TRUE(as_user) << as_user.error().message;
  EXPECT_EQ(Scalar(**as_user, "SELECT CURRENT_USER()"), user + "@%");
  as_user->reset();

  // A role not in allowed_roles is Vault's 500.
  ASSERT_EQ(vault.Send("POST", "database/roles/other",
                       {{"db_name", "my"}, {"creation_statements", {"CREATE USER '{{name}}'@'%';"}}})
                .status,
            204);
  engine::Reply refused = vault.Send("GET", "database/creds/other");
  EXPECT_EQ(refused.status, 500) << refused.body.dump();

  ASSERT_EQ(vault.Send("POST", "sys/leases/revoke", {{"lease_id", creds.body["lease_id"]}}).status, 204);
  EXPECT_EQ(Scalar(*admin_, "SELECT COUNT(*) FROM mysql.user WHERE user = ?", {user}), "0");
  EXPECT_FALSE(Connect(SqlDialect::kMySql, DsnFor(user, password)));
}

}  // namespace
}  // namespace polcheck::runtime
