// The PostgreSQL executor (libpq): connection_url parsing as Vault's pgx driver
// reads it, a bounded pool of PGconn, statements through the simple query protocol
// (PQexec, so a `DO $$ ... $$` block runs whole) and parameterised queries through
// PQexecParams with text parameters and results.
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/db_drivers.h"

namespace polcheck::runtime::db {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

Expected<Params> InvalidUrl(const std::string& why) {
  return Unexpected(Error::Code::kInvalidArgument, "cannot parse connection_url: " + why);
}

// libpq's connection keywords (host, port, dbname, user, sslmode, ...), read from
// the library itself so a newer libpq's keywords are known too.
const std::set<std::string>& LibpqKeywords() {
  static const std::set<std::string> keywords = [] {
    std::set<std::string> out;
    PQconninfoOption* options = PQconndefaults();
    for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
      out.insert(o->keyword);
    }
    PQconninfoFree(options);
    return out;
  }();
  return keywords;
}

// Collapses libpq's multi-line messages ("...failed: ...\n\tIs the server
// running...?\n") into one trimmed line.
std::string OneLine(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space && c != ' ') {
      out += ' ';
    }
    pending_space = false;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

// host[:port] or [v6]:port, one element of a URL's comma-separated host list.
Expected<std::pair<std::string, std::string>> SplitHostPort(std::string_view item) {
  std::string_view host = item;
  std::string_view port;
  if (!item.empty() && item.front() == '[') {
    const size_t close = item.find(']');
    if (close == std::string_view::npos) {
      return Unexpected(Error::Code::kInvalidArgument, "cannot parse connection_url: missing ']' in host");
    }
    host = item.substr(1, close - 1);
    std::string_view rest = item.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Unexpected(Error::Code::kInvalidArgument, "cannot parse connection_url: invalid host");
      }
      port = rest.substr(1);
    }
  } else if (const size_t colon = item.rfind(':'); colon != std::string_view::npos) {
    host = item.substr(0, colon);
    port = item.substr(colon + 1);
  }
  if (!std::all_of(port.begin(), port.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return Unexpected(Error::Code::kInvalidArgument,
                      "cannot parse connection_url: invalid port \"" + std::string(port) + "\"");
  }
  Expected<std::string> decoded = PercentDecode(host, false);
  if (!decoded) {
    return Unexpected(Error::Code::kInvalidArgument,
                      "cannot parse connection_url: " + decoded.error().message);
  }
  return std::pair<std::string, std::string>(*decoded, std::string(port));
}

// Sets key (later settings win, as in libpq).
void Set(Params& params, std::string key, std::string value) {
  for (auto& [k, v] : params) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  params.emplace_back(std::move(key), std::move(value));
}

Expected<void> ParseUrlHosts(std::string_view hostlist, Params& params) {
  std::string hosts;
  std::string ports;
  bool any_port = false;
  std::vector<std::pair<std::string, std::string>> items;
  size_t start = 0;
  while (start <= hostlist.size()) {
    const size_t comma = std::min(hostlist.find(',', start), hostlist.size());
    Expected<std::pair<std::string, std::string>> hp = SplitHostPort(hostlist.substr(start, comma - start));
    if (!hp) {
      return Unexpected(hp.error());
    }
    any_port = any_port || !hp->second.empty();
    items.push_back(*std::move(hp));
    start = comma + 1;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    hosts += (i > 0 ? "," : "") + items[i].first;
    ports += (i > 0 ? "," : "") + (items[i].second.empty() ? std::string("5432") : items[i].second);
  }
  if (hosts.find_first_not_of(',') != std::string::npos) {
    Set(params, "host", hosts);
  }
  if (any_port) {
    Set(params, "port", ports);
  }
  return {};
}

Expected<Params> ParseUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  Params params;
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    Expected<std::string> user = PercentDecode(userinfo.substr(0, colon), false);
    if (!user) {
      return InvalidUrl("invalid user name escape");
    }
    Set(params, "user", *user);
    if (colon != std::string_view::npos) {
      Expected<std::string> password = PercentDecode(userinfo.substr(colon + 1), false);
      if (!password) {
        return InvalidUrl("invalid password escape");  // never echo the password
      }
      Set(params, "password", *password);
    }
  }
  if (Expected<void> hosts = ParseUrlHosts(authority, params); !hosts) {
    return Unexpected(hosts.error());
  }
  if (!path.empty()) {
    Expected<std::string> dbname = PercentDecode(path, false);
    if (!dbname) {
      return InvalidUrl(dbname.error().message);
    }
    Set(params, "dbname", *dbname);
  }
  size_t start = 0;
  while (start < query.size()) {
    const size_t amp = std::min(query.find('&', start), query.size());
    std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) {
      continue;
    }
    const size_t eq = pair.find('=');
    Expected<std::string> key = PercentDecode(pair.substr(0, eq), true);
    Expected<std::string> value =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) {
      return InvalidUrl("invalid escape in query parameter");
    }
    Set(params, *key, *value);
  }
  return params;
}

