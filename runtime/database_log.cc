#include "runtime/database_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace polcheck::runtime {
namespace {

// Shared by the executor and its connections: appends entries not yet written.
class EntryLog {
 public:
  EntryLog(std::shared_ptr<RecordingExecutor> recorder, std::ofstream out)
      : recorder_(std::move(recorder)), out_(std::move(out)) {}

  void Flush() {
    std::lock_guard lock(mu_);
    const std::vector<RecordingExecutor::Entry> entries = recorder_->entries();
    for (; written_ < entries.size(); ++written_) {
      const RecordingExecutor::Entry& e = entries[written_];
      out_ << nlohmann::json{{"connection_url", e.connection_url},
                             {"kind", e.kind},
                             {"statements", e.statements},
                             {"params", e.params}}
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
           << "\n";
    }
    out_.flush();
  }

 private:
  std::shared_ptr<RecordingExecutor> recorder_;
  std::mutex mu_;
  std::ofstream out_;
  std::size_t written_ = 0;
};

class LoggedConnection final : public SqlConnection {
 public:
  LoggedConnection(std::unique_ptr<SqlConnection> inner, std::shared_ptr<EntryLog> log)
      : inner_(std::move(inner)), log_(std::move(log)) {}
  Expected<void> Ping() override { return Logged(inner_->Ping()); }
  Expected<void> ExecuteInTransaction(const std::vector<std::string>& statements) override {
    return Logged(inner_->ExecuteInTransaction(statements));
  }
  Expected<void> Execute(const std::string& statement) override { return Logged(inner_->Execute(statement)); }
  Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                      const std::vector<std::string>& params) override {
    return Logged(inner_->Query(sql, params));
  }

 private:
  template <typename T>
  T Logged(T result) {
    log_->Flush();
    return result;
  }
  std::unique_ptr<SqlConnection> inner_;
  std::shared_ptr<EntryLog> log_;
};

class LoggedExecutor final : public SqlExecutor {
 public:
  LoggedExecutor(std::shared_ptr<RecordingExecutor> recorder, std::shared_ptr<EntryLog> log)
      : recorder_(std::move(recorder)), log_(std::move(log)) {}
  Expected<std::unique_ptr<SqlConnection>> Connect(const SqlConnectionConfig& config) override {
    Expected<std::unique_ptr<SqlConnection>> inner = recorder_->Connect(config);
    if (!inner) {
      return inner;
    }
    return std::unique_ptr<SqlConnection>(std::make_unique<LoggedConnection>(std::move(*inner), log_));
  }

 private:
  std::shared_ptr<RecordingExecutor> recorder_;  // outlives every connection it made
  std::shared_ptr<EntryLog> log_;
};

}  // namespace

Expected<std::shared_ptr<SqlExecutor>> MakeRecordingLogExecutor(const std::string& log_file) {
  auto recorder = std::make_shared<RecordingExecutor>();
  if (log_file.empty()) {
    return std::shared_ptr<SqlExecutor>(recorder);
  }
  // The statements carry the passwords the engine sets: a new log is readable by its owner only.
  if (const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600); fd >= 0) {
    ::close(fd);
  }
  std::ofstream out(log_file, std::ios::app);
  if (!out) {
    return Unexpected(Error::Code::kIo,
                      "cannot open " + log_file + " for appending: " + std::strerror(errno));
  }
  auto log = std::make_shared<EntryLog>(recorder, std::move(out));
  return std::shared_ptr<SqlExecutor>(std::make_shared<LoggedExecutor>(recorder, std::move(log)));
}

}  // namespace polcheck::runtime
