// The database secrets engine (RUNTIME-API.md §5.3). Storage under the mount's
// prefix, all through the barrier (so the root and generated passwords are
// encrypted at rest): "config/<name>", "role/<name>", "static-role/<name>".
// Dynamic creds are leases owned by the requesting token; the lease's internal
// data names the user, its role and config, and the role's revocation
// statements at issue (used when the role is gone by revocation time, as Vault does).
#include "runtime/database.h"

#include <algorithm>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "runtime/auth_common.h"
#include "runtime/crypto.h"
#include "runtime/leases.h"
#include "runtime/tokens.h"

namespace polcheck::runtime {
namespace database {
namespace {

constexpr Plugin kPlugins[] = {
    {"postgresql-database-plugin", SqlDialect::kPostgres, 8, 8, 63},
    {"mysql-database-plugin", SqlDialect::kMySql, 10, 10, 32},
    // Vault registers these three with mysql.DefaultLegacyUserNameTemplate.
    {"mysql-aurora-database-plugin", SqlDialect::kMySql, 0, 4, 16},
    {"mysql-rds-database-plugin", SqlDialect::kMySql, 0, 4, 16},
    {"mysql-legacy-database-plugin", SqlDialect::kMySql, 0, 4, 16},
};

constexpr std::string_view kPasswordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

std::string Truncate(std::string_view s, std::size_t n) {
  return std::string(s.substr(0, n));
}

std::string Trim(std::string_view s) {
  const std::size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return "";
  }
  const std::size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

}  // namespace

const Plugin* FindPlugin(std::string_view name) {
  for (const Plugin& p : kPlugins) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

std::string DefaultUsername(const Plugin& plugin, std::string_view display_name, std::string_view role,
                            std::int64_t unix_time) {
  std::string out = "v-";
  if (plugin.display_len > 0) {
    out += Truncate(display_name, plugin.display_len) + "-" + Truncate(role, plugin.role_len) + "-" +
           crypto::RandomBase62(20) + "-" + std::to_string(unix_time);
  } else {
    out += Truncate(role, plugin.role_len) + "-" + crypto::RandomBase62(20);
  }
  return Truncate(out, plugin.username_len);
}

bool MeetsDefaultPasswordPolicy(std::string_view password) {
  auto has = [&](auto pred) { return std::any_of(password.begin(), password.end(), pred); };
  return password.size() == 20 &&
         std::all_of(password.begin(), password.end(),
                     [](char c) { return kPasswordChars.find(c) != std::string_view::npos; }) &&
         has([](char c) { return c >= 'A' && c <= 'Z'; }) &&
         has([](char c) { return c >= 'a' && c <= 'z'; }) &&
         has([](char c) { return c >= '0' && c <= '9'; }) && has([](char c) { return c == '-'; });
}

std::string GeneratePassword() {
  // Rejection sampling keeps every character equally likely (252 = 4 * 63).
  constexpr unsigned kLimit = 252;
  while (true) {
    std::string out;
    while (out.size() < 20) {
      for (unsigned char byte : crypto::RandomBytes(32)) {
        if (byte < kLimit && out.size() < 20) {
          out += kPasswordChars[byte % kPasswordChars.size()];
        }
      }
    }
    if (MeetsDefaultPasswordPolicy(out)) {
      return out;
    }
  }
}

// Vault's postgres containsMultilineStatement: the word END (upper case, whole
// word) outside '...' and "..." literals marks a block (DO $$ BEGIN ... END $$).
bool ContainsMultilineStatement(std::string_view stmt) {
  std::string outside;
  char quote = 0;
  for (char c : stmt) {
    if (quote != 0) {
      quote = c == quote ? 0 : quote;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else {
      outside += c;
    }
  }
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t at = outside.find("END"); at != std::string::npos; at = outside.find("END", at + 1)) {
    if ((at == 0 || !word(outside[at - 1])) && (at + 3 == outside.size() || !word(outside[at + 3]))) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> SplitStatements(const std::vector<std::string>& elements, SqlDialect dialect) {
  std::vector<std::string> out;
  for (const std::string& element : elements) {
    if (dialect == SqlDialect::kPostgres && ContainsMultilineStatement(element)) {
      if (std::string whole = Trim(element); !whole.empty()) {
        out.push_back(std::move(whole));
      }
      continue;
    }
    std::size_t start = 0;
    while (start <= element.size()) {
      std::size_t end = element.find(';', start);
      end = end == std::string::npos ? element.size() : end;
      if (std::string piece = Trim(std::string_view(element).substr(start, end - start)); !piece.empty()) {
        out.push_back(std::move(piece));
      }
      start = end + 1;
    }
  }
  return out;
}

std::string Render(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string needle = "{{" + key + "}}";
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + value.size())) {
      text.replace(at, needle.size(), value);
    }
  }
  return text;
}

std::string ExpirationText(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S+0000", &tm);
  return out;
}

std::string PathEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      std::string_view("-_.~$&+:=@").find(static_cast<char>(c)) != std::string_view::npos;
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string QuoteIdentifier(std::string_view name) {
  name = name.substr(0, name.find('\0'));
  std::string out = "\"";
  for (char c : name) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

}  // namespace database

namespace {

using database::Plugin;
using evaluator::Operation;
using nlohmann::json;

constexpr const char* kPgRenew = R"(ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';)";
constexpr const char* kPgRotate = R"(ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';)";
constexpr const char* kMySqlRevoke =
    "REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%'; DROP USER '{{name}}'@'%'";
constexpr const char* kMySqlRotate = "ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';";

// Fields of config/:name that are engine settings, not connection details.
const char* const kConfigFields[] = {"name",           "plugin_name",       "plugin_version",
                                     "allowed_roles",  "verify_connection", "root_rotation_statements",
                                     "password_policy"};

// Vault's GenericNameRegex: \w(([\w-.]+)?\w)?
bool ValidName(std::string_view name) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (name.empty() || !word(name.front()) || !word(name.back())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [&](char c) { return word(c) || c == '-' || c == '.'; });
}

// "roles/x" with prefix "roles/" -> "x" when the rest is a valid name.
std::optional<std::string> NameAfter(const std::string& path, std::string_view prefix) {
  if (!path.starts_with(prefix)) {
    return std::nullopt;
  }
  std::string name = path.substr(prefix.size());
  return ValidName(name) ? std::optional(name) : std::nullopt;
}

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate;
}

// A bool field: JSON bool or a strconv-style string; nullopt + error when invalid.
std::optional<bool> BoolField(const json& data, const char* key, std::string& error) {
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) {
    return std::nullopt;
  }
  if (it->is_boolean()) {
    return it->get<bool>();
  }
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    for (const char* t : {"1", "t", "T", "true", "TRUE", "True"}) {
      if (s == t) {
        return true;
      }
    }
    for (const char* f : {"0", "f", "F", "false", "FALSE", "False"}) {
      if (s == f) {
        return false;
      }
    }
  }
  error = std::string("error converting input for field \"") + key + "\": expected a boolean";
  return std::nullopt;
}

