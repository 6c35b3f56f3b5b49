// The MySQL / MariaDB executor (MariaDB Connector/C, Debian libmariadb-dev):
// Go-MySQL-driver DSNs as Vault's mysql plugins take them, a bounded pool of MYSQL
// handles, statements one per call (no multi-statement strings: the engine splits
// them) and `?` queries through prepared statements.
//
// Transactions are START TRANSACTION ... COMMIT with ROLLBACK on failure, but MySQL
// commits implicitly before and after DDL and account statements (CREATE USER,
// GRANT, DROP USER, ...): a failure after such a statement cannot undo it. That is
// MySQL's behaviour, and Vault's plugin is subject to it too.
#include <errmsg.h>
#include <mysql.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/db_drivers.h"

namespace polcheck::runtime::db {
namespace {

UnexpectedError InvalidDsn(const std::string& why) {
  return Unexpected(Error::Code::kInvalidArgument, "invalid DSN: " + why);
}

// Go's time.ParseDuration for the driver's timeouts ("5s", "1m30s", "500ms"),
// rounded up to whole seconds as libmariadb takes them.
Expected<unsigned> ParseDurationSeconds(std::string_view text) {
  if (text == "0") {
    return 0U;
  }
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    const std::string number(text.substr(start, i - start));
    const size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.') {
      ++i;
    }
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "h") {
      scale = 3600;
    } else if (unit == "m") {
      scale = 60;
    } else if (unit == "s") {
      scale = 1;
    } else if (unit == "ms") {
      scale = 1e-3;
    } else if (unit == "us" || unit == "\xC2\xB5s") {
      scale = 1e-6;
    } else if (unit == "ns") {
      scale = 1e-9;
    }
    if (number.empty() || scale == 0 || number.find_first_not_of("0123456789.") != std::string::npos ||
        std::count(number.begin(), number.end(), '.') > 1) {
      return Unexpected(Error::Code::kInvalidArgument,
                        "time: invalid duration \"" + std::string(text) + "\"");
    }
    total += std::stod(number) * scale;
  }
  if (text.empty()) {
    return Unexpected(Error::Code::kInvalidArgument, "time: invalid duration \"\"");
  }
  return static_cast<unsigned>(std::ceil(total));
}

Expected<bool> ParseBool(std::string_view value) {
  if (value == "1" || value == "true" || value == "TRUE" || value == "True") {
    return true;
  }
  if (value == "0" || value == "false" || value == "FALSE" || value == "False") {
    return false;
  }
  return Unexpected(Error::Code::kInvalidArgument, "invalid bool value: " + std::string(value));
}

