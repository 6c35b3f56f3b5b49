// Lease bookkeeping, the expiry manager and sys/leases/* (RUNTIME-API.md §2.7).
// Storage: "lease/id/<lease id>" (IDs keep their slashes, so prefixes list as
// folders) and "lease/token/<token hash>/<hex lease id>" to find a token's leases.
// Expiry is indexed in memory (rebuilt from "lease/id/" after a start), so the
// sweep that runs every tick looks only at leases that are due.
#include "runtime/leases.h"

#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/crypto.h"
#include "runtime/tokens.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

json ToJson(const Lease& l) {
  return {{"id", l.id},
          {"path", l.path},
          {"token", l.token_hash},
          {"issue_time", l.issue_time},
          {"expire_time", l.expire_time},
          {"last_renewal", l.last_renewal},
          {"ttl", l.ttl},
          {"max_ttl", l.max_ttl},
          {"renewable", l.renewable},
          {"internal", l.internal}};
}

Lease FromJson(const json& j) {
  return {.id = j.value("id", ""),
          .path = j.value("path", ""),
          .token_hash = j.value("token", ""),
          .issue_time = j.value("issue_time", std::int64_t{0}),
          .expire_time = j.value("expire_time", std::int64_t{0}),
          .last_renewal = j.value("last_renewal", std::int64_t{0}),
          .ttl = j.value("ttl", std::int64_t{0}),
          .max_ttl = j.value("max_ttl", std::int64_t{0}),
          .renewable = j.value("renewable", true),
          .internal = j.value("internal", "")};
}

std::string IdKey(const std::string& id) {
  return "lease/id/" + id;
}
std::string TokenKey(const std::string& token_hash, const std::string& id) {
  return "lease/token/" + token_hash + "/" + crypto::Hex(id);
}

// The token a token-lease ID ("auth/userpass/login/bob/<hash>") names, if it is one.
Expected<std::optional<TokenEntry>> TokenOfLease(Core& core, const std::string& id) {
  const std::size_t slash = id.rfind('/');
  if (slash == std::string::npos || id.size() - slash - 1 != 64) {
    return std::optional<TokenEntry>();
  }
  Expected<std::optional<TokenEntry>> entry = core.tokens().Load(id.substr(slash + 1));
  if (!entry || !*entry) {
    return entry;
  }
  return (*entry)->path == id.substr(0, slash) ? entry : std::optional<TokenEntry>();
}

std::string TimeText(std::int64_t unix_seconds) {
  return Rfc3339Nano(unix_seconds * 1'000'000'000);
}

}  // namespace

LeaseStore::LeaseStore(Core& core) : core_(core) {}

void LeaseStore::SetRevoker(const std::string& mount, Revoker revoker) {
  std::lock_guard lock(mu_);
  revokers_[mount] = std::move(revoker);
}

void LeaseStore::SetRenewer(const std::string& mount, Renewer renewer) {
  std::lock_guard lock(mu_);
  renewers_[mount] = std::move(renewer);
}

void LeaseStore::SetTicker(const std::string& mount, Ticker ticker) {
  std::lock_guard lock(mu_);
  tickers_[mount] = std::move(ticker);
}

LeaseStore::Revoker LeaseStore::RevokerFor(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto it = revokers_.rbegin(); it != revokers_.rend(); ++it) {
    if (id.starts_with(it->first)) {
      return it->second;
    }
  }
  return nullptr;
}

