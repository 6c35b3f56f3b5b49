// A testing aid for `polcheck serve --db-executor recording[=FILE]`: the
// RecordingExecutor (runs no SQL) that also appends every recorded entry to FILE
// as one JSON line {"connection_url","kind","statements","params"}, so a client
// test against a dev server can assert which SQL the database engine ran.
// The connection URL is logged as the executor saw it (root password included).
//
//   Expected<std::shared_ptr<SqlExecutor>> executor = MakeRecordingLogExecutor("/tmp/sql.jsonl");
#pragma once

#include <memory>
#include <string>

#include "base/expected.h"
#include "runtime/db_executor.h"

namespace polcheck::runtime {

// `log_file` empty: a plain RecordingExecutor. Fails with kIo when the file cannot be opened for appending.
[[nodiscard]] Expected<std::shared_ptr<SqlExecutor>> MakeRecordingLogExecutor(const std::string& log_file);

}  // namespace polcheck::runtime
