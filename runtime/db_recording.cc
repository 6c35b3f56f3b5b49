// RecordingExecutor (runtime/db_executor.h): runs no SQL. Every successful
// operation is appended to the executor's entries; a failure set up with FailOn
// is returned once and leaves no entry (the database did nothing). Connections
// keep a pointer to their executor, which must outlive them.
#include <algorithm>
#include <optional>

#include "runtime/db_executor.h"

namespace polcheck::runtime {

class RecordingConnection final : public SqlConnection {
 public:
  RecordingConnection(RecordingExecutor& executor, std::string url)
      : executor_(executor), url_(std::move(url)) {}

  Expected<void> Ping() override { return Record("ping", {}, {}, {url_}); }

  Expected<void> ExecuteInTransaction(const std::vector<std::string>& statements) override {
    return Record("tx", statements, {}, statements);
  }

  Expected<void> Execute(const std::string& statement) override {
    return Record("exec", {statement}, {}, {statement});
  }

  Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                      const std::vector<std::string>& params) override {
    if (Expected<void> recorded = Record("query", {sql}, params, {sql}); !recorded) {
      return Unexpected(recorded.error());
    }
    std::lock_guard lock(executor_.mu_);
    for (const auto& [needle, rows] : executor_.answers_) {
      if (sql.find(needle) != std::string::npos) {
        return rows;
      }
    }
    return std::vector<SqlRow>{};
  }

 private:
  // Fails (once) when a FailOn needle occurs in one of `haystacks`; records the entry otherwise.
  Expected<void> Record(std::string kind, std::vector<std::string> statements,
                        std::vector<std::string> params, const std::vector<std::string>& haystacks) {
    std::lock_guard lock(executor_.mu_);
    if (std::optional<std::string> message = TakeFailure(executor_, haystacks)) {
      return Unexpected(Error::Code::kIo, *message);
    }
    executor_.entries_.push_back({.connection_url = url_,
                                  .kind = std::move(kind),
                                  .statements = std::move(statements),
                                  .params = std::move(params)});
    return {};
  }

 public:
  // Removes and returns the first failure whose needle is in one of `haystacks`; caller holds mu_.
  static std::optional<std::string> TakeFailure(RecordingExecutor& executor,
                                                const std::vector<std::string>& haystacks) {
    for (auto it = executor.failures_.begin(); it != executor.failures_.end(); ++it) {
      const std::string& needle = it->first;
      if (std::any_of(haystacks.begin(), haystacks.end(),
                      [&](const std::string& h) { return h.find(needle) != std::string::npos; })) {
        std::string message = it->second;
        executor.failures_.erase(it);
        return message;
      }
    }
    return std::nullopt;
  }

 private:
  RecordingExecutor& executor_;
  std::string url_;
};

Expected<std::unique_ptr<SqlConnection>> RecordingExecutor::Connect(const SqlConnectionConfig& config) {
  {
    std::lock_guard lock(mu_);
    if (std::optional<std::string> message =
            RecordingConnection::TakeFailure(*this, {config.connection_url})) {
      return Unexpected(Error::Code::kIo, *message);
    }
  }
  return std::unique_ptr<SqlConnection>(std::make_unique<RecordingConnection>(*this, config.connection_url));
}

void RecordingExecutor::AnswerQuery(std::string needle, std::vector<SqlRow> rows) {
  std::lock_guard lock(mu_);
  answers_.emplace_back(std::move(needle), std::move(rows));
}

void RecordingExecutor::FailOn(std::string needle, std::string message) {
  std::lock_guard lock(mu_);
  failures_.emplace_back(std::move(needle), std::move(message));
}

std::vector<RecordingExecutor::Entry> RecordingExecutor::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

void RecordingExecutor::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();  // canned answers and pending failures stay
}

}  // namespace polcheck::runtime