// Go driver parameters that only change the Go client's own behaviour (time
// parsing, client-side interpolation, ...): accepted and without effect here.
bool IsGoClientOnlyParam(std::string_view key) {
  static constexpr std::string_view kKeys[] = {"allowAllFiles",
                                               "allowFallbackToPlaintext",
                                               "allowNativePasswords",
                                               "allowOldPasswords",
                                               "checkConnLiveness",
                                               "columnsWithAlias",
                                               "interpolateParams",
                                               "loc",
                                               "maxAllowedPacket",
                                               "multiStatements",
                                               "parseTime",
                                               "rejectReadOnly",
                                               "serverPubKey",
                                               "timeTruncate",
                                               "connectionAttributes",
                                               "clientFoundRows",
                                               "allowCleartextPasswords"};
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

Expected<void> ApplyParam(MySqlDsn& dsn, const std::string& key, const std::string& value) {
  auto seconds = [&](unsigned& field) -> Expected<void> {
    Expected<unsigned> s = ParseDurationSeconds(value);
    if (!s) {
      return Unexpected(Error::Code::kInvalidArgument, "invalid " + key + ": " + s.error().message);
    }
    field = *s;
    return {};
  };
  if (key == "timeout") {
    return seconds(dsn.connect_timeout_seconds);
  }
  if (key == "readTimeout") {
    return seconds(dsn.read_timeout_seconds);
  }
  if (key == "writeTimeout") {
    return seconds(dsn.write_timeout_seconds);
  }
  if (key == "tls") {
    Expected<bool> b = ParseBool(value);
    if (b) {
      dsn.tls = *b ? "true" : "false";
    } else if (value == "skip-verify" || value == "preferred") {
      dsn.tls = value;
    } else {
      return Unexpected(Error::Code::kInvalidArgument, "invalid value / unknown config name: " + value);
    }
    return {};
  }
  if (key == "charset") {
    dsn.charset = value.substr(0, value.find(','));
    return {};
  }
  if (key == "collation") {
    dsn.session_variables.emplace_back("collation_connection", "'" + value + "'");
    return {};
  }
  if (IsGoClientOnlyParam(key)) {
    if (key.starts_with("allow") || key == "multiStatements" || key == "parseTime" ||
        key == "interpolateParams" || key == "columnsWithAlias" || key == "rejectReadOnly" ||
        key == "clientFoundRows" || key == "checkConnLiveness") {
      if (Expected<bool> b = ParseBool(value); !b) {
        return Unexpected(b.error());
      }
    }
    return {};
  }
  dsn.session_variables.emplace_back(key, value);
  return {};
}

// `k=v&k2=v2`; values are query-unescaped; an item without '=' is ignored (as the Go
// driver does).
Expected<void> ParseParams(MySqlDsn& dsn, std::string_view params) {
  size_t start = 0;
  while (start < params.size()) {
    const size_t amp = std::min(params.find('&', start), params.size());
    std::string_view item = params.substr(start, amp - start);
    start = amp + 1;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    Expected<std::string> value = PercentDecode(item.substr(eq + 1), true);
    if (!value) {
      return InvalidDsn(value.error().message);
    }
    if (Expected<void> ok = ApplyParam(dsn, std::string(item.substr(0, eq)), *value); !ok) {
      return ok;
    }
  }
  return {};
}

// Fills host/port (tcp) or socket (unix) from the address in `net(addr)`.
Expected<void> ApplyAddress(MySqlDsn& dsn, std::string_view addr) {
  if (dsn.net == "unix") {
    dsn.socket = addr.empty() ? "/tmp/mysql.sock" : std::string(addr);
    dsn.host = "localhost";
    return {};
  }
  if (dsn.net != "tcp") {
    return Unexpected(Error::Code::kUnsupported, "unknown network " + dsn.net + " (want tcp or unix)");
  }
  if (addr.empty()) {
    return {};
  }
  std::string_view host = addr;
  std::string_view port;
  if (addr.front() == '[') {
    const size_t close = addr.find(']');
    if (close == std::string_view::npos) {
      return InvalidDsn("missing ']' in address");
    }
    host = addr.substr(1, close - 1);
    if (close + 1 < addr.size()) {
      if (addr[close + 1] != ':') {
        return InvalidDsn("invalid address");
      }
      port = addr.substr(close + 2);
    }
  } else if (const size_t colon = addr.rfind(':'); colon != std::string_view::npos) {
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
  }
  dsn.host = std::string(host);
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) > 65535) {
      return InvalidDsn("invalid port \"" + std::string(port) + "\"");
    }
    dsn.port = static_cast<unsigned>(std::stoul(std::string(port)));
  }
  return {};
}

// mysql://user:pass@host:port/db?params, percent-escaped like any URL.
Expected<MySqlDsn> ParseMySqlUrl(std::string_view url) {
  MySqlDsn dsn;
  std::string_view rest = url.substr(std::strlen("mysql://"));
  std::string_view params;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    params = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view db = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    Expected<std::string> user = PercentDecode(userinfo.substr(0, colon), false);
    Expected<std::string> password = PercentDecode(
        colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1), false);
    if (!user || !password) {
      return InvalidDsn("invalid escape in user or password");
    }
    dsn.user = *user;
    dsn.password = *password;
  }
  if (Expected<void> ok = ApplyAddress(dsn, authority); !ok) {
    return Unexpected(ok.error());
  }
  Expected<std::string> dbname = PercentDecode(db, false);
  if (!dbname) {
    return InvalidDsn("invalid dbname: " + dbname.error().message);
  }
  dsn.dbname = *dbname;
  if (Expected<void> ok = ParseParams(dsn, params); !ok) {
    return Unexpected(ok.error());
  }
  return dsn;
}

struct MysqlCloser {
  void operator()(MYSQL* mysql) const { mysql_close(mysql); }
};
using MysqlHandle = std::unique_ptr<MYSQL, MysqlCloser>;

struct StmtCloser {
  void operator()(MYSQL_STMT* stmt) const { mysql_stmt_close(stmt); }
};
using StmtHandle = std::unique_ptr<MYSQL_STMT, StmtCloser>;

