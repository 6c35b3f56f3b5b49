// The real SQL executor: dispatches on the dialect to libpq (db_postgres.cc) or
// libmariadb (db_mysql.cc). Also the pool limits and percent-decoding they share.
#include "runtime/db_executor.h"

#include <algorithm>
#include <memory>

#include "runtime/db_drivers.h"

namespace polcheck::runtime {
namespace db {

PoolLimits LimitsFrom(const SqlConnectionConfig& config) {
  PoolLimits limits;
  limits.max_open = config.max_open_connections == 0 ? 4 : config.max_open_connections;
  limits.max_idle = config.max_idle_connections;
  if (limits.max_idle == 0) {
    limits.max_idle = limits.max_open;
  }
  if (limits.max_open > 0 && limits.max_idle > limits.max_open) {
    limits.max_idle = limits.max_open;
  }
  if (limits.max_idle < 0) {
    limits.max_idle = 0;
  }
  if (limits.max_open <= 0 && limits.max_idle > 2) {
    // Unbounded pool and no idle limit: keep Go's database/sql default of 2 idle.
    limits.max_idle = 2;
  }
  limits.lifetime = std::chrono::seconds(std::max(0, config.max_connection_lifetime_seconds));
  return limits;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

Expected<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_as_space) {
      out += ' ';
      continue;
    }
    if (c != '%') {
      out += c;
      continue;
    }
    const int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Unexpected(Error::Code::kInvalidArgument,
                        "invalid URL escape \"" + std::string(text.substr(i, 3)) + "\"");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace db

namespace {

class SqlExecutorImpl final : public SqlExecutor {
 public:
  Expected<std::unique_ptr<SqlConnection>> Connect(const SqlConnectionConfig& config) override {
    switch (config.dialect) {
      case SqlDialect::kPostgres:
        return db::ConnectPostgres(config);
      case SqlDialect::kMySql:
        return db::ConnectMySql(config);
    }
    return Unexpected(Error::Code::kUnsupported, "unknown SQL dialect");
  }
};

}  // namespace

std::shared_ptr<SqlExecutor> MakeSqlExecutor() {
  return std::make_shared<SqlExecutorImpl>();
}

}  // namespace polcheck::runtime
