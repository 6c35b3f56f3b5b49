#include "runtime/storage.h"

#include <sqlite3.h>

#include <map>
#include <mutex>

namespace polcheck::runtime {
namespace {

// Collapses full keys under `prefix` into direct children (folders once, with '/').
void AddChild(std::string_view prefix, std::string_view key, std::vector<std::string>& out) {
  std::string_view rest = key.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    rest = rest.substr(0, slash + 1);
  }
  if (out.empty() || out.back() != rest) {
    out.emplace_back(rest);
  }
}

class MemoryStorage final : public Storage {
 public:
  Expected<std::optional<std::string>> Get(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = data_.find(key);
    if (it == data_.end()) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>(it->second);
  }
  Expected<void> Put(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    data_.insert_or_assign(std::string(key), std::string(value));
    return {};
  }
  Expected<void> Delete(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = data_.find(key);
    if (it != data_.end()) {
      data_.erase(it);
    }
    return {};
  }
  Expected<std::vector<std::string>> List(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (auto it = data_.lower_bound(prefix); it != data_.end() && it->first.starts_with(prefix); ++it) {
      AddChild(prefix, it->first, out);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> data_;
};

class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(sqlite3* db) : db_(db) {}
  ~SqliteStorage() override { sqlite3_close(db_); }

  Expected<std::optional<std::string>> Get(std::string_view key) override {
    std::lock_guard lock(mu_);
    Statement st(db_, "SELECT value FROM kv WHERE key = ?1");
    Bind(st, 1, key);
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) {
      return std::optional<std::string>();
    }
    if (rc != SQLITE_ROW) {
      return Fail("read");
    }
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(st.get(), 0));
    return std::optional<std::string>(std::string(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(st.get(), 0))));
  }
  Expected<void> Put(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    Statement st(db_, "INSERT OR REPLACE INTO kv(key, value) VALUES (?1, ?2)");
    Bind(st, 1, key);
    sqlite3_bind_blob(st.get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st.get()) != SQLITE_DONE) {
      return Fail("write");
    }
    return {};
  }
  Expected<void> Delete(std::string_view key) override {
    std::lock_guard lock(mu_);
    Statement st(db_, "DELETE FROM kv WHERE key = ?1");
    Bind(st, 1, key);
    if (sqlite3_step(st.get()) != SQLITE_DONE) {
      return Fail("delete");
    }
    return {};
  }
  Expected<std::vector<std::string>> List(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    Statement st(db_, "SELECT key FROM kv WHERE substr(key, 1, ?1) = ?2 ORDER BY key");
    sqlite3_bind_int(st.get(), 1, static_cast<int>(prefix.size()));
    Bind(st, 2, prefix);
    std::vector<std::string> out;
    int rc = 0;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      AddChild(prefix, std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(st.get(), 0))), out);
    }
    if (rc != SQLITE_DONE) {
      return Fail("list");
    }
    return out;
  }

 private:
  class Statement {
   public:
    Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
    ~Statement() { sqlite3_finalize(st_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() const { return st_; }

   private:
    sqlite3_stmt* st_ = nullptr;
  };
  static void Bind(Statement& st, int index, std::string_view text) {
    sqlite3_bind_text(st.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  UnexpectedError Fail(const char* what) const {
    return Unexpected(Error::Code::kIo, std::string("storage ") + what + " failed: " + sqlite3_errmsg(db_));
  }

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace

std::shared_ptr<Storage> MakeMemoryStorage() { return std::make_shared<MemoryStorage>(); }

Expected<std::shared_ptr<Storage>> OpenSqliteStorage(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(file.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = "cannot open " + file.string() + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return Unexpected(Error::Code::kIo, std::move(message));
  }
  const char* setup =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
      "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;";
  char* error = nullptr;
  if (sqlite3_exec(db, setup, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = "cannot initialise " + file.string() + ": " + (error ? error : "unknown error");
    sqlite3_free(error);
    sqlite3_close(db);
    return Unexpected(Error::Code::kIo, std::move(message));
  }
  sqlite3_busy_timeout(db, 5000);
  return std::shared_ptr<Storage>(std::make_shared<SqliteStorage>(db));
}

}  // namespace polcheck::runtime