// An integer connection detail (number or numeric string); `fallback` when absent or unparsable.
int IntDetail(const json& details, const char* key, int fallback) {
  auto it = details.find(key);
  if (it == details.end()) {
    return fallback;
  }
  if (it->is_number_integer()) {
    return it->get<int>();
  }
  if (it->is_string()) {
    try {
      return std::stoi(it->get<std::string>());
    } catch (const std::exception&) {
      return fallback;
    }
  }
  return fallback;
}

std::string StringDetail(const json& details, const char* key) {
  auto it = details.find(key);
  return it != details.end() && it->is_string() ? it->get<std::string>() : "";
}

// Where a lease's revocation needs to look (stored encrypted in the lease).
struct LeaseInternal {
  std::string username;
  std::string role;
  std::string db_name;
  std::vector<std::string> revocation_statements;
};

class DatabaseBackend final : public Backend {
 public:
  DatabaseBackend(Core& core, MountEntry mount) : core_(core), mount_(std::move(mount)) {}
  std::string type() const override { return "database"; }

  std::optional<bool> Exists(const std::string& path) override {
    for (const auto& [prefix, folder] : {std::pair{"config/", "config/"}, std::pair{"roles/", "role/"},
                                         std::pair{"static-roles/", "static-role/"}}) {
      if (std::optional<std::string> name = NameAfter(path, prefix)) {
        Expected<std::optional<json>> stored = Load(std::string(folder) + *name);
        return stored && stored->has_value();
      }
    }
    return std::nullopt;
  }

