// Lease bookkeeping (internal; RUNTIME-API.md §2.7, §3.5): every leased secret
// belongs to the token that created it; revoking the token revokes its leases;
// expired leases are revoked by the expiry manager (Core::SweepExpired).
// A secrets engine registers a revoker for its mount and then registers leases:
//
//   core.leases().SetRevoker("database/", [](const Lease& l) { return DropUser(l.internal); });
//   Expected<Lease> lease = core.leases().Register({.path = "database/creds/ro", .token_hash = t.hash, .ttl =
//   3600});
//
// Token leases are not stored: a login or token-create lease ID is the token's
// path + "/" + its HMAC, and lookup/revoke of such an ID acts on the token.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/expected.h"

namespace polcheck::runtime {

class Core;
struct TokenEntry;

struct Lease {
  std::string id;          // "<path>/<24 base62>"; filled by Register
  std::string path;        // request path that created it, "database/creds/ro"
  std::string token_hash;  // owning token ("" = none: an orphan batch token's lease; a batch token's hash names its parent)
  std::int64_t issue_time = 0;
  std::int64_t expire_time = 0;  // 0 = never
  std::int64_t last_renewal = 0;
  std::int64_t ttl = 0;      // TTL at issue (and renew default)
  std::int64_t max_ttl = 0;  // 0 = mount/system max
  bool renewable = true;
  std::string internal;  // engine data for revocation (e.g. a DB username); stored encrypted
};

struct Renewed {
  std::int64_t ttl = 0;
  std::vector<std::string> warnings;
};

class LeaseStore {
 public:
  using Revoker = std::function<Expected<void>(const Lease&)>;
  explicit LeaseStore(Core& core);

  // Called when a lease under `mount` ("database/") is revoked; without one revocation only forgets it.
  void SetRevoker(const std::string& mount, Revoker revoker);
  // Called before a renewal of a lease under `mount` takes effect, with the new expiry
  // (unix seconds); its error fails the renewal and leaves the lease as it was.
  using Renewer = std::function<Expected<void>(const Lease&, std::int64_t expire_time)>;
  void SetRenewer(const std::string& mount, Renewer renewer);
  // Called by every SweepExpired with the current time, for an engine's own timed work
  // (the database engine rotates due static roles); an error is retried on the next sweep.
  using Ticker = std::function<Expected<void>(std::int64_t now)>;
  void SetTicker(const std::string& mount, Ticker ticker);
  // Stores a new lease (issue time now, TTL capped by the mount max); returns it with its ID.
  [[nodiscard]] Expected<Lease> Register(Lease lease);
  [[nodiscard]] Expected<std::optional<Lease>> Get(const std::string& id);
  // Revokes one lease (a token lease revokes the token); unknown IDs succeed.
  // `force` ignores the engine's revocation error.
  [[nodiscard]] Expected<void> Revoke(const std::string& id, bool force = false);
  // Every lease whose ID starts with `prefix`, and every token whose path does.
  [[nodiscard]] Expected<void> RevokePrefix(const std::string& prefix, bool force = false);
  [[nodiscard]] Expected<void> RevokeByToken(const std::string& token_hash);
  // kInvalidArgument with Vault's message ("lease not found", "lease is not renewable", ...).
  [[nodiscard]] Expected<Renewed> Renew(const std::string& id, std::int64_t increment);
  // Direct children of `prefix` among lease IDs (folders end in '/').
  [[nodiscard]] Expected<std::vector<std::string>> List(const std::string& prefix);
  // Revokes every lease whose expire_time has passed; costs what is due, not what exists.
  [[nodiscard]] Expected<void> SweepExpired(std::int64_t now);

 private:
  [[nodiscard]] Expected<void> Forget(const Lease& lease);
  Revoker RevokerFor(const std::string& id);
  // Fills expiry_ from storage once (the first sweep after start or unseal); index_mu_ held.
  [[nodiscard]] Expected<void> LoadIndexLocked();
  // Every lease ID under `prefix` ("" = all), at any depth.
  [[nodiscard]] Expected<std::vector<std::string>> IdsUnder(const std::string& prefix);

  Core& core_;
  std::mutex mu_;
  std::map<std::string, Revoker> revokers_;
  std::map<std::string, Renewer> renewers_;
  std::map<std::string, Ticker> tickers_;
  // The expiry index: (expire_time, lease ID) of every stored lease that expires. Lease
  // writes hold index_mu_ across the storage write so the index and storage agree.
  std::mutex index_mu_;
  bool index_loaded_ = false;
  std::set<std::pair<std::int64_t, std::string>> expiry_;
};

// Seconds of Vault's system default and maximum lease TTL (768h).
inline constexpr std::int64_t kSystemMaxTtl = 768 * 3600;

}  // namespace polcheck::runtime