// The Go driver's wording, which Vault returns: `Error 1396 (HY000): Operation
// CREATE USER failed for 'x'@'%'`. Client-side errors (2000 and up: cannot
// connect, server gone) keep the library's text.
Error MakeError(unsigned number, const char* sqlstate, const char* message) {
  std::string text;
  if (number >= CR_MIN_ERROR) {
    text = message;
  } else if (sqlstate != nullptr && *sqlstate != '\0') {
    text = "Error " + std::to_string(number) + " (" + sqlstate + "): " + message;
  } else {
    text = "Error " + std::to_string(number) + ": " + message;
  }
  return Error{Error::Code::kIo, std::move(text)};
}

Error ConnError(MYSQL* mysql) {
  return MakeError(mysql_errno(mysql), mysql_sqlstate(mysql), mysql_error(mysql));
}

Error StmtError(MYSQL_STMT* stmt) {
  return MakeError(mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt));
}

bool ConnectionLost(unsigned number) {
  return number == CR_SERVER_GONE_ERROR || number == CR_SERVER_LOST;
}

void LibraryInit() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

Expected<void> Exec(MYSQL* mysql, const std::string& sql) {
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    return Unexpected(ConnError(mysql));
  }
  // A statement that returns rows (SELECT, SHOW) leaves them to be read.
  if (MYSQL_RES* rows = mysql_store_result(mysql); rows != nullptr) {
    mysql_free_result(rows);
  } else if (mysql_field_count(mysql) != 0) {
    return Unexpected(ConnError(mysql));
  }
  return {};
}

Expected<MysqlHandle> Open(const MySqlDsn& dsn) {
  LibraryInit();
  MysqlHandle mysql(mysql_init(nullptr));
  if (!mysql) {
    return Unexpected(Error::Code::kIo, "out of memory opening a MySQL connection");
  }
  MYSQL* m = mysql.get();
  // tcp(localhost:3306) means TCP, as in the Go driver (libmariadb would take the socket).
  unsigned protocol = dsn.net == "unix" ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  unsigned connect_timeout = dsn.connect_timeout_seconds == 0 ? 10 : dsn.connect_timeout_seconds;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  if (dsn.read_timeout_seconds > 0) {
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &dsn.read_timeout_seconds);
  }
  if (dsn.write_timeout_seconds > 0) {
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &dsn.write_timeout_seconds);
  }
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, dsn.charset.c_str());
  if (dsn.tls != "false") {
    // libmariadb 3.3: "enforce" without "verify" means use TLS when the server offers
    // it (the Go driver's preferred); with "verify" it requires a trusted certificate.
    my_bool enforce = 1;
    my_bool verify = dsn.tls == "true";
    mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &enforce);
  }
  if (mysql_real_connect(m, dsn.host.c_str(), dsn.user.c_str(), dsn.password.c_str(),
                         dsn.dbname.empty() ? nullptr : dsn.dbname.c_str(), dsn.port,
                         dsn.socket.empty() ? nullptr : dsn.socket.c_str(), 0) == nullptr) {
    return Unexpected(ConnError(m));
  }
  // libmariadb only insists on TLS when it also verifies the certificate; the Go
  // driver's tls=skip-verify insists too.
  if ((dsn.tls == "true" || dsn.tls == "skip-verify") && mysql_get_ssl_cipher(m) == nullptr) {
    return Unexpected(Error::Code::kIo, "TLS requested but server does not support TLS");
  }
  for (const auto& [name, value] : dsn.session_variables) {
    if (Expected<void> ok = Exec(m, "SET " + name + "=" + value); !ok) {
      return Unexpected(ok.error());
    }
  }
  return mysql;
}

// Prepares `sql` and executes it with string parameters bound to its `?`s.
Expected<void> ExecutePrepared(MYSQL_STMT* stmt, const std::string& sql,
                               const std::vector<std::string>& params) {
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    return Unexpected(StmtError(stmt));
  }
  if (mysql_stmt_param_count(stmt) != params.size()) {
    // database/sql's wording.
    return Unexpected(Error::Code::kInvalidArgument, "sql: expected " +
                                                         std::to_string(mysql_stmt_param_count(stmt)) +
                                                         " arguments, got " + std::to_string(params.size()));
  }
  std::vector<MYSQL_BIND> in(params.size());
  std::vector<unsigned long> lengths(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    lengths[i] = params[i].size();
    in[i].buffer_type = MYSQL_TYPE_STRING;
    in[i].buffer = const_cast<char*>(params[i].data());
    in[i].buffer_length = params[i].size();
    in[i].length = &lengths[i];
  }
  if ((!in.empty() && mysql_stmt_bind_param(stmt, in.data())) || mysql_stmt_execute(stmt) != 0) {
    return Unexpected(StmtError(stmt));
  }
  return {};
}