Expected<Lease> LeaseStore::Register(Lease lease) {
  const std::int64_t now = core_.clock().NowSeconds();
  // A batch token is not stored: its lease belongs to its parent (to no token for an
  // orphan batch token) and cannot outlive it (Vault's documented behaviour).
  std::int64_t batch_expiry = 0;
  if (std::optional<BatchOwner> owner = ParseBatchHash(lease.token_hash)) {
    lease.token_hash = owner->parent_hash;
    batch_expiry = owner->expire_time;
  }
  std::optional<MountEntry> mount = core_.MountOf(lease.path);
  std::int64_t max = mount && mount->max_lease_ttl > 0 ? mount->max_lease_ttl : kSystemMaxTtl;
  if (lease.max_ttl > 0) {
    max = std::min(max, lease.max_ttl);
  }
  if (lease.ttl <= 0) {
    lease.ttl = mount && mount->default_lease_ttl > 0 ? mount->default_lease_ttl : kSystemMaxTtl;
  }
  lease.ttl = std::min(lease.ttl, max);
  if (batch_expiry > now) {
    lease.ttl = std::min(lease.ttl, batch_expiry - now);
  }
  lease.id = lease.path + "/" + crypto::RandomBase62(24);
  lease.issue_time = now;
  lease.expire_time = now + lease.ttl;
  std::lock_guard lock(index_mu_);
  if (Expected<void> put = core_.barrier().Put(IdKey(lease.id), ToJson(lease).dump()); !put) {
    return Unexpected(put.error());
  }
  if (!lease.token_hash.empty()) {
    if (Expected<void> put = core_.barrier().Put(TokenKey(lease.token_hash, lease.id), lease.id); !put) {
      return Unexpected(put.error());
    }
  }
  if (index_loaded_) {
    expiry_.emplace(lease.expire_time, lease.id);
  }
  return lease;
}

Expected<std::optional<Lease>> LeaseStore::Get(const std::string& id) {
  Expected<std::optional<std::string>> raw = core_.barrier().Get(IdKey(id));
  if (!raw) {
    return Unexpected(raw.error());
  }
  if (!*raw) {
    return std::optional<Lease>();
  }
  return std::optional<Lease>(FromJson(json::parse(**raw)));
}

Expected<void> LeaseStore::Forget(const Lease& lease) {
  std::lock_guard lock(index_mu_);
  if (!lease.token_hash.empty()) {
    if (Expected<void> gone = core_.barrier().Delete(TokenKey(lease.token_hash, lease.id)); !gone) {
      return gone;
    }
  }
  if (Expected<void> gone = core_.barrier().Delete(IdKey(lease.id)); !gone) {
    return gone;
  }
  expiry_.erase({lease.expire_time, lease.id});
  return {};
}

Expected<void> LeaseStore::Revoke(const std::string& id, bool force) {
  Expected<std::optional<Lease>> lease = Get(id);
  if (!lease) {
    return Unexpected(lease.error());
  }
  if (!*lease) {
    Expected<std::optional<TokenEntry>> token = TokenOfLease(core_, id);
    if (!token) {
      return Unexpected(token.error());
    }
    return *token ? core_.tokens().Revoke((*token)->hash) : Expected<void>();
  }
  if (Revoker revoker = RevokerFor(id)) {
    if (Expected<void> revoked = revoker(**lease); !revoked && !force) {
      return revoked;
    }
  }
  return Forget(**lease);
}

Expected<std::vector<std::string>> LeaseStore::IdsUnder(const std::string& prefix) {
  std::vector<std::string> ids;
  std::vector<std::string> folders = {prefix};
  while (!folders.empty()) {
    const std::string folder = folders.back();
    folders.pop_back();
    Expected<std::vector<std::string>> keys = core_.barrier().List(IdKey(folder));
    if (!keys) {
      return Unexpected(keys.error());
    }
    for (const std::string& key : *keys) {
      (key.ends_with("/") ? folders : ids).push_back(folder + key);
    }
  }
  return ids;
}

Expected<void> LeaseStore::RevokePrefix(const std::string& raw_prefix, bool force) {
  const std::string prefix = raw_prefix.ends_with("/") ? raw_prefix : raw_prefix + "/";
  Expected<std::vector<std::string>> ids = IdsUnder(prefix);
  if (!ids) {
    return Unexpected(ids.error());
  }
  for (const std::string& id : *ids) {
    if (Expected<void> revoked = Revoke(id, force); !revoked) {
      return revoked;
    }
  }
  return core_.tokens().RevokePathPrefix(prefix);
}

