// PLACEHOLDER until the libpq/libmariadb executors (runtime/db_executor.cc) are
// merged: the lead deletes this file at that merge. Every connection fails, so a
// database mount configured with verify_connection answers 400 and creds 500.
#include "runtime/db_executor.h"

namespace polcheck::runtime {
namespace {

class NoDriverExecutor final : public SqlExecutor {
 public:
  Expected<std::unique_ptr<SqlConnection>> Connect(const SqlConnectionConfig& /*config*/) override {
    return Unexpected(Error::Code::kUnsupported, "no SQL driver in this build");
  }
};

}  // namespace

std::shared_ptr<SqlExecutor> MakeSqlExecutor() {
  return std::make_shared<NoDriverExecutor>();
}

}  // namespace polcheck::runtime