// Reads an executed statement's rows as text (NULL as ""); cells longer than the
// first buffer are fetched again whole.
Expected<std::vector<SqlRow>> FetchRows(MYSQL_STMT* stmt) {
  std::vector<SqlRow> rows;
  const unsigned ncols = mysql_stmt_field_count(stmt);
  if (ncols == 0) {
    return rows;
  }
  std::vector<MYSQL_BIND> out(ncols);
  std::vector<std::string> buffers(ncols, std::string(256, '\0'));
  std::vector<unsigned long> lengths(ncols);
  std::vector<my_bool> nulls(ncols);
  std::vector<my_bool> truncated(ncols);
  for (unsigned c = 0; c < ncols; ++c) {
    out[c].buffer_type = MYSQL_TYPE_STRING;
    out[c].buffer = buffers[c].data();
    out[c].buffer_length = buffers[c].size();
    out[c].length = &lengths[c];
    out[c].is_null = &nulls[c];
    out[c].error = &truncated[c];
  }
  if (mysql_stmt_bind_result(stmt, out.data()) != 0) {
    return Unexpected(StmtError(stmt));
  }
  for (int rc = mysql_stmt_fetch(stmt); rc != MYSQL_NO_DATA; rc = mysql_stmt_fetch(stmt)) {
    if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
      return Unexpected(StmtError(stmt));
    }
    SqlRow row(ncols);
    for (unsigned c = 0; c < ncols; ++c) {
      if (nulls[c]) {
        continue;
      }
      if (lengths[c] <= buffers[c].size()) {
        row[c].assign(buffers[c].data(), lengths[c]);
        continue;
      }
      row[c].resize(lengths[c]);
      MYSQL_BIND whole{};
      whole.buffer_type = MYSQL_TYPE_STRING;
      whole.buffer = row[c].data();
      whole.buffer_length = row[c].size();
      if (mysql_stmt_fetch_column(stmt, &whole, c, 0) != 0) {
        return Unexpected(StmtError(stmt));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Runs `sql` as a prepared statement with string parameters; rows come back as text.
Expected<std::vector<SqlRow>> QueryRows(MYSQL* mysql, const std::string& sql,
                                        const std::vector<std::string>& params) {
  StmtHandle stmt(mysql_stmt_init(mysql));
  if (!stmt) {
    return Unexpected(ConnError(mysql));
  }
  if (Expected<void> ok = ExecutePrepared(stmt.get(), sql, params); !ok) {
    return Unexpected(ok.error());
  }
  return FetchRows(stmt.get());
}

bool InTransaction(MYSQL* mysql) {
  unsigned status = 0;
  if (mariadb_get_infov(mysql, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0) {
    return true;  // unknown: do not reuse
  }
  return (status & SERVER_STATUS_IN_TRANS) != 0;
}

class MySqlConnection final : public SqlConnection {
 public:
  MySqlConnection(MySqlDsn dsn, PoolLimits limits)
      : pool_([dsn = std::move(dsn)] { return Open(dsn); }, limits) {}

  // Opens the first connection, so bad credentials fail Connect.
  Expected<void> Warm() {
    Expected<ConnectionPool<MysqlHandle>::Lease> lease = pool_.Acquire();
    if (!lease) {
      return Unexpected(lease.error());
    }
    return {};
  }

  Expected<void> Ping() override {
    return Void(Run<bool>([](MYSQL* mysql) -> Expected<bool> {
      if (mysql_ping(mysql) != 0) {
        return Unexpected(ConnError(mysql));
      }
      return true;
    }));
  }

  Expected<void> ExecuteInTransaction(const std::vector<std::string>& statements) override {
    return Void(Run<bool>([&statements](MYSQL* mysql) -> Expected<bool> {
      if (Expected<void> begin = Exec(mysql, "START TRANSACTION"); !begin) {
        return Unexpected(begin.error());
      }
      for (const std::string& statement : statements) {
        if (Expected<void> ok = Exec(mysql, statement); !ok) {
          (void)Exec(mysql, "ROLLBACK");  // undoes what DDL has not committed already
          return Unexpected(ok.error());
        }
      }
      if (Expected<void> commit = Exec(mysql, "COMMIT"); !commit) {
        return Unexpected(commit.error());
      }
      return true;
    }));
  }

  Expected<void> Execute(const std::string& statement) override {
    return Void(Run<bool>([&statement](MYSQL* mysql) -> Expected<bool> {
      Expected<void> ok = Exec(mysql, statement);
      return ok ? Expected<bool>(true) : Expected<bool>(Unexpected(ok.error()));
    }));
  }

  Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                      const std::vector<std::string>& params) override {
    return Run<std::vector<SqlRow>>([&](MYSQL* mysql) { return QueryRows(mysql, sql, params); });
  }

 private:
  static Expected<void> Void(const Expected<bool>& result) {
    if (!result) {
      return Unexpected(result.error());
    }
    return {};
  }

  // As PostgresConnection::Run: broken or mid-transaction connections are closed;
  // a reused idle connection found dead is replaced once.
  template <typename T, typename Op>
  Expected<T> Run(Op op) {
    for (int attempt = 0;; ++attempt) {
      Expected<ConnectionPool<MysqlHandle>::Lease> lease = pool_.Acquire();
      if (!lease) {
        return Unexpected(lease.error());
      }
      MYSQL* mysql = lease->get();
      Expected<T> result = op(mysql);
      // A failed statement on a dead connection (killed, server restarted, network
      // gone: CR_SERVER_GONE_ERROR / CR_SERVER_LOST, or MariaDB's "connection was
      // killed") also fails a ping; a plain SQL error does not.
      const bool dead = !result && (ConnectionLost(mysql_errno(mysql)) || mysql_ping(mysql) != 0);
      if (dead || InTransaction(mysql)) {
        lease->MarkBroken();
      }
      if (dead && lease->reused() && attempt == 0) {
        continue;
      }
      return result;
    }
  }

  ConnectionPool<MysqlHandle> pool_;
};

}  // namespace

Expected<MySqlDsn> ParseMySqlDsn(std::string_view dsn) {
  if (dsn.starts_with("mysql://")) {
    return ParseMySqlUrl(dsn);
  }
  // The Go driver's own algorithm: the last '/' ends the address part, the last '@'
  // before it ends the credentials, the first ':' splits user and password.
  const size_t slash = dsn.rfind('/');
  if (slash == std::string_view::npos) {
    return InvalidDsn("missing the slash separating the database name");
  }
  MySqlDsn out;
  std::string_view left = dsn.substr(0, slash);
  const size_t at = left.rfind('@');
  std::string_view address_part = left;
  if (at != std::string_view::npos) {
    std::string_view credentials = left.substr(0, at);
    const size_t colon = credentials.find(':');
    out.user = std::string(credentials.substr(0, colon));
    if (colon != std::string_view::npos) {
      out.password = std::string(credentials.substr(colon + 1));
    }
    address_part = left.substr(at + 1);
  }
  std::string_view addr;
  if (const size_t paren = address_part.find('('); paren != std::string_view::npos) {
    if (address_part.back() != ')') {
      if (address_part.substr(paren + 1).find(')') != std::string_view::npos) {
        return InvalidDsn("did you forget to escape a param value?");
      }
      return InvalidDsn("network address not terminated (missing closing brace)");
    }
    addr = address_part.substr(paren + 1, address_part.size() - paren - 2);
    address_part = address_part.substr(0, paren);
  }
  if (!address_part.empty()) {
    out.net = std::string(address_part);
  }
  if (Expected<void> ok = ApplyAddress(out, addr); !ok) {
    return Unexpected(ok.error());
  }
  std::string_view rest = dsn.substr(slash + 1);
  std::string_view params;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    params = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  Expected<std::string> dbname = PercentDecode(rest, false);
  if (!dbname) {
    return Unexpected(Error::Code::kInvalidArgument,
                      "invalid dbname \"" + std::string(rest) + "\": " + dbname.error().message);
  }
  out.dbname = *dbname;
  if (Expected<void> ok = ParseParams(out, params); !ok) {
    return Unexpected(ok.error());
  }
  return out;
}

Expected<std::unique_ptr<SqlConnection>> ConnectMySql(const SqlConnectionConfig& config) {
  Expected<MySqlDsn> dsn = ParseMySqlDsn(config.connection_url);
  if (!dsn) {
    return Unexpected(dsn.error());
  }
  auto connection = std::make_unique<MySqlConnection>(*std::move(dsn), LimitsFrom(config));
  if (Expected<void> warm = connection->Warm(); !warm) {
    return Unexpected(warm.error());
  }
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace polcheck::runtime::db