Expected<void> LeaseStore::RevokeByToken(const std::string& token_hash) {
  Expected<std::vector<std::string>> keys = core_.barrier().List("lease/token/" + token_hash + "/");
  if (!keys) {
    return Unexpected(keys.error());
  }
  for (const std::string& key : *keys) {
    std::optional<std::string> id = crypto::FromHex(key);
    if (!id) {
      continue;
    }
    if (Expected<void> revoked = Revoke(*id, true); !revoked) {
      return revoked;
    }
  }
  return {};
}

Expected<Renewed> LeaseStore::Renew(const std::string& id, std::int64_t increment) {
  Expected<std::optional<Lease>> lease = Get(id);
  if (!lease) {
    return Unexpected(lease.error());
  }
  if (!*lease) {
    Expected<std::optional<TokenEntry>> token = TokenOfLease(core_, id);
    if (token && *token) {
      return Unexpected(Error::Code::kInvalidArgument, "tokens cannot be renewed through this endpoint");
    }
    return Unexpected(Error::Code::kInvalidArgument, "lease not found");
  }
  Lease& l = **lease;
  const std::int64_t now = core_.clock().NowSeconds();
  if (l.expire_time != 0 && l.expire_time <= now) {
    return Unexpected(Error::Code::kInvalidArgument, "lease expired");
  }
  if (!l.renewable) {
    return Unexpected(Error::Code::kInvalidArgument, "lease is not renewable");
  }
  std::optional<MountEntry> mount = core_.MountOf(l.path);
  std::int64_t max = mount && mount->max_lease_ttl > 0 ? mount->max_lease_ttl : kSystemMaxTtl;
  if (l.max_ttl > 0) {
    max = std::min(max, l.max_ttl);
  }
  const std::int64_t left = l.issue_time + max - now;
  if (left <= 0) {
    return Unexpected(Error::Code::kInvalidArgument, "past the max TTL, cannot renew");
  }
  Renewed out{.ttl = increment > 0 ? increment : l.ttl};
  if (out.ttl > left) {
    out.warnings.push_back("TTL of \"" + std::to_string(out.ttl) +
                           "s\" exceeded the effective max_ttl of \"" + std::to_string(left) +
                           "s\"; TTL value is capped accordingly");
    out.ttl = left;
  }
  Renewer renewer;
  {
    std::lock_guard lock(mu_);
    for (auto it = renewers_.rbegin(); it != renewers_.rend() && !renewer; ++it) {
      renewer = id.starts_with(it->first) ? it->second : nullptr;
    }
  }
  if (renewer) {
    if (Expected<void> renewed = renewer(l, now + out.ttl); !renewed) {
      return Unexpected(renewed.error());
    }
  }
  const std::int64_t old_expiry = l.expire_time;
  l.last_renewal = now;
  l.expire_time = now + out.ttl;
  std::lock_guard lock(index_mu_);
  if (Expected<void> put = core_.barrier().Put(IdKey(l.id), ToJson(l).dump()); !put) {
    return Unexpected(put.error());
  }
  if (index_loaded_) {
    expiry_.erase({old_expiry, l.id});
    expiry_.emplace(l.expire_time, l.id);
  }
  return out;
}

Expected<std::vector<std::string>> LeaseStore::List(const std::string& prefix) {
  return core_.barrier().List(IdKey(prefix));
}

Expected<void> LeaseStore::LoadIndexLocked() {
  if (index_loaded_) {
    return {};
  }
  Expected<std::vector<std::string>> ids = IdsUnder("");
  if (!ids) {
    return Unexpected(ids.error());
  }
  std::set<std::pair<std::int64_t, std::string>> index;
  for (const std::string& id : *ids) {
    Expected<std::optional<Lease>> lease = Get(id);
    if (!lease) {
      return Unexpected(lease.error());
    }
    if (*lease && (*lease)->expire_time != 0) {
      index.emplace((*lease)->expire_time, id);
    }
  }
  expiry_ = std::move(index);
  index_loaded_ = true;
  return {};
}