// libpq's key=value form: `host=h port=5432 password='it''s' dbname = x`; values may
// be single-quoted; a backslash escapes the next character.
Expected<Params> ParseKeyValue(std::string_view dsn) {
  Params params;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) {
      ++i;
    }
  };
  for (skip_space(); i < dsn.size(); skip_space()) {
    const size_t key_start = i;
    while (i < dsn.size() && dsn[i] != '=' && !std::isspace(static_cast<unsigned char>(dsn[i]))) {
      ++i;
    }
    std::string key(dsn.substr(key_start, i - key_start));
    skip_space();
    if (i >= dsn.size() || dsn[i] != '=') {
      return InvalidUrl("missing \"=\" after \"" + key + "\" in connection info string");
    }
    ++i;
    skip_space();
    std::string value;
    const bool quoted = i < dsn.size() && dsn[i] == '\'';
    if (quoted) {
      ++i;
    }
    bool closed = !quoted;
    for (; i < dsn.size(); ++i) {
      const char c = dsn[i];
      if (c == '\\' && i + 1 < dsn.size()) {
        value += dsn[++i];
      } else if (quoted && c == '\'') {
        closed = true;
        ++i;
        break;
      } else if (!quoted && std::isspace(static_cast<unsigned char>(c))) {
        break;
      } else {
        value += c;
      }
    }
    if (!closed) {
      return InvalidUrl("unterminated quoted string in connection info string");
    }
    Set(params, std::move(key), std::move(value));
  }
  return params;
}

// `-c name=value` for libpq's options, spaces and backslashes escaped.
std::string ServerSetting(std::string_view name, std::string_view value) {
  std::string out = "-c ";
  for (char c : std::string(name) + "=" + std::string(value)) {
    if (c == ' ' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

struct PgConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgHandle = std::unique_ptr<PGconn, PgConnCloser>;

struct PgResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultCloser>;

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

Expected<PgHandle> Open(const Params& params) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PgHandle conn(PQconnectdbParams(keys.data(), values.data(), 0));
  if (!conn) {
    return Unexpected(Error::Code::kIo, "out of memory opening a PostgreSQL connection");
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Unexpected(Error::Code::kIo, OneLine(PQerrorMessage(conn.get())));
  }
  // NOTICEs (`role "x" does not exist, skipping`) are not errors; libpq would print them.
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return conn;
}

// pgx's wording, which Vault returns: `ERROR: role "x" already exists (SQLSTATE 42710)`.
Error ResultError(PGconn* conn, const PGresult* result) {
  const char* severity = result ? PQresultErrorField(result, PG_DIAG_SEVERITY) : nullptr;
  const char* message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (severity != nullptr && message != nullptr && sqlstate != nullptr) {
    return Error{Error::Code::kIo, std::string(severity) + ": " + message + " (SQLSTATE " + sqlstate + ")"};
  }
  // Client-side failures (connection lost, ...) have no fields, only text.
  std::string text = OneLine(result ? PQresultErrorMessage(result) : "");
  if (text.empty()) {
    text = OneLine(PQerrorMessage(conn));
  }
  return Error{Error::Code::kIo, text.empty() ? "PostgreSQL request failed" : text};
}

Expected<void> Exec(PGconn* conn, const std::string& sql) {
  PgResult result(PQexec(conn, sql.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return {};
  }
  return Unexpected(ResultError(conn, result.get()));
}

Expected<std::vector<SqlRow>> QueryRows(PGconn* conn, const std::string& sql,
                                        const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) {
    values.push_back(p.c_str());
  }
  PgResult result(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return Unexpected(ResultError(conn, result.get()));
  }
  std::vector<SqlRow> rows;
  const int nrows = PQntuples(result.get());
  const int ncols = PQnfields(result.get());
  rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    SqlRow row;
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      row.emplace_back(PQgetisnull(result.get(), r, c) ? "" : PQgetvalue(result.get(), r, c));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(Params params, PoolLimits limits)
      : pool_([params = std::move(params)] { return Open(params); }, limits) {}

  // Opens the first connection, so bad credentials fail Connect.
  Expected<void> Warm() {
    Expected<ConnectionPool<PgHandle>::Lease> lease = pool_.Acquire();
    if (!lease) {
      return Unexpected(lease.error());
    }
    return {};
  }

  Expected<void> Ping() override {
    return Void(Run<bool>([](PGconn* conn) -> Expected<bool> {
      Expected<void> ok = Exec(conn, ";");  // what pgx sends to ping
      return ok ? Expected<bool>(true) : Expected<bool>(Unexpected(ok.error()));
    }));
  }

  Expected<void> ExecuteInTransaction(const std::vector<std::string>& statements) override {
    return Void(Run<bool>([&statements](PGconn* conn) -> Expected<bool> {
      if (Expected<void> begin = Exec(conn, "BEGIN"); !begin) {
        return Unexpected(begin.error());
      }
      for (const std::string& statement : statements) {
        if (Expected<void> ok = Exec(conn, statement); !ok) {
          (void)Exec(conn, "ROLLBACK");  // a broken connection is discarded by Run anyway
          return Unexpected(ok.error());
        }
      }
      if (Expected<void> commit = Exec(conn, "COMMIT"); !commit) {
        return Unexpected(commit.error());
      }
      return true;
    }));
  }

  Expected<void> Execute(const std::string& statement) override {
    return Void(Run<bool>([&statement](PGconn* conn) -> Expected<bool> {
      Expected<void> ok = Exec(conn, statement);
      return ok ? Expected<bool>(true) : Expected<bool>(Unexpected(ok.error()));
    }));
  }

  Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                      const std::vector<std::string>& params) override {
    return Run<std::vector<SqlRow>>([&](PGconn* conn) { return QueryRows(conn, sql, params); });
  }

 private:
  static Expected<void> Void(const Expected<bool>& result) {
    if (!result) {
      return Unexpected(result.error());
    }
    return {};
  }

  // Runs op on a pooled connection. A connection left broken or inside a
  // transaction is closed, not reused. When a reused idle connection turns out to
  // be dead (server restarted, idle timeout), the operation runs once more on a
  // fresh one, as Go's database/sql does on driver.ErrBadConn.
  template <typename T, typename Op>
  Expected<T> Run(Op op) {
    for (int attempt = 0;; ++attempt) {
      Expected<ConnectionPool<PgHandle>::Lease> lease = pool_.Acquire();
      if (!lease) {
        return Unexpected(lease.error());
      }
      PGconn* conn = lease->get();
      Expected<T> result = op(conn);
      const bool dead = PQstatus(conn) != CONNECTION_OK;
      if (dead || PQtransactionStatus(conn) != PQTRANS_IDLE) {
        lease->MarkBroken();
      }
      if (!result && dead && lease->reused() && attempt == 0) {
        continue;
      }
      return result;
    }
  }

  ConnectionPool<PgHandle> pool_;
};

}  // namespace

