#include "runtime/barrier.h"

#include <nlohmann/json.hpp>

#include "runtime/crypto.h"
#include "runtime/shamir.h"

namespace polcheck::runtime {
namespace {

constexpr const char* kSealConfig = "core/seal-config";
constexpr const char* kKeyring = "core/keyring";

UnexpectedError Sealed() { return Unexpected(Error::Code::kUnsupported, "Vault is sealed"); }

}  // namespace

Barrier::Barrier(std::shared_ptr<Storage> storage) : storage_(std::move(storage)) {}

Expected<SealState> Barrier::State() {
  Expected<std::optional<std::string>> config = storage_->Get(kSealConfig);
  if (!config) {
    return Unexpected(config.error());
  }
  std::lock_guard lock(mu_);
  SealState state;
  state.sealed = !key_.has_value();
  state.progress = static_cast<int>(progress_.size());
  if (*config) {
    const nlohmann::json j = nlohmann::json::parse(**config, nullptr, false);
    state.initialized = true;
    state.shares = j.value("shares", 1);
    state.threshold = j.value("threshold", 1);
  }
  return state;
}

Expected<std::vector<std::string>> Barrier::Initialize(int shares, int threshold) {
  Expected<SealState> state = State();
  if (!state) {
    return Unexpected(state.error());
  }
  if (state->initialized) {
    return Unexpected(Error::Code::kInvalidArgument, "Vault is already initialized");
  }
  if (shares < 1 || shares > 255 || threshold < 1 || threshold > shares || (threshold == 1 && shares > 1)) {
    return Unexpected(Error::Code::kInvalidArgument,
                      threshold > shares ? "threshold cannot be larger than shares"
                                         : "invalid seal configuration: shares must be 1-255 and threshold "
                                           "between 2 and shares (or both 1)");
  }
  const std::string root_key = crypto::RandomBytes(crypto::kKeySize);
  const std::string keyring_key = crypto::RandomBytes(crypto::kKeySize);
  const nlohmann::json keyring = {{"term", 1}, {"key", crypto::Base64(keyring_key)}};
  if (Expected<void> put = storage_->Put(kKeyring, crypto::Seal(root_key, keyring.dump(), kKeyring)); !put) {
    return Unexpected(put.error());
  }
  const nlohmann::json config = {{"type", "shamir"}, {"shares", shares}, {"threshold", threshold}};
  if (Expected<void> put = storage_->Put(kSealConfig, config.dump()); !put) {
    return Unexpected(put.error());
  }
  if (shares == 1) {
    return std::vector<std::string>{root_key};  // as Vault: one share is the key itself
  }
  return shamir::Split(root_key, shares, threshold);
}

Expected<SealState> Barrier::Unseal(const std::string& share) {
  Expected<SealState> state = State();
  if (!state) {
    return Unexpected(state.error());
  }
  if (!state->initialized) {
    return Unexpected(Error::Code::kInvalidArgument, "Vault is not initialized");
  }
  if (!state->sealed) {
    return *state;
  }
  std::unique_lock lock(mu_);
  for (const std::string& have : progress_) {
    if (have == share) {
      return Unexpected(Error::Code::kInvalidArgument, "given key has already been provided during this generation operation");
    }
  }
  progress_.push_back(share);
  if (static_cast<int>(progress_.size()) < state->threshold) {
    lock.unlock();
    return State();
  }
  std::optional<std::string> root_key = progress_.size() == 1 ? std::optional(progress_[0]) : shamir::Combine(progress_);
  progress_.clear();
  lock.unlock();
  Expected<std::optional<std::string>> sealed_keyring = storage_->Get(kKeyring);
  if (!sealed_keyring) {
    return Unexpected(sealed_keyring.error());
  }
  std::optional<std::string> keyring;
  if (root_key && *sealed_keyring) {
    keyring = crypto::Open(*root_key, **sealed_keyring, kKeyring);
  }
  if (!keyring) {
    return Unexpected(Error::Code::kInvalidArgument,
                      "Error unsealing: failed to decrypt keys from storage: cipher: message authentication failed");
  }
  const nlohmann::json j = nlohmann::json::parse(*keyring, nullptr, false);
  std::optional<std::string> key = crypto::FromBase64(j.value("key", ""));
  if (!key || key->size() != crypto::kKeySize) {
    return Unexpected(Error::Code::kInternal, "keyring is corrupt");
  }
  lock.lock();
  key_ = std::move(key);
  lock.unlock();
  return State();
}

void Barrier::ResetProgress() {
  std::lock_guard lock(mu_);
  progress_.clear();
}

void Barrier::Seal() {
  std::lock_guard lock(mu_);
  key_.reset();
  progress_.clear();
}

bool Barrier::sealed() const {
  std::lock_guard lock(mu_);
  return !key_.has_value();
}

Expected<std::optional<std::string>> Barrier::KeyringKey() {
  std::lock_guard lock(mu_);
  return key_;
}

Expected<std::optional<std::string>> Barrier::Get(const std::string& key) {
  Expected<std::optional<std::string>> k = KeyringKey();
  if (!*k) {
    return Sealed();
  }
  Expected<std::optional<std::string>> raw = storage_->Get("logical/" + key);
  if (!raw || !*raw) {
    return raw;
  }
  std::optional<std::string> plain = crypto::Open(**k, **raw, key);
  if (!plain) {
    return Unexpected(Error::Code::kInternal, "failed to decrypt " + key);
  }
  return plain;
}

Expected<void> Barrier::Put(const std::string& key, const std::string& value) {
  Expected<std::optional<std::string>> k = KeyringKey();
  if (!*k) {
    return Sealed();
  }
  return storage_->Put("logical/" + key, crypto::Seal(**k, value, key));
}

Expected<void> Barrier::Delete(const std::string& key) {
  if (sealed()) {
    return Sealed();
  }
  return storage_->Delete("logical/" + key);
}

Expected<std::vector<std::string>> Barrier::List(const std::string& prefix) {
  if (sealed()) {
    return Sealed();
  }
  return storage_->List("logical/" + prefix);
}

}  // namespace polcheck::runtime