Expected<void> LeaseStore::SweepExpired(std::int64_t now) {
  std::vector<std::pair<std::int64_t, std::string>> due;
  {
    std::lock_guard lock(index_mu_);
    if (Expected<void> loaded = LoadIndexLocked(); !loaded) {
      return loaded;
    }
    for (auto it = expiry_.begin(); it != expiry_.end() && it->first <= now; ++it) {
      due.push_back(*it);
    }
  }
  for (const auto& [expire_time, id] : due) {
    Expected<std::optional<Lease>> lease = Get(id);
    if (!lease) {
      return Unexpected(lease.error());
    }
    // Renewed since the index was read, or already gone: nothing to revoke.
    if (*lease && (*lease)->expire_time != 0 && (*lease)->expire_time <= now) {
      if (Expected<void> revoked = Revoke(id, true); !revoked) {
        return revoked;
      }
    }
    if (!*lease) {
      std::lock_guard lock(index_mu_);
      expiry_.erase({expire_time, id});
    }
  }
  std::vector<Ticker> tickers;
  {
    std::lock_guard lock(mu_);
    for (const auto& [mount, ticker] : tickers_) {
      if (ticker) {
        tickers.push_back(ticker);
      }
    }
  }
  Expected<void> result;
  for (const Ticker& ticker : tickers) {
    if (Expected<void> ticked = ticker(now); !ticked) {
      result = ticked;  // the other engines still get their turn
    }
  }
  return result;
}

// ---- the expiry manager --------------------------------------------------------------------

Expected<void> Core::SweepExpired() {
  if (barrier_.sealed()) {
    return {};
  }
  const std::int64_t now = clock_->NowSeconds();
  if (Expected<void> swept = tokens_->SweepExpired(now); !swept) {
    return swept;
  }
  return leases_->SweepExpired(now);
}

void Core::StartExpiryManager(std::chrono::milliseconds tick) {
  std::lock_guard lock(expiry_mu_);
  if (expiry_thread_.joinable()) {
    return;
  }
  expiry_thread_ = std::thread([this, tick] {
    std::unique_lock guard(expiry_mu_);
    while (!expiry_cv_.wait_for(guard, tick, [this] { return expiry_stop_; })) {
      guard.unlock();
      (void)SweepExpired();  // a storage failure is retried on the next tick
      guard.lock();
    }
  });
}

// ---- sys/leases/*, sys/renew, sys/revoke* ----------------------------------------------------

namespace {

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate;
}

// "leases/renew/abc" with verb "renew" -> "abc"; the legacy form drops "leases/".
std::optional<std::string> Suffix(const std::string& path, const std::string& verb) {
  for (const std::string& base : {"leases/" + verb, verb}) {
    if (path == base) {
      return "";
    }
    if (path.starts_with(base + "/")) {
      return path.substr(base.size() + 1);
    }
  }
  return std::nullopt;
}

std::string LeaseIdFrom(const LogicalRequest& req, const std::string& suffix) {
  return !suffix.empty() ? suffix : req.data->value("lease_id", "");
}