Expected<Params> ParsePostgresConnectionUrl(std::string_view url) {
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) {
    url.remove_prefix(1);
  }
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) {
    url.remove_suffix(1);
  }
  if (url.empty()) {
    return InvalidUrl("empty connection_url");
  }
  const bool is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
  if (!is_url && url.find("://") != std::string_view::npos) {
    return InvalidUrl("unsupported scheme \"" + std::string(url.substr(0, url.find("://"))) +
                      "\" (want postgres:// or postgresql://)");
  }
  Expected<Params> parsed = is_url ? ParseUrl(url) : ParseKeyValue(url);
  if (!parsed) {
    return parsed;
  }
  // Split libpq keywords from server settings (pgx's RuntimeParams).
  Params params;
  std::string options;
  for (auto& [key, value] : *parsed) {
    if (LibpqKeywords().contains(key)) {
      if (key == "options") {
        options = value + (options.empty() ? "" : " " + options);
      } else {
        params.emplace_back(key, value);
      }
    } else {
      options += (options.empty() ? "" : " ") + ServerSetting(key, value);
    }
  }
  if (!options.empty()) {
    params.emplace_back("options", options);
  }
  // pgx speaks UTF-8 and waits for the caller's context; libpq would take the
  // server's encoding and wait for ever on a black-holed host.
  auto has = [&params](std::string_view key) {
    return std::any_of(params.begin(), params.end(), [key](const auto& p) { return p.first == key; });
  };
  if (!has("client_encoding")) {
    params.emplace_back("client_encoding", "UTF8");
  }
  if (!has("connect_timeout")) {
    params.emplace_back("connect_timeout", "10");
  }
  if (!has("fallback_application_name")) {
    params.emplace_back("fallback_application_name", "polcheck");
  }
  return params;
}

Expected<std::unique_ptr<SqlConnection>> ConnectPostgres(const SqlConnectionConfig& config) {
  Expected<Params> params = ParsePostgresConnectionUrl(config.connection_url);
  if (!params) {
    return Unexpected(params.error());
  }
  auto connection = std::make_unique<PostgresConnection>(*std::move(params), LimitsFrom(config));
  if (Expected<void> warm = connection->Warm(); !warm) {
    return Unexpected(warm.error());
  }
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace polcheck::runtime::db