  // Connection details are the plugin's and stay as sent (it decodes them itself).
  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 4> kConfig = {{{"plugin_name", FieldKind::kString},
                                                      {"plugin_version", FieldKind::kString},
                                                      {"password_policy", FieldKind::kString},
                                                      {"verify_connection", FieldKind::kBool}}};
    static constexpr std::array<Field, 2> kRole = {{{"db_name", FieldKind::kString},
                                                    {"credential_type", FieldKind::kString}}};
    static constexpr std::array<Field, 2> kStaticRole = {{{"db_name", FieldKind::kString},
                                                          {"username", FieldKind::kString}}};
    if (path.starts_with("config/")) {
      return kConfig;
    }
    if (path.starts_with("roles/")) {
      return kRole;
    }
    return path.starts_with("static-roles/") ? FieldList(kStaticRole) : FieldList();
  }

  Response Handle(const LogicalRequest& req) override {
    const std::string& p = req.path;
    if (p == "config" || p == "config/" || p == "roles" || p == "roles/" || p == "static-roles" ||
        p == "static-roles/") {
      if (req.operation != Operation::kList) {
        return Response::UnsupportedOperation();
      }
      return ListKeys(p.starts_with("config")  ? "config/"
                      : p.starts_with("roles") ? "role/"
                                               : "static-role/");
    }
    if (std::optional<std::string> name = NameAfter(p, "config/")) {
      return HandleConfig(req, *name);
    }
    if (std::optional<std::string> name = NameAfter(p, "roles/")) {
      return HandleRole(req, *name);
    }
    if (std::optional<std::string> name = NameAfter(p, "static-roles/")) {
      return HandleStaticRole(req, *name);
    }
    if (std::optional<std::string> name = NameAfter(p, "creds/")) {
      return req.operation == Operation::kRead ? Creds(req, *name) : Response::UnsupportedOperation();
    }
    if (std::optional<std::string> name = NameAfter(p, "static-creds/")) {
      return req.operation == Operation::kRead ? StaticCreds(*name) : Response::UnsupportedOperation();
    }
    if (std::optional<std::string> name = NameAfter(p, "reset/")) {
      return IsWrite(req.operation) ? Reset(*name) : Response::UnsupportedOperation();
    }
    if (std::optional<std::string> name = NameAfter(p, "rotate-root/")) {
      return IsWrite(req.operation) ? RotateRoot(*name) : Response::UnsupportedOperation();
    }
    if (std::optional<std::string> name = NameAfter(p, "rotate-role/")) {
      return IsWrite(req.operation) ? RotateRole(*name) : Response::UnsupportedOperation();
    }
    return Response::UnsupportedPath();
  }

  // LeaseStore revoker: runs the revocation statements for the lease's user.
  Expected<void> RevokeLease(const Lease& lease) {
    const LeaseInternal in = ParseInternal(lease.internal);
    // As Vault's secretCredsRevoke: the role's current config and statements while it exists,
    // else what the lease recorded at issue.
    std::string db_name = in.db_name;
    std::vector<std::string> statements = in.revocation_statements;
    Expected<std::optional<json>> role = Load("role/" + in.role);
    if (!role) {
      return Unexpected(role.error());
    }
    if (*role) {
      db_name = (**role).value("db_name", "");
      statements = StringList(**role, "revocation_statements");
    }
    Expected<Connected> db = Connection(db_name);
    if (!db) {
      return Unexpected(db.error());
    }
    return db->plugin->dialect == SqlDialect::kPostgres ? RevokePostgres(*db->conn, in.username, statements)
                                                        : RevokeMySql(*db->conn, in.username, statements);
  }

  // LeaseStore renewer: runs the renew statements with the new expiry (MySQL: nothing, as Vault).
  Expected<void> RenewLease(const Lease& lease, std::int64_t expire_time) {
    const LeaseInternal in = ParseInternal(lease.internal);
    Expected<std::optional<json>> role = Load("role/" + in.role);
    if (!role) {
      return Unexpected(role.error());
    }
    if (!*role) {
      return Unexpected(Error::Code::kInternal,
                        "error during renew: could not find role with name " + in.role);
    }
    Expected<Connected> db = Connection((**role).value("db_name", ""));
    if (!db) {
      return Unexpected(db.error());
    }
    if (db->plugin->dialect == SqlDialect::kMySql) {
      return {};
    }
    std::vector<std::string> statements = StringList(**role, "renew_statements");
    if (statements.empty()) {
      statements = {kPgRenew};
    }
    return db->conn->ExecuteInTransaction(Rendered(statements, SqlDialect::kPostgres,
                                                   {{"name", in.username},
                                                    {"username", in.username},
                                                    {"expiration", database::ExpirationText(expire_time)}}));
  }

  // The expiry manager's tick: rotates every static role whose period has passed
  // (Vault's rotation queue). One failing role does not hold up the others.
  Expected<void> RotateDueStaticRoles(std::int64_t now) {
    Expected<std::vector<std::string>> names = core_.barrier().List(Key("static-role/"));
    if (!names) {
      return Unexpected(names.error());
    }
    Expected<void> result;
    for (const std::string& name : *names) {
      Expected<std::optional<json>> role = Load("static-role/" + name);
      if (!role || !*role) {
        continue;  // deleted meanwhile, or a storage error the next tick retries
      }
      if (now < (**role).value("last_vault_rotation", std::int64_t{0}) +
                    (**role).value("rotation_period", std::int64_t{0})) {
        continue;
      }
      if (Response rotated = Rotate(name, **role); rotated.is_error) {
        result = Unexpected(Error::Code::kIo, "rotating static role " + name + ": " +
                                                  (rotated.errors.empty() ? "" : rotated.errors.front()));
      }
    }
    return result;
  }

 private:
  struct Connected {
    std::shared_ptr<SqlConnection> conn;
    const Plugin* plugin = nullptr;
    json config;
  };

  std::string Key(const std::string& rest) const { return mount_.StoragePrefix() + rest; }
  Expected<std::optional<json>> Load(const std::string& rest) { return LoadJson(core_.barrier(), Key(rest)); }
  Response Store(const std::string& rest, const json& value) {
    return StoreJson(core_.barrier(), Key(rest), value);
  }

  static LeaseInternal ParseInternal(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object()) {
      return {};
    }
    return {.username = j.value("username", ""),
            .role = j.value("role", ""),
            .db_name = j.value("db_name", ""),
            .revocation_statements = StringList(j, "revocation_statements")};
  }

  static std::vector<std::string> Rendered(const std::vector<std::string>& elements, SqlDialect dialect,
                                           const std::map<std::string, std::string>& values) {
    std::vector<std::string> out = database::SplitStatements(elements, dialect);
    for (std::string& statement : out) {
      statement = database::Render(std::move(statement), values);
    }
    return out;
  }

  // ---- connections -------------------------------------------------------------------------

  static SqlConnectionConfig ConnectionConfig(const json& config, const Plugin& plugin) {
    const json& details = config["connection_details"];
    const bool raw = details.value("disable_escaping", false) == true;
    const std::string username = StringDetail(details, "username");
    const std::string password = StringDetail(details, "password");
    const int max_open = IntDetail(details, "max_open_connections", 4);
    std::string lifetime_error;
    SqlConnectionConfig out{
        .plugin_name = std::string(plugin.name),
        .dialect = plugin.dialect,
        .connection_url = database::Render(
            StringDetail(details, "connection_url"),
            {{"username", raw ? username : database::PathEscape(username)},
             {"password",
              raw || plugin.dialect == SqlDialect::kMySql ? password : database::PathEscape(password)}}),
        .max_open_connections = max_open,
        .max_idle_connections = std::min(IntDetail(details, "max_idle_connections", 0) == 0
                                             ? max_open
                                             : IntDetail(details, "max_idle_connections", 0),
                                         max_open),
        .max_connection_lifetime_seconds =
            static_cast<int>(DurationSeconds(details, "max_connection_lifetime", lifetime_error).value_or(0)),
    };
    return out;
  }

  // The cached connection of config `name`, opened on first use.
  Expected<Connected> Connection(const std::string& name) {
    Expected<std::optional<json>> config = Load("config/" + name);
    if (!config) {
      return Unexpected(config.error());
    }
    if (!*config) {
      return Unexpected(Error::Code::kInternal,
                        "failed to find entry for connection with name: \"" + name + "\"");
    }
    const Plugin* plugin = database::FindPlugin((**config).value("plugin_name", ""));
    if (plugin == nullptr) {
      return Unexpected(Error::Code::kInternal,
                        "unknown plugin \"" + (**config).value("plugin_name", "") + "\"");
    }
    std::lock_guard lock(mu_);
    auto it = connections_.find(name);
    if (it == connections_.end()) {
      Expected<std::unique_ptr<SqlConnection>> opened =
          core_.sql_executor().Connect(ConnectionConfig(**config, *plugin));
      if (!opened) {
        return Unexpected(opened.error());
      }
      it = connections_.emplace(name, std::shared_ptr<SqlConnection>(std::move(*opened))).first;
    }
    return Connected{.conn = it->second, .plugin = plugin, .config = std::move(**config)};
  }

  void CloseConnection(const std::string& name) {
    std::lock_guard lock(mu_);
    connections_.erase(name);
  }

  // ---- revocation --------------------------------------------------------------------------

  // Vault's postgres defaultDeleteUser; custom statements run in one transaction.
  static Expected<void> RevokePostgres(SqlConnection& conn, const std::string& user,
                                       const std::vector<std::string>& statements) {
    if (!statements.empty()) {
      return conn.ExecuteInTransaction(
          Rendered(statements, SqlDialect::kPostgres, {{"name", user}, {"username", user}}));
    }
    Expected<std::vector<SqlRow>> exists =
        conn.Query("SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);", {user});
    if (!exists) {
      return Unexpected(exists.error());
    }
    const std::string flag = !exists->empty() && !exists->front().empty() ? exists->front().front() : "";
    if (flag != "t" && flag != "true" && flag != "1") {
      return {};  // nothing to drop
    }
    Expected<std::vector<SqlRow>> schemas = conn.Query(
        "SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee=$1;", {user});
    if (!schemas) {
      return Unexpected(schemas.error());
    }
    const std::string u = database::QuoteIdentifier(user);
    std::vector<std::string> revocations;
    for (const SqlRow& row : *schemas) {
      const std::string s = database::QuoteIdentifier(row.empty() ? "" : row.front());
      revocations.push_back("REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA " + s + " FROM " + u + ";");
      revocations.push_back("REVOKE USAGE ON SCHEMA " + s + " FROM " + u + ";");
    }
    revocations.push_back("REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM " + u + ";");
    revocations.push_back("REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM " + u + ";");
    revocations.push_back("REVOKE USAGE ON SCHEMA public FROM " + u + ";");
    Expected<std::vector<SqlRow>> dbname = conn.Query("SELECT current_database();", {});
    if (!dbname) {
      return Unexpected(dbname.error());
    }
    if (!dbname->empty() && !dbname->front().empty() && !dbname->front().front().empty()) {
      revocations.push_back("REVOKE CONNECT ON DATABASE " +
                            database::QuoteIdentifier(dbname->front().front()) + " FROM " + u + ";");
    }
    // Not a transaction: as much access as possible goes even when one statement fails.
    std::optional<Error> last;
    for (const std::string& statement : revocations) {
      if (Expected<void> done = conn.Execute(statement); !done) {
        last = done.error();
      }
    }
    if (last) {
      return Unexpected(Error::Code::kIo, "could not perform all revocation statements: " + last->message);
    }
    return conn.Execute("DROP ROLE IF EXISTS " + u + ";");
  }

  // Vault's mysql DeleteUser: no existence check, one transaction.
  static Expected<void> RevokeMySql(SqlConnection& conn, const std::string& user,
                                    const std::vector<std::string>& statements) {
    const std::vector<std::string> list =
        statements.empty() ? std::vector<std::string>{kMySqlRevoke} : statements;
    return conn.ExecuteInTransaction(
        Rendered(list, SqlDialect::kMySql, {{"name", user}, {"username", user}}));
  }

  // Vault's changeUserPassword: Postgres first asks pg_roles (only a failing query stops it),
  // then both dialects run the statements (default: the plugin's) in one transaction.
  static Expected<void> ChangePassword(SqlConnection& conn, SqlDialect dialect, const std::string& user,
                                       const std::string& password, std::vector<std::string> statements) {
    if (dialect == SqlDialect::kPostgres) {
      Expected<std::vector<SqlRow>> exists =
          conn.Query("SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);", {user});
      if (!exists) {
        return Unexpected(Error::Code::kIo, "user does not appear to exist: " + exists.error().message);
      }
    }
    if (statements.empty()) {
      statements = {dialect == SqlDialect::kPostgres ? kPgRotate : kMySqlRotate};
    }
    return conn.ExecuteInTransaction(
        Rendered(statements, dialect, {{"name", user}, {"username", user}, {"password", password}}));
  }

  // ---- config/:name, reset, rotate-root ----------------------------------------------------

  Response ListKeys(const std::string& folder) {
    Expected<std::vector<std::string>> keys = core_.barrier().List(Key(folder));
    if (!keys) {
      return Response::FromError(keys.error());
    }
    if (keys->empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", *keys}});
  }

  Response HandleConfig(const LogicalRequest& req, const std::string& name) {
    switch (req.operation) {
      case Operation::kRead:
        return ReadConfig(name);
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteConfig(req, name);
      case Operation::kDelete: {
        CloseConnection(name);
        Expected<void> gone = core_.barrier().Delete(Key("config/" + name));
        return gone ? Response::NoContent() : Response::FromError(gone.error());
      }
      case Operation::kList:
      case Operation::kPatch:
      case Operation::kHelp:
      case Operation::kScan:
      case Operation::kRecover:
      case Operation::kRevoke:
      case Operation::kRenew:
      case Operation::kRollback:
      case Operation::kSubscribe:
      case Operation::kHeader:
        break;
    }
    return Response::UnsupportedOperation();
  }

  Response ReadConfig(const std::string& name) {
    Expected<std::optional<json>> config = Load("config/" + name);
    if (!config) {
      return Response::FromError(config.error());
    }
    if (!*config) {
      return Response::NotFound();
    }
    json details = (**config)["connection_details"];
    details.erase("password");  // never readable
    return Response::Data({{"plugin_name", (**config).value("plugin_name", "")},
                           {"plugin_version", (**config).value("plugin_version", "")},
                           {"connection_details", details},
                           {"allowed_roles", (**config).value("allowed_roles", json::array())},
                           {"root_credentials_rotate_statements",
                            (**config).value("root_credentials_rotate_statements", json::array())},
                           {"password_policy", (**config).value("password_policy", "")},
                           {"verify_connection", (**config).value("verify_connection", true)}});
  }

  // Applies the request to `config` (new or stored); "" or the 400 message.
  static std::string ApplyConfig(const json& d, json& config) {
    std::string error;
    if (d.contains("plugin_name") && d["plugin_name"].is_string()) {
      config["plugin_name"] = d["plugin_name"];
    }
    for (const char* key : {"plugin_version", "password_policy"}) {
      if (d.contains(key) && d[key].is_string()) {
        config[key] = d[key];
      }
    }
    if (d.contains("allowed_roles")) {
      config["allowed_roles"] = StringList(d, "allowed_roles");
    }
    if (d.contains("root_rotation_statements")) {
      config["root_credentials_rotate_statements"] = StringList(d, "root_rotation_statements");
    }
    if (std::optional<bool> verify = BoolField(d, "verify_connection", error)) {
      config["verify_connection"] = *verify;
    }
    for (const auto& [key, value] : d.items()) {
      if (std::find_if(std::begin(kConfigFields), std::end(kConfigFields),
                       [&](const char* f) { return key == f; }) == std::end(kConfigFields)) {
        config["connection_details"][key] = value;
      }
    }
    json& details = config["connection_details"];
    if (std::optional<bool> raw = BoolField(details, "disable_escaping", error)) {
      details["disable_escaping"] = *raw;
    }
    if (!error.empty()) {
      return error;
    }
    for (const char* key : {"connection_url", "username", "password", "username_template"}) {
      if (details.contains(key) && !details[key].is_string()) {
        return std::string("invalid value for field \"") + key + "\": expected a string";
      }
    }
    if (config.value("plugin_name", "").empty()) {
      return "empty plugin name";
    }
    if (database::FindPlugin(config.value("plugin_name", "")) == nullptr) {
      return "error creating database object: plugin not found in the catalog: " +
             config.value("plugin_name", "");
    }
    if (std::string invalid = InitializeError(details); !invalid.empty()) {
      return "error creating database object: " + invalid;
    }
    return "";
  }

  // What Vault's connutil SQLConnectionProducer.Init refuses before connecting ("" = fine).
  static std::string InitializeError(const json& details) {
    const std::string url = StringDetail(details, "connection_url");
    if (url.empty()) {
      return "connection_url cannot be empty";
    }
    const std::string username = StringDetail(details, "username");
    const std::string password = StringDetail(details, "password");
    for (const std::string& value : {username, password}) {
      if (value.find("{{username}}") != std::string::npos ||
          value.find("{{password}}") != std::string::npos) {
        return "username and/or password cannot contain the template variables";
      }
    }
    const bool templated =
        url.find("{{username}}") != std::string::npos && url.find("{{password}}") != std::string::npos;
    if (templated && username.empty() && password.empty()) {
      return "must either provide username/password or set self-managed to 'true'";
    }
    std::string error;
    (void)DurationSeconds(details, "max_connection_lifetime", error);
    if (!error.empty()) {
      return "invalid max_connection_lifetime: " + error;
    }
    if (const std::string tpl = StringDetail(details, "username_template"); !tpl.empty()) {
      // Vault generates one name with empty metadata to validate the template.
      if (Expected<std::string> tried = database::RenderUsernameTemplate(tpl, {}); !tried) {
        return "invalid username template: " + tried.error().message;
      }
    }
    return "";
  }

  Response WriteConfig(const LogicalRequest& req, const std::string& name) {
    Expected<std::optional<json>> stored = Load("config/" + name);
    if (!stored) {
      return Response::FromError(stored.error());
    }
    json config = *stored ? **stored
                          : json{{"plugin_name", ""},
                                 {"plugin_version", ""},
                                 {"allowed_roles", json::array()},
                                 {"root_credentials_rotate_statements", json::array()},
                                 {"password_policy", ""},
                                 {"verify_connection", true},
                                 {"connection_details", json::object()}};
    if (std::string error = ApplyConfig(*req.data, config); !error.empty()) {
      return Response::Error(400, error);
    }
    const Plugin& plugin = *database::FindPlugin(config.value("plugin_name", ""));
    if (config.value("verify_connection", true)) {
      Expected<std::unique_ptr<SqlConnection>> conn =
          core_.sql_executor().Connect(ConnectionConfig(config, plugin));
      if (!conn) {
        return Response::Error(
            400, "error creating database object: error verifying connection: " + conn.error().message);
      }
      if (Expected<void> ping = (*conn)->Ping(); !ping) {
        return Response::Error(400,
                               "error creating database object: error verifying connection: ping failed: " +
                                   ping.error().message);
      }
    }
    CloseConnection(name);  // the next use connects with the new settings
    Response r = Store("config/" + name, config);
    const std::string url = StringDetail(config["connection_details"], "connection_url");
    const std::size_t at = url.find('@');
    const std::size_t scheme = url.find("://");
    if (!r.is_error && at != std::string::npos && scheme != std::string::npos &&
        url.substr(scheme + 3, at - scheme - 3).find(':') != std::string::npos &&
        url.find("{{password}}") == std::string::npos) {
      r.warnings.push_back(
          "Password found in connection_url, use a templated url to enable root rotation and prevent read "
          "access to "
          "password information.");
    }
    return r;
  }

  Response Reset(const std::string& name) {
    CloseConnection(name);
    Expected<Connected> db = Connection(name);  // Vault reconnects right away
    return db ? Response::NoContent() : Response::MultiError(500, db.error().message);
  }

  Response RotateRoot(const std::string& name) {
    Expected<Connected> db = Connection(name);
    if (!db) {
      return Response::MultiError(500, db.error().message);
    }
    json& details = db->config["connection_details"];
    const std::string username = StringDetail(details, "username");
    if (username.empty()) {
      return Response::Error(400, "unable to rotate root credentials: no username in configuration");
    }
    Expected<std::string> password = NewPassword(db->config);
    if (!password) {
      return Response::MultiError(500, password.error().message);
    }
    Expected<void> rotated = ChangePassword(*db->conn, db->plugin->dialect, username, *password,
                                            StringList(db->config, "root_credentials_rotate_statements"));
    if (!rotated) {
      return Response::MultiError(500, "failed to update user: " + rotated.error().message);
    }
    details["password"] = *password;
    CloseConnection(name);
    return Store("config/" + name, db->config);
  }

  Expected<std::string> NewPassword(const json& config) {
    const std::string policy = config.value("password_policy", "");
    if (!policy.empty()) {
      return Unexpected(Error::Code::kUnsupported,
                        "unable to generate password: password policy \"" + policy +
                            "\" not found (this runtime has no sys/policies/password)");
    }
    return database::GeneratePassword();
  }

  // ---- roles/:name -------------------------------------------------------------------------

  Response HandleRole(const LogicalRequest& req, const std::string& name) {
    switch (req.operation) {
      case Operation::kRead: {
        Expected<std::optional<json>> role = Load("role/" + name);
        if (!role) {
          return Response::FromError(role.error());
        }
        return *role ? Response::Data(**role) : Response::NotFound();
      }
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteRole(req, name);
      case Operation::kDelete: {
        Expected<void> gone = core_.barrier().Delete(Key("role/" + name));
        return gone ? Response::NoContent() : Response::FromError(gone.error());
      }
      case Operation::kList:
      case Operation::kPatch:
      case Operation::kHelp:
      case Operation::kScan:
      case Operation::kRecover:
      case Operation::kRevoke:
      case Operation::kRenew:
      case Operation::kRollback:
      case Operation::kSubscribe:
      case Operation::kHeader:
        break;
    }
    return Response::UnsupportedOperation();
  }

  Response WriteRole(const LogicalRequest& req, const std::string& name) {
    const json& d = *req.data;
    Expected<std::optional<json>> twin = Load("static-role/" + name);
    Expected<std::optional<json>> stored = twin ? Load("role/" + name) : twin;
    if (!stored) {
      return Response::FromError(stored.error());
    }
    if (*twin) {
      return Response::Error(400, "Role and Static Role names must be unique");
    }
    json role = *stored ? **stored
                        : json{{"db_name", ""},
                               {"creation_statements", json::array()},
                               {"revocation_statements", json::array()},
                               {"rollback_statements", json::array()},
                               {"renew_statements", json::array()},
                               {"default_ttl", 0},
                               {"max_ttl", 0},
                               {"credential_type", "password"}};
    if (d.contains("db_name") && d["db_name"].is_string()) {
      role["db_name"] = d["db_name"];
    }
    if (role.value("db_name", "").empty()) {
      return Response::Error(400, "database name is required");
    }
    for (const char* key :
         {"creation_statements", "revocation_statements", "rollback_statements", "renew_statements"}) {
      if (d.contains(key)) {
        role[key] = StringList(d, key);
      }
    }
    std::vector<std::string> revocation = role["revocation_statements"].get<std::vector<std::string>>();
    std::erase(revocation, std::string());  // Vault's strutil.RemoveEmpty
    role["revocation_statements"] = revocation;
    std::string error;
    for (const char* key : {"default_ttl", "max_ttl"}) {
      if (std::optional<std::int64_t> ttl = DurationSeconds(d, key, error)) {
        role[key] = *ttl;
      }
    }
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    if (role["default_ttl"].get<std::int64_t>() < 0 || role["max_ttl"].get<std::int64_t>() < 0) {
      return Response::Error(400, "ttl and max_ttl must not be negative");
    }
    // Vault accepts default_ttl > max_ttl here: the lease TTL is capped at issue.
    if (std::string bad_type = CredentialTypeError(d); !bad_type.empty()) {
      return Response::Error(400, bad_type);
    }
    if (d.contains("credential_config") && d["credential_config"].is_object()) {
      role["credential_config"] = d["credential_config"];
    }
    return Store("role/" + name, role);
  }

  // "" or the 400 message for `credential_type`: Vault's invalid_credential_type, or one it
  // knows that this runtime does not generate.
  static std::string CredentialTypeError(const json& d) {
    if (!d.contains("credential_type")) {
      return "";
    }
    const std::string type = d["credential_type"].is_string() ? d["credential_type"].get<std::string>() : "";
    if (type == "password") {
      return "";
    }
    if (type == "rsa_private_key" || type == "client_certificate") {
      return "credential_type \"" + type + "\" is not supported by this runtime (only \"password\")";
    }
    return "invalid credential_type \"" +
           (d["credential_type"].is_string() ? type : d["credential_type"].dump()) + "\"";
  }

  // ---- creds/:name -------------------------------------------------------------------------

  // Vault's IsRoleAllowed: "*" or a glob of allowed_roles matches.
  static bool RoleAllowed(const json& config, const std::string& role) {
    const std::vector<std::string> allowed = StringList(config, "allowed_roles");
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& pattern) {
      return pattern == "*" || GlobMatch(pattern, role);
    });
  }

  // TTL per RUNTIME-API.md §3.5: role default_ttl, else the mount default, capped by role/mount max.
  std::int64_t LeaseTtl(const json& role) {
    std::optional<MountEntry> mount = core_.MountOf(mount_.path);
    const std::int64_t mount_default =
        mount && mount->default_lease_ttl > 0 ? mount->default_lease_ttl : kSystemMaxTtl;
    std::int64_t max = mount && mount->max_lease_ttl > 0 ? mount->max_lease_ttl : kSystemMaxTtl;
    const std::int64_t role_max = role.value("max_ttl", std::int64_t{0});
    if (role_max > 0) {
      max = std::min(max, role_max);
    }
    const std::int64_t role_ttl = role.value("default_ttl", std::int64_t{0});
    return std::min(role_ttl > 0 ? role_ttl : mount_default, max);
  }

  Response Creds(const LogicalRequest& req, const std::string& name) {
    Expected<std::optional<json>> role = Load("role/" + name);
    if (!role) {
      return Response::FromError(role.error());
    }
    if (!*role) {
      return Response::Error(400, "unknown role: " + name);
    }
    const std::string db_name = (**role).value("db_name", "");
    Expected<std::optional<json>> config = Load("config/" + db_name);
    if (!config) {
      return Response::FromError(config.error());
    }
    if (!*config) {
      return Response::MultiError(500, "failed to find entry for connection with name: \"" + db_name + "\"");
    }
    if (!RoleAllowed(**config, name)) {
      return Response::MultiError(500, "\"" + name + "\" is not an allowed role");
    }
    const std::vector<std::string> creation = StringList(**role, "creation_statements");
    if (creation.empty()) {  // the plugin's first check, before it touches the database
      return Response::MultiError(500, "empty creation statements");
    }
    Expected<Connected> db = Connection(db_name);
    if (!db) {
      return Response::MultiError(500, db.error().message);
    }
    Expected<std::string> password = NewPassword(db->config);
    if (!password) {
      return Response::MultiError(500, password.error().message);
    }
    const std::int64_t now = core_.clock().NowSeconds();
    const std::int64_t ttl = LeaseTtl(**role);
    const std::string display = req.token ? req.token->display_name : "";
    const std::string tpl = StringDetail(db->config["connection_details"], "username_template");
    Expected<std::string> generated =
        tpl.empty() ? Expected<std::string>(database::DefaultUsername(*db->plugin, display, name, now))
                    : database::RenderUsernameTemplate(
                          tpl, {.display_name = display, .role_name = name, .unix_time = now});
    if (!generated) {
      return Response::MultiError(500, "unable to generate username: " + generated.error().message);
    }
    const std::string username = *generated;
    Expected<void> created =
        db->conn->ExecuteInTransaction(Rendered(creation, db->plugin->dialect,
                                                {{"name", username},
                                                 {"username", username},
                                                 {"password", *password},
                                                 // Vault adds 5 s so the user outlives its lease.
                                                 {"expiration", database::ExpirationText(now + ttl + 5)}}));
    if (!created) {
      return Response::MultiError(500, created.error().message);
    }
    const json internal = {{"username", username},
                           {"role", name},
                           {"db_name", db_name},
                           {"revocation_statements", StringList(**role, "revocation_statements")}};
    Expected<Lease> lease = core_.leases().Register({.path = mount_.path + req.path,
                                                     .token_hash = req.token ? req.token->hash : "",
                                                     .ttl = ttl,
                                                     .max_ttl = (**role).value("max_ttl", std::int64_t{0}),
                                                     .renewable = true,
                                                     .internal = internal.dump()});
    if (!lease) {
      // Without a lease nobody would ever drop the user: drop it now.
      (void)RevokeLease({.internal = internal.dump()});
      return Response::FromError(lease.error());
    }
    Response r = Response::Data({{"username", username}, {"password", *password}});
    r.lease_id = lease->id;
    r.lease_duration = lease->ttl;
    r.renewable = true;
    return r;
  }

  // ---- static-roles/:name, static-creds/:name, rotate-role/:name ---------------------------

  Response HandleStaticRole(const LogicalRequest& req, const std::string& name) {
    switch (req.operation) {
      case Operation::kRead: {
        Expected<std::optional<json>> role = Load("static-role/" + name);
        if (!role) {
          return Response::FromError(role.error());
        }
        if (!*role) {
          return Response::NotFound();
        }
        json data = **role;
        data.erase("password");
        data["last_vault_rotation"] =
            Rfc3339Nano(data.value("last_vault_rotation", std::int64_t{0}) * 1'000'000'000);
        return Response::Data(data);
      }
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteStaticRole(req, name);
      case Operation::kDelete: {
        Expected<void> gone = core_.barrier().Delete(Key("static-role/" + name));
        return gone ? Response::NoContent() : Response::FromError(gone.error());
      }
      case Operation::kList:
      case Operation::kPatch:
      case Operation::kHelp:
      case Operation::kScan:
      case Operation::kRecover:
      case Operation::kRevoke:
      case Operation::kRenew:
      case Operation::kRollback:
      case Operation::kSubscribe:
      case Operation::kHeader:
        break;
    }
    return Response::UnsupportedOperation();
  }

  Response WriteStaticRole(const LogicalRequest& req, const std::string& name) {
    const json& d = *req.data;
    Expected<std::optional<json>> twin = Load("role/" + name);
    Expected<std::optional<json>> stored = twin ? Load("static-role/" + name) : twin;
    if (!stored) {
      return Response::FromError(stored.error());
    }
    if (*twin) {
      return Response::Error(400, "Role and Static Role names must be unique");
    }
    const bool create = !*stored;
    json role = create ? json{{"db_name", ""},
                              {"username", ""},
                              {"rotation_period", 0},
                              {"rotation_statements", json::array()},
                              {"credential_type", "password"}}
                       : **stored;
    if (d.contains("db_name") && d["db_name"].is_string()) {
      role["db_name"] = d["db_name"];
    }
    if (role.value("db_name", "").empty()) {
      return Response::Error(400, "database name is a required field");
    }
    // As Vault: an update must repeat the username (leaving it out counts as changing it).
    const std::string username =
        d.contains("username") && d["username"].is_string() ? d["username"].get<std::string>() : "";
    if (username.empty() && create) {
      return Response::Error(400, "username is a required field to create a static account");
    }
    if (!create && username != role.value("username", "")) {
      return Response::Error(400, "cannot update static account username");
    }
    role["username"] = username;
    if (d.contains("rotation_schedule") || d.contains("rotation_window")) {
      return Response::Error(400,
                             "rotation_schedule and rotation_window are not supported by this runtime: use "
                             "rotation_period");
    }
    std::string error;
    if (std::optional<std::int64_t> period = DurationSeconds(d, "rotation_period", error)) {
      role["rotation_period"] = *period;
    } else if (!error.empty()) {
      return Response::Error(400, error);
    } else if (create) {
      return Response::Error(
          400,
          "one of rotation_schedule or rotation_period must be provided to create a static "
          "account");
    }
    if (role["rotation_period"].get<std::int64_t>() < 5) {
      return Response::Error(400, "rotation_period must be 5 seconds or more");
    }
    if (d.contains("rotation_statements")) {
      role["rotation_statements"] = StringList(d, "rotation_statements");
    }
    if (std::string bad_type = CredentialTypeError(d); !bad_type.empty()) {
      return Response::Error(400, bad_type);
    }
    if (!create) {
      return Store("static-role/" + name, role);
    }
    return Rotate(name, role);  // creating a static role sets its password right away
  }

  // Sets a new password for the static role's user and stores the role with it.
  Response Rotate(const std::string& name, json role) {
    Expected<Connected> db = Connection(role.value("db_name", ""));
    if (!db) {
      return Response::MultiError(500, db.error().message);
    }
    Expected<std::string> password = NewPassword(db->config);
    if (!password) {
      return Response::MultiError(500, password.error().message);
    }
    Expected<void> rotated = ChangePassword(*db->conn, db->plugin->dialect, role.value("username", ""),
                                            *password, StringList(role, "rotation_statements"));
    if (!rotated) {
      return Response::MultiError(
          500, "failed to rotate credentials for " + name + ": " + rotated.error().message);
    }
    role["password"] = *password;
    role["last_vault_rotation"] = core_.clock().NowSeconds();
    return Store("static-role/" + name, role);
  }

  Response StaticCreds(const std::string& name) {
    Expected<std::optional<json>> role = Load("static-role/" + name);
    if (!role) {
      return Response::FromError(role.error());
    }
    if (!*role) {
      return Response::Error(400, "unknown role: " + name);
    }
    Expected<std::optional<json>> config = Load("config/" + (**role).value("db_name", ""));
    if (config && *config && !RoleAllowed(**config, name)) {
      return Response::MultiError(500, "\"" + name + "\" is not an allowed role");
    }
    const std::int64_t period = (**role).value("rotation_period", std::int64_t{0});
    std::int64_t last = (**role).value("last_vault_rotation", std::int64_t{0});
    if (core_.clock().NowSeconds() >= last + period) {  // due: rotate before handing it out
      if (Response rotated = Rotate(name, **role); rotated.is_error) {
        return rotated;
      }
      role = Load("static-role/" + name);
      if (!role || !*role) {
        return role ? Response::NotFound() : Response::FromError(role.error());
      }
      last = (**role).value("last_vault_rotation", std::int64_t{0});
    }
    return Response::Data({{"username", (**role).value("username", "")},
                           {"password", (**role).value("password", "")},
                           {"last_vault_rotation", Rfc3339Nano(last * 1'000'000'000)},
                           {"rotation_period", period},
                           {"ttl", std::max<std::int64_t>(0, last + period - core_.clock().NowSeconds())}});
  }

  Response RotateRole(const std::string& name) {
    Expected<std::optional<json>> role = Load("static-role/" + name);
    if (!role) {
      return Response::FromError(role.error());
    }
    if (!*role) {
      return Response::Error(400, "no static role found for role name: " + name);
    }
    return Rotate(name, **role);
  }

  Core& core_;
  MountEntry mount_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<SqlConnection>> connections_;  // config name -> open connection
};

}  // namespace

std::shared_ptr<Backend> MakeDatabaseBackend(Core& core, const MountEntry& mount) {
  auto backend = std::make_shared<DatabaseBackend>(core, mount);
  core.leases().SetRevoker(mount.path, [backend](const Lease& lease) { return backend->RevokeLease(lease); });
  core.leases().SetRenewer(mount.path, [backend](const Lease& lease, std::int64_t expire_time) {
    return backend->RenewLease(lease, expire_time);
  });
  core.leases().SetTicker(mount.path,
                          [backend](std::int64_t now) { return backend->RotateDueStaticRoles(now); });
  return backend;
}

}  // namespace polcheck::runtime