Response Lookup(Core& core, const LogicalRequest& req) {
  const std::string id = req.data->value("lease_id", "");
  if (id.empty()) {
    return Response::Error(400, "lease_id must be specified");
  }
  Expected<std::optional<Lease>> lease = core.leases().Get(id);
  if (!lease) {
    return Response::FromError(lease.error());
  }
  const std::int64_t now = core.clock().NowSeconds();
  if (*lease) {
    const Lease& l = **lease;
    return Response::Data({{"id", l.id},
                           {"issue_time", TimeText(l.issue_time)},
                           {"expire_time", l.expire_time ? json(TimeText(l.expire_time)) : json(nullptr)},
                           {"last_renewal", l.last_renewal ? json(TimeText(l.last_renewal)) : json(nullptr)},
                           {"renewable", l.renewable},
                           {"ttl", l.expire_time ? std::max<std::int64_t>(0, l.expire_time - now) : 0}});
  }
  Expected<std::optional<TokenEntry>> token = TokenOfLease(core, id);
  if (!token) {
    return Response::FromError(token.error());
  }
  if (!*token) {
    return Response::Error(400, "invalid lease");
  }
  const TokenEntry& t = **token;
  return Response::Data({{"id", id},
                         {"issue_time", TimeText(t.creation_time)},
                         {"expire_time", t.expire_time ? json(TimeText(t.expire_time)) : json(nullptr)},
                         {"last_renewal", t.last_renewal ? json(TimeText(t.last_renewal)) : json(nullptr)},
                         {"renewable", t.renewable && t.expire_time != 0},
                         {"ttl", t.expire_time ? std::max<std::int64_t>(0, t.expire_time - now) : 0}});
}

Response Renew(Core& core, const LogicalRequest& req, const std::string& suffix) {
  const std::string id = LeaseIdFrom(req, suffix);
  if (id.empty()) {
    return Response::Error(400, "lease_id must be specified");
  }
  std::string error;
  const std::int64_t increment = DurationSeconds(*req.data, "increment", error).value_or(0);
  if (!error.empty()) {
    return Response::Error(400, error);
  }
  Expected<Renewed> renewed = core.leases().Renew(id, increment);
  if (!renewed) {
    return renewed.error().code == Error::Code::kInvalidArgument
               ? Response::Error(400, renewed.error().message)
               : Response::FromError(renewed.error());
  }
  Response r;
  r.data = std::make_shared<const json>(nullptr);  // an envelope with data:null, never a 204
  r.lease_id = id;
  r.renewable = true;
  r.lease_duration = renewed->ttl;
  r.warnings = renewed->warnings;
  return r;
}

}  // namespace

std::optional<Response> HandleSysLeases(Core& core, const LogicalRequest& req) {
  const std::string& p = req.path;
  if (p == "leases/lookup" && req.operation != Operation::kList) {
    return IsWrite(req.operation) ? Lookup(core, req) : Response::UnsupportedOperation();
  }
  if (p.starts_with("leases/lookup/") || p == "leases/lookup") {
    if (req.operation != Operation::kList) {
      return Response::UnsupportedOperation();
    }
    Expected<std::vector<std::string>> keys = core.leases().List(p.size() > 14 ? p.substr(14) : "");
    if (!keys) {
      return Response::FromError(keys.error());
    }
    if (keys->empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", *keys}});
  }
  if (std::optional<std::string> suffix = Suffix(p, "renew")) {
    return IsWrite(req.operation) ? Renew(core, req, *suffix) : Response::UnsupportedOperation();
  }
  if (std::optional<std::string> suffix = Suffix(p, "revoke")) {
    if (!IsWrite(req.operation)) {
      return Response::UnsupportedOperation();
    }
    const std::string id = LeaseIdFrom(req, *suffix);
    if (id.empty()) {
      return Response::Error(400, "lease_id must be specified");
    }
    Expected<void> revoked = core.leases().Revoke(id);
    return revoked ? Response::NoContent() : Response::FromError(revoked.error());
  }
  for (const char* verb : {"revoke-prefix", "revoke-force"}) {
    if (std::optional<std::string> prefix = Suffix(p, verb)) {
      if (!IsWrite(req.operation)) {
        return Response::UnsupportedOperation();
      }
      if (prefix->empty()) {
        return Response::Error(400, "prefix must be specified");
      }
      Expected<void> revoked = core.leases().RevokePrefix(*prefix, std::string_view(verb) == "revoke-force");
      return revoked ? Response::NoContent() : Response::FromError(revoked.error());
    }
  }
  return std::nullopt;
}

}  // namespace polcheck::runtime
