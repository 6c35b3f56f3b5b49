// Physical storage for the runtime: a flat key -> bytes map. Values reaching a
// Storage are already encrypted by the barrier (runtime/barrier.h); keys are
// paths such as "core/keyring" or "logical/secret/metadata/app".
//
//   std::shared_ptr<runtime::Storage> mem = runtime::MakeMemoryStorage();
//   Expected<std::shared_ptr<runtime::Storage>> db = runtime::OpenSqliteStorage("vault.db");
//   Expected<std::shared_ptr<runtime::Storage>> dir = runtime::OpenFileStorage("/var/lib/polcheck");
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"

namespace polcheck::runtime {

class Storage {
 public:
  virtual ~Storage() = default;
  // The value at `key`, nullopt when absent. Fails with kIo.
  [[nodiscard]] virtual Expected<std::optional<std::string>> Get(std::string_view key) = 0;
  // Durable once it returns (SQLite: synchronous=FULL). Fails with kIo.
  [[nodiscard]] virtual Expected<void> Put(std::string_view key, std::string_view value) = 0;
  // Deleting an absent key succeeds.
  [[nodiscard]] virtual Expected<void> Delete(std::string_view key) = 0;
  // Direct children of `prefix` (which ends in '/' or is empty), sorted: leaf
  // names, and sub-folders once each with a trailing '/', as Vault's physical List.
  [[nodiscard]] virtual Expected<std::vector<std::string>> List(std::string_view prefix) = 0;
};

// Thread-safe in-memory storage (tests, dev mode).
std::shared_ptr<Storage> MakeMemoryStorage();

// One SQLite file (WAL, synchronous=FULL), created when absent. Thread-safe.
// Fails with kIo when the file cannot be opened or initialised.
[[nodiscard]] Expected<std::shared_ptr<Storage>> OpenSqliteStorage(const std::filesystem::path& file);

// A folder of files, one per key, laid out as Vault's "file" storage does
// (folders for path segments, "_<name>" for a value). Every Put and Delete is
// durable once it returns: the value is written to a temporary file, fsynced,
// renamed into place and the folder fsynced, so a crash leaves either the old
// or the new value. Keys with empty, "." or ".." segments or NUL bytes are
// refused (kInvalidArgument). Thread-safe. Fails with kIo when the folder
// cannot be created.
[[nodiscard]] Expected<std::shared_ptr<Storage>> OpenFileStorage(const std::filesystem::path& directory);

}  // namespace polcheck::runtime
