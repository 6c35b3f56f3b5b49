// The security barrier (internal): every value written through it is encrypted
// with AES-256-GCM under the keyring key; the keyring itself is encrypted under
// the root key, which exists only while unsealed and is rebuilt from Shamir
// shares by Unseal(). Only "core/seal-config" (share counts) is stored in clear.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/expected.h"
#include "runtime/storage.h"

namespace polcheck::runtime {

struct SealState {
  bool initialized = false;
  bool sealed = true;
  int threshold = 0;
  int shares = 0;
  int progress = 0;  // shares entered towards the next unseal
};

class Barrier {
 public:
  explicit Barrier(std::shared_ptr<Storage> storage);

  [[nodiscard]] Expected<SealState> State();
  // Creates root key and keyring; returns the key shares (raw bytes). Stays
  // sealed. kInvalidArgument "Vault is already initialized" or bad counts.
  [[nodiscard]] Expected<std::vector<std::string>> Initialize(int shares, int threshold);
  // Adds one share. Once `threshold` shares are in, tries them: a wrong
  // combination resets progress and fails with kInvalidArgument.
  [[nodiscard]] Expected<SealState> Unseal(const std::string& share);
  void ResetProgress();
  void Seal();
  bool sealed() const;

  // Encrypted key/value access; kUnsupported "Vault is sealed" while sealed.
  [[nodiscard]] Expected<std::optional<std::string>> Get(const std::string& key);
  [[nodiscard]] Expected<void> Put(const std::string& key, const std::string& value);
  [[nodiscard]] Expected<void> Delete(const std::string& key);
  [[nodiscard]] Expected<std::vector<std::string>> List(const std::string& prefix);

 private:
  [[nodiscard]] Expected<std::optional<std::string>> KeyringKey();

  std::shared_ptr<Storage> storage_;
  mutable std::mutex mu_;
  std::optional<std::string> key_;       // keyring key while unsealed
  std::vector<std::string> progress_;    // shares entered so far
};

}  // namespace polcheck::runtime
