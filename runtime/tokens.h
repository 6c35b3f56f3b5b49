// The token store (internal): tokens are kept only as HMAC-SHA256 hashes under
// a salt that lives inside the barrier; accessors map to those hashes; each
// child is indexed under its parent so revocation walks the tree.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core.h"

namespace polcheck::runtime {

// The `hash` a batch token's entry carries (it has no stored entry): "batch:<parent
// hash>:<expire time>". A lease registered under it belongs to the parent, or to no
// token for an orphan batch token, and ends no later than the batch token.
std::string BatchHash(const std::string& parent_hash, std::int64_t expire_time);
struct BatchOwner {
  std::string parent_hash;  // "" for an orphan batch token
  std::int64_t expire_time = 0;
};
std::optional<BatchOwner> ParseBatchHash(const std::string& hash);

struct CreatedToken {
  std::string id;  // the client token; only ever returned, never stored
  TokenEntry entry;
};

class TokenStore {
 public:
  TokenStore(Barrier& barrier, const Clock& clock);

  // The live entry for a token ID; an expired token is revoked and nullopt returned.
  [[nodiscard]] Expected<std::optional<TokenEntry>> Lookup(const std::string& id);
  [[nodiscard]] Expected<std::optional<TokenEntry>> LookupAccessor(const std::string& accessor);
  // Stores `entry` under `id` (a fresh "hvs." token when empty) with a new
  // accessor; fills hash and accessor. kInvalidArgument if `id` is taken.
  [[nodiscard]] Expected<CreatedToken> Create(TokenEntry entry, std::string id);
  // A batch token: nothing is stored; the ID is "hvb." + base64url of the entry sealed
  // with AES-256-GCM under a random key kept in the barrier. Lookup() opens it; it is
  // invalid once expired or once its parent (if any) is gone.
  [[nodiscard]] Expected<CreatedToken> CreateBatch(TokenEntry entry);
  // Revokes the token with this hash and, depth first, all its descendants.
  [[nodiscard]] Expected<void> Revoke(const std::string& hash);
  // Counts one use of a limited token; true when that was its last use.
  [[nodiscard]] Expected<bool> Use(TokenEntry& entry);
  void ForgetSalt();

  // --- runtime auth (issue #7) ---
  // Runs for every token revoked (children first), before its entry is deleted: revokes its leases.
  void SetRevokeHook(std::function<Expected<void>(const TokenEntry&)> hook) { revoke_hook_ = std::move(hook); }
  // Revokes only this token; its children become orphans (auth/token/revoke-orphan).
  [[nodiscard]] Expected<void> RevokeOrphan(const std::string& hash);
  // Rewrites an existing entry (renewal).
  [[nodiscard]] Expected<void> Save(const TokenEntry& entry);
  [[nodiscard]] Expected<std::optional<TokenEntry>> Load(const std::string& hash);
  // Every stored entry, expired or not.
  [[nodiscard]] Expected<std::vector<TokenEntry>> All();
  // Revokes every token whose path starts with `prefix` (mount disable, revoke-prefix).
  [[nodiscard]] Expected<void> RevokePathPrefix(const std::string& prefix);
  // Revokes every token whose expire_time has passed. The first sweep after an
  // unseal loads the stored expiry index into memory; later ones cost what is due.
  [[nodiscard]] Expected<void> SweepExpired(std::int64_t now);

 private:
  [[nodiscard]] Expected<std::string> Hash(const std::string& id);
  // The batch-token key; created when `create`, else nullopt while there is none.
  [[nodiscard]] Expected<std::optional<std::string>> BatchKey(bool create);
  [[nodiscard]] Expected<std::optional<TokenEntry>> LookupBatch(const std::string& id);
  // Moves `hash` from `old_expiry` to `new_expiry` in the in-memory index (0 = none).
  void Reindex(const std::string& hash, std::int64_t old_expiry, std::int64_t new_expiry);
  [[nodiscard]] Expected<void> LoadIndexLocked();

  Barrier& barrier_;
  const Clock& clock_;
  std::mutex mu_;      // guards salt_
  std::mutex use_mu_;  // serialises num_uses updates
  std::optional<std::string> salt_;
  std::optional<std::string> batch_key_;
  std::function<Expected<void>(const TokenEntry&)> revoke_hook_;
  // The storage index token/expire/<second>/<hash> mirrored in memory, loaded by
  // the first sweep; Save and Revoke keep both in step.
  std::mutex index_mu_;
  bool index_loaded_ = false;
  std::set<std::pair<std::int64_t, std::string>> expiry_;
};

}  // namespace polcheck::runtime
