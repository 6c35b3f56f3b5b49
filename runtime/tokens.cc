#include "runtime/tokens.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "runtime/auth_common.h"
#include "runtime/crypto.h"
#include "runtime/identity.h"
#include "runtime/leases.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;

json ToJson(const TokenEntry& e) {
  return {{"accessor", e.accessor},           {"parent", e.parent_hash},      {"policies", e.policies},
          {"meta", e.meta},                   {"path", e.path},               {"display_name", e.display_name},
          {"creation_time", e.creation_time}, {"creation_ttl", e.creation_ttl}, {"expire_time", e.expire_time},
          {"explicit_max_ttl", e.explicit_max_ttl}, {"num_uses", e.num_uses}, {"orphan", e.orphan},
          {"renewable", e.renewable}, {"entity_id", e.entity_id}, {"period", e.period}, {"ttl", e.ttl},
          {"max_ttl", e.max_ttl}, {"last_renewal", e.last_renewal}, {"role", e.role}, {"bound_cidrs", e.bound_cidrs}};
}

TokenEntry FromJson(const std::string& hash, const json& j) {
  TokenEntry e;
  e.hash = hash;
  e.accessor = j.value("accessor", "");
  e.parent_hash = j.value("parent", "");
  e.policies = j.value("policies", std::vector<std::string>{});
  e.meta = j.value("meta", std::map<std::string, std::string>{});
  e.path = j.value("path", "");
  e.display_name = j.value("display_name", "");
  e.creation_time = j.value("creation_time", std::int64_t{0});
  e.creation_ttl = j.value("creation_ttl", std::int64_t{0});
  e.expire_time = j.value("expire_time", std::int64_t{0});
  e.explicit_max_ttl = j.value("explicit_max_ttl", std::int64_t{0});
  e.num_uses = j.value("num_uses", 0);
  e.orphan = j.value("orphan", false);
  e.renewable = j.value("renewable", true);
  e.entity_id = j.value("entity_id", "");
  e.period = j.value("period", std::int64_t{0});
  e.ttl = j.value("ttl", std::int64_t{0});
  e.max_ttl = j.value("max_ttl", std::int64_t{0});
  e.last_renewal = j.value("last_renewal", std::int64_t{0});
  e.role = j.value("role", "");
  e.bound_cidrs = j.value("bound_cidrs", std::vector<std::string>{});
  return e;
}

std::string IdKey(const std::string& hash) { return "token/id/" + hash; }

constexpr std::string_view kBatchPrefix = "hvb.";
constexpr std::string_view kBatchAad = "batch-token";

// Token IDs travel in headers and URLs: base64url without padding.
std::string Base64Url(std::string_view bytes) {
  std::string out = crypto::Base64(bytes);
  std::erase(out, '=');
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}
std::optional<std::string> FromBase64Url(std::string text) {
  if (text.find_first_of("+/=") != std::string::npos) {
    return std::nullopt;
  }
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  text.append((4 - text.size() % 4) % 4, '=');
  return crypto::FromBase64(text);
}
// Expiry index: one folder per expiry second (zero-padded so folders sort by time).
std::string ExpireFolder(std::int64_t expire_time) {
  std::string t = std::to_string(expire_time);
  return "token/expire/" + std::string(t.size() < 12 ? 12 - t.size() : 0, '0') + t + "/";
}
std::string ParentKey(const std::string& parent, const std::string& child) {
  return "token/parent/" + parent + "/" + child;
}

}  // namespace

bool TokenEntry::IsRoot() const { return std::find(policies.begin(), policies.end(), "root") != policies.end(); }

TokenStore::TokenStore(Barrier& barrier, const Clock& clock) : barrier_(barrier), clock_(clock) {}

void TokenStore::ForgetSalt() {
  {
    std::lock_guard lock(mu_);
    salt_.reset();
    batch_key_.reset();
  }
  std::lock_guard lock(index_mu_);  // sealed: reload from storage after the next unseal
  index_loaded_ = false;
  expiry_.clear();
}

void TokenStore::Reindex(const std::string& hash, std::int64_t old_expiry, std::int64_t new_expiry) {
  std::lock_guard lock(index_mu_);
  if (!index_loaded_) {
    return;  // the load reads storage, which is already up to date
  }
  if (old_expiry != 0) {
    expiry_.erase({old_expiry, hash});
  }
  if (new_expiry != 0) {
    expiry_.emplace(new_expiry, hash);
  }
}

Expected<void> TokenStore::LoadIndexLocked() {
  if (index_loaded_) {
    return {};
  }
  Expected<std::vector<std::string>> seconds = barrier_.List("token/expire/");
  if (!seconds) {
    return Unexpected(seconds.error());
  }
  std::set<std::pair<std::int64_t, std::string>> index;
  for (const std::string& second : *seconds) {
    const std::string digits = second.substr(0, second.size() - 1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 18) {
      continue;  // not an index folder
    }
    Expected<std::vector<std::string>> hashes = barrier_.List("token/expire/" + second);
    if (!hashes) {
      return Unexpected(hashes.error());
    }
    for (const std::string& hash : *hashes) {
      index.emplace(std::stoll(digits), hash);
    }
  }
  expiry_ = std::move(index);
  index_loaded_ = true;
  return {};
}

std::string BatchHash(const std::string& parent_hash, std::int64_t expire_time) {
  return "batch:" + parent_hash + ":" + std::to_string(expire_time);
}

std::optional<BatchOwner> ParseBatchHash(const std::string& hash) {
  if (!hash.starts_with("batch:")) {
    return std::nullopt;
  }
  const std::size_t colon = hash.rfind(':');
  if (colon < 6) {
    return std::nullopt;
  }
  BatchOwner owner{.parent_hash = hash.substr(6, colon - 6)};
  const std::string expiry = hash.substr(colon + 1);
  if (expiry.empty() || expiry.find_first_not_of("0123456789") != std::string::npos || expiry.size() > 18) {
    return std::nullopt;
  }
  owner.expire_time = std::stoll(expiry);
  return owner;
}

Expected<std::optional<std::string>> TokenStore::BatchKey(bool create) {
  std::lock_guard lock(mu_);
  if (batch_key_) {
    return batch_key_;
  }
  Expected<std::optional<std::string>> key = barrier_.Get("token/batch-key");
  if (!key) {
    return Unexpected(key.error());
  }
  if (!*key && create) {
    *key = crypto::RandomBytes(crypto::kKeySize);
    if (Expected<void> put = barrier_.Put("token/batch-key", **key); !put) {
      return Unexpected(put.error());
    }
  }
  batch_key_ = *key;
  return batch_key_;
}

Expected<CreatedToken> TokenStore::CreateBatch(TokenEntry entry) {
  Expected<std::optional<std::string>> key = BatchKey(true);
  if (!key) {
    return Unexpected(key.error());
  }
  entry.batch = true;
  entry.accessor.clear();
  entry.renewable = false;
  entry.num_uses = 0;
  std::string id = std::string(kBatchPrefix) + Base64Url(crypto::Seal(**key, ToJson(entry).dump(), kBatchAad));
  entry.hash = BatchHash(entry.parent_hash, entry.expire_time);
  return CreatedToken{std::move(id), std::move(entry)};
}

Expected<std::optional<TokenEntry>> TokenStore::LookupBatch(const std::string& id) {
  std::optional<std::string> sealed = FromBase64Url(id.substr(kBatchPrefix.size()));
  if (!sealed) {
    return std::optional<TokenEntry>();
  }
  Expected<std::optional<std::string>> key = BatchKey(false);
  if (!key || !*key) {
    return key ? Expected<std::optional<TokenEntry>>(std::nullopt) : Unexpected(key.error());
  }
  std::optional<std::string> plain = crypto::Open(**key, *sealed, kBatchAad);
  if (!plain) {
    return std::optional<TokenEntry>();  // forged, truncated or from another server
  }
  TokenEntry entry = FromJson("", json::parse(*plain));
  entry.batch = true;
  entry.renewable = false;
  entry.hash = BatchHash(entry.parent_hash, entry.expire_time);
  const std::int64_t now = clock_.NowSeconds();
  if (entry.expire_time != 0 && entry.expire_time <= now) {
    return std::optional<TokenEntry>();
  }
  if (!entry.parent_hash.empty()) {  // a batch token dies with its parent
    Expected<std::optional<TokenEntry>> parent = Load(entry.parent_hash);
    if (!parent) {
      return Unexpected(parent.error());
    }
    if (!*parent || ((*parent)->expire_time != 0 && (*parent)->expire_time <= now)) {
      return std::optional<TokenEntry>();
    }
  }
  return std::optional<TokenEntry>(std::move(entry));
}

Expected<std::string> TokenStore::Hash(const std::string& id) {
  std::lock_guard lock(mu_);
  if (!salt_) {
    Expected<std::optional<std::string>> salt = barrier_.Get("token/salt");
    if (!salt) {
      return Unexpected(salt.error());
    }
    if (!*salt) {
      *salt = crypto::RandomBytes(32);
      if (Expected<void> put = barrier_.Put("token/salt", **salt); !put) {
        return Unexpected(put.error());
      }
    }
    salt_ = **salt;
  }
  return crypto::Hex(crypto::HmacSha256(*salt_, id));
}

Expected<std::optional<TokenEntry>> TokenStore::Load(const std::string& hash) {
  Expected<std::optional<std::string>> raw = barrier_.Get(IdKey(hash));
  if (!raw) {
    return Unexpected(raw.error());
  }
  if (!*raw) {
    return std::optional<TokenEntry>();
  }
  return std::optional<TokenEntry>(FromJson(hash, json::parse(**raw)));
}

Expected<void> TokenStore::Save(const TokenEntry& entry) {
  Expected<std::optional<TokenEntry>> before = Load(entry.hash);
  if (!before) {
    return Unexpected(before.error());
  }
  const std::int64_t old_expiry = *before ? (*before)->expire_time : 0;
  if (old_expiry != entry.expire_time) {  // keep the expiry index in step (renewals)
    if (old_expiry != 0) {
      if (Expected<void> gone = barrier_.Delete(ExpireFolder(old_expiry) + entry.hash); !gone) {
        return gone;
      }
    }
    if (entry.expire_time != 0) {
      if (Expected<void> put = barrier_.Put(ExpireFolder(entry.expire_time) + entry.hash, ""); !put) {
        return put;
      }
    }
    Reindex(entry.hash, old_expiry, entry.expire_time);
  }
  return barrier_.Put(IdKey(entry.hash), ToJson(entry).dump());
}

Expected<std::optional<TokenEntry>> TokenStore::Lookup(const std::string& id) {
  if (id.empty()) {
    return std::optional<TokenEntry>();
  }
  if (id.starts_with(kBatchPrefix)) {
    return LookupBatch(id);
  }
  Expected<std::string> hash = Hash(id);
  if (!hash) {
    return Unexpected(hash.error());
  }
  Expected<std::optional<TokenEntry>> entry = Load(*hash);
  if (!entry || !*entry) {
    return entry;
  }
  if ((*entry)->expire_time != 0 && (*entry)->expire_time <= clock_.NowSeconds()) {
    // Lazy expiry: an expired token is revoked on first sight.
    if (Expected<void> revoked = Revoke(*hash); !revoked) {
      return Unexpected(revoked.error());
    }
    return std::optional<TokenEntry>();
  }
  return entry;
}

Expected<std::optional<TokenEntry>> TokenStore::LookupAccessor(const std::string& accessor) {
  if (accessor.empty()) {
    return std::optional<TokenEntry>();
  }
  Expected<std::string> accessor_hash = Hash("accessor:" + accessor);
  if (!accessor_hash) {
    return Unexpected(accessor_hash.error());
  }
  Expected<std::optional<std::string>> hash = barrier_.Get("token/accessor/" + *accessor_hash);
  if (!hash) {
    return Unexpected(hash.error());
  }
  if (!*hash) {
    return std::optional<TokenEntry>();
  }
  Expected<std::optional<TokenEntry>> entry = Load(**hash);
  if (entry && *entry && (*entry)->expire_time != 0 && (*entry)->expire_time <= clock_.NowSeconds()) {
    if (Expected<void> revoked = Revoke(**hash); !revoked) {
      return Unexpected(revoked.error());
    }
    return std::optional<TokenEntry>();
  }
  return entry;
}

Expected<CreatedToken> TokenStore::Create(TokenEntry entry, std::string id) {
  if (id.empty()) {
    id = "hvs." + crypto::RandomBase62(24);
  }
  Expected<std::string> hash = Hash(id);
  if (!hash) {
    return Unexpected(hash.error());
  }
  Expected<std::optional<TokenEntry>> existing = Load(*hash);
  if (!existing) {
    return Unexpected(existing.error());
  }
  if (*existing) {
    return Unexpected(Error::Code::kInvalidArgument, "cannot create a token with a duplicate ID");
  }
  entry.hash = *hash;
  entry.accessor = crypto::RandomBase62(24);
  Expected<std::string> accessor_hash = Hash("accessor:" + entry.accessor);
  if (!accessor_hash) {
    return Unexpected(accessor_hash.error());
  }
  if (Expected<void> put = Save(entry); !put) {
    return Unexpected(put.error());
  }
  if (Expected<void> put = barrier_.Put("token/accessor/" + *accessor_hash, entry.hash); !put) {
    return Unexpected(put.error());
  }
  if (!entry.parent_hash.empty()) {
    if (Expected<void> put = barrier_.Put(ParentKey(entry.parent_hash, entry.hash), ""); !put) {
      return Unexpected(put.error());
    }
  }
  return CreatedToken{std::move(id), std::move(entry)};
}

Expected<void> TokenStore::Revoke(const std::string& hash) {
  Expected<std::vector<std::string>> children = barrier_.List("token/parent/" + hash + "/");
  if (!children) {
    return Unexpected(children.error());
  }
  for (const std::string& child : *children) {
    if (Expected<void> revoked = Revoke(child); !revoked) {
      return revoked;
    }
    if (Expected<void> gone = barrier_.Delete(ParentKey(hash, child)); !gone) {
      return gone;
    }
  }
  Expected<std::optional<TokenEntry>> entry = Load(hash);
  if (!entry) {
    return Unexpected(entry.error());
  }
  if (!*entry) {
    return {};
  }
  if (revoke_hook_) {
    if (Expected<void> hooked = revoke_hook_(**entry); !hooked) {
      return hooked;
    }
  }
  Expected<std::string> accessor_hash = Hash("accessor:" + (*entry)->accessor);
  if (!accessor_hash) {
    return Unexpected(accessor_hash.error());
  }
  if (Expected<void> gone = barrier_.Delete("token/accessor/" + *accessor_hash); !gone) {
    return gone;
  }
  if (!(*entry)->parent_hash.empty()) {
    if (Expected<void> gone = barrier_.Delete(ParentKey((*entry)->parent_hash, hash)); !gone) {
      return gone;
    }
  }
  if ((*entry)->expire_time != 0) {
    if (Expected<void> gone = barrier_.Delete(ExpireFolder((*entry)->expire_time) + hash); !gone) {
      return gone;
    }
    Reindex(hash, (*entry)->expire_time, 0);
  }
  // A wrapping token's stored response (wrapping.cc) goes with it, however it ends:
  // unwrapped, revoked or expired (Vault keeps it in the token's cubbyhole).
  if (Expected<void> gone = barrier_.Delete("wrapping/" + hash); !gone) {
    return gone;
  }
  return barrier_.Delete(IdKey(hash));
}

Expected<bool> TokenStore::Use(TokenEntry& entry) {
  if (entry.num_uses <= 0) {
    return false;
  }
  std::lock_guard lock(use_mu_);
  Expected<std::optional<TokenEntry>> fresh = Load(entry.hash);
  if (!fresh) {
    return Unexpected(fresh.error());
  }
  if (!*fresh) {
    return Unexpected(Error::Code::kNotFound, "invalid token");
  }
  entry.num_uses = (*fresh)->num_uses - 1;
  (*fresh)->num_uses = entry.num_uses;
  if (entry.num_uses <= 0) {
    return true;  // revoked by the caller once the request is done
  }
  if (Expected<void> saved = Save(**fresh); !saved) {
    return Unexpected(saved.error());
  }
  return false;
}

Expected<void> TokenStore::RevokeOrphan(const std::string& hash) {
  Expected<std::vector<std::string>> children = barrier_.List("token/parent/" + hash + "/");
  if (!children) {
    return Unexpected(children.error());
  }
  for (const std::string& child : *children) {
    Expected<std::optional<TokenEntry>> entry = Load(child);
    if (!entry) {
      return Unexpected(entry.error());
    }
    if (*entry) {
      (*entry)->parent_hash.clear();
      if (Expected<void> saved = Save(**entry); !saved) {
        return saved;
      }
    }
    if (Expected<void> gone = barrier_.Delete(ParentKey(hash, child)); !gone) {
      return gone;
    }
  }
  return Revoke(hash);
}

Expected<std::vector<TokenEntry>> TokenStore::All() {
  Expected<std::vector<std::string>> hashes = barrier_.List("token/id/");
  if (!hashes) {
    return Unexpected(hashes.error());
  }
  std::vector<TokenEntry> out;
  for (const std::string& hash : *hashes) {
    Expected<std::optional<TokenEntry>> entry = Load(hash);
    if (!entry) {
      return Unexpected(entry.error());
    }
    if (*entry) {
      out.push_back(std::move(**entry));
    }
  }
  return out;
}

Expected<void> TokenStore::RevokePathPrefix(const std::string& prefix) {
  Expected<std::vector<TokenEntry>> all = All();
  if (!all) {
    return Unexpected(all.error());
  }
  for (const TokenEntry& entry : *all) {
    const std::string_view folder(prefix);
    if (entry.path.starts_with(prefix) || (folder.ends_with('/') && entry.path == folder.substr(0, folder.size() - 1))) {
      if (Expected<void> revoked = Revoke(entry.hash); !revoked) {
        return revoked;
      }
    }
  }
  return {};
}

Expected<void> TokenStore::SweepExpired(std::int64_t now) {
  // Takes what is due from the in-memory index (time order, stops at the first
  // second still to come), so a sweep costs what expired, not what exists.
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
  for (const auto& [expire_time, hash] : due) {
    if (Expected<void> revoked = Revoke(hash); !revoked) {  // an ancestor may have taken it already
      return revoked;
    }
    // A stale index entry (its token gone another way) is dropped too.
    if (Expected<void> gone = barrier_.Delete(ExpireFolder(expire_time) + hash); !gone) {
      return gone;
    }
    Reindex(hash, expire_time, 0);
  }
  return {};
}

// ---- auth/token/ backend ------------------------------------------------------------------

namespace {

using evaluator::Operation;

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool AnyGlob(const std::vector<std::string>& globs, const std::string& name) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return GlobMatch(g, name); });
}

std::string TimeText(std::int64_t unix_seconds) { return Rfc3339Nano(unix_seconds * 1'000'000'000); }

std::string Quoted(const std::vector<std::string>& names) {
  std::string out = "[";
  for (const std::string& name : names) {
    out.append(out.size() > 1 ? " " : "").append(name);
  }
  return out + "]";
}

// A token role (auth/token/roles/:name, RUNTIME-API.md §3.4).
struct TokenRole {
  std::string name;
  std::vector<std::string> allowed_policies;
  std::vector<std::string> disallowed_policies;
  std::vector<std::string> allowed_policies_glob;
  std::vector<std::string> disallowed_policies_glob;
  std::vector<std::string> allowed_entity_aliases;
  bool orphan = false;
  bool renewable = true;
  std::string path_suffix;
  TokenFields fields;  // token_period, token_explicit_max_ttl, token_num_uses, token_no_default_policy, token_bound_cidrs
  bool explicit_max_via_alias = false;

  bool ConstrainsPolicies() const {
    return !allowed_policies.empty() || !disallowed_policies.empty() || !allowed_policies_glob.empty() ||
           !disallowed_policies_glob.empty();
  }
};

json RoleJson(const TokenRole& r) {
  json out = {{"name", r.name},
              {"allowed_policies", r.allowed_policies},
              {"disallowed_policies", r.disallowed_policies},
              {"allowed_policies_glob", r.allowed_policies_glob},
              {"disallowed_policies_glob", r.disallowed_policies_glob},
              {"allowed_entity_aliases", r.allowed_entity_aliases},
              {"orphan", r.orphan},
              {"renewable", r.renewable},
              {"path_suffix", r.path_suffix}};
  json fields = TokenFieldsJson(r.fields);
  for (const char* key : {"token_period", "token_explicit_max_ttl", "token_num_uses", "token_no_default_policy",
                          "token_bound_cidrs", "period", "bound_cidrs"}) {
    if (fields.contains(key)) {
      out[key] = fields[key];
    }
  }
  out["token_type"] = r.fields.type == "default" ? "default-service" : r.fields.type;
  if (r.explicit_max_via_alias) {
    out["explicit_max_ttl"] = r.fields.explicit_max_ttl;
  }
  return out;
}

class TokenBackend final : public Backend {
 public:
  explicit TokenBackend(Core& core) : core_(core) {}
  std::string type() const override { return "token"; }
  std::optional<bool> Exists(const std::string& path) override {
    if (!path.starts_with("roles/") || path.size() == 6) {
      return std::nullopt;
    }
    Expected<std::optional<TokenRole>> role = LoadRole(path.substr(6));
    return role && role->has_value();
  }

  // Token creation decodes the body into a struct (handleCreateCommon); the rest are framework paths.
  static bool IsCreate(const std::string& path) { return path.starts_with("create"); }
  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 9> kCreate = {{{"id", FieldKind::kString},
                                                      {"meta", FieldKind::kStringMap},
                                                      {"no_parent", FieldKind::kBool},
                                                      {"no_default_policy", FieldKind::kBool},
                                                      {"renewable", FieldKind::kBool},
                                                      {"display_name", FieldKind::kString},
                                                      {"num_uses", FieldKind::kInt},
                                                      {"type", FieldKind::kString},
                                                      {"entity_alias", FieldKind::kString}}};
    static constexpr std::array<Field, 2> kToken = {{{"token", FieldKind::kString},
                                                     {"accessor", FieldKind::kString}}};
    static constexpr auto kRole = WithTokenFields(std::array<Field, 3>{{{"orphan", FieldKind::kBool},
                                                                        {"renewable", FieldKind::kBool},
                                                                        {"path_suffix", FieldKind::kString}}});
    if (IsCreate(path)) {
      return kCreate;
    }
    return path.starts_with("roles/") ? FieldList(kRole) : FieldList(kToken);
  }
  FieldErrors FieldErrorStyle(const std::string& path) const override {
    return IsCreate(path) ? FieldErrors::kStruct : FieldErrors::kFramework;
  }

  Response Handle(const LogicalRequest& req) override {
    const std::string& p = req.path;
    const bool write = req.operation == Operation::kUpdate || req.operation == Operation::kCreate;
    if (p == "create" || p == "create-orphan") {
      return write ? Create(req, p == "create-orphan", std::nullopt) : Response::UnsupportedOperation();
    }
    if (p.starts_with("create/") && p.size() > 7) {
      if (!write) {
        return Response::UnsupportedOperation();
      }
      Expected<std::optional<TokenRole>> role = LoadRole(p.substr(7));
      if (!role) {
        return Response::FromError(role.error());
      }
      if (!*role) {
        return Response::Error(400, "unknown role " + p.substr(7));
      }
      return Create(req, false, **role);
    }
    if (p == "lookup-self") {
      return write || req.operation == Operation::kRead ? LookupData(*req.token, req.client_token)
                                                        : Response::UnsupportedOperation();
    }
    if (p == "lookup") {
      return write || req.operation == Operation::kRead ? Lookup(req) : Response::UnsupportedOperation();
    }
    if (p == "lookup-accessor") {
      return write ? LookupAccessor(req) : Response::UnsupportedOperation();
    }
    if (p == "renew" || p == "renew-self" || p == "renew-accessor") {
      return write ? Renew(req) : Response::UnsupportedOperation();
    }
    if (p == "revoke" || p == "revoke-self" || p == "revoke-accessor" || p == "revoke-orphan") {
      return write ? Revoke(req) : Response::UnsupportedOperation();
    }
    if (p == "accessors/") {
      return req.operation == Operation::kList ? Accessors() : Response::UnsupportedOperation();
    }
    if (p == "roles/" || p == "roles") {
      return req.operation == Operation::kList ? ListRoles() : Response::UnsupportedOperation();
    }
    if (p.starts_with("roles/") && p.size() > 6 && p.find('/', 6) == std::string::npos) {
      return Role(req, p.substr(6));
    }
    return Response::UnsupportedPath();
  }

 private:
  // ---- create ----

  Response Create(const LogicalRequest& req, bool orphan_path, const std::optional<TokenRole>& role) {
    const json& d = *req.data;
    const TokenEntry& parent = *req.token;
    if (parent.batch) {
      return Response::Error(400, "batch tokens cannot create more tokens");
    }
    if (parent.num_uses > 0) {
      return Response::Error(400, "restricted use token cannot generate child tokens");
    }
    std::optional<bool> batch = BatchRequested(d, role);
    if (!batch) {
      return Response::Error(400, "invalid 'token_type' value");
    }
    if (*batch) {
      if (Response bad = BatchLimits(d); bad.is_error) {
        return bad;
      }
    }
    const bool sudo = req.root_privs || parent.IsRoot();
    const std::string id = d.value("id", "");
    if (!id.empty() && !sudo) {
      return Response::Error(400, "root or sudo privileges required to specify token id");
    }
    if (!id.empty() && *batch) {
      return Response::Error(400, "batch tokens cannot have a custom ID");
    }
    if (id.find('.') != std::string::npos) {
      return Response::Error(400, "token IDs can not contain a '.'");
    }
    const bool no_parent = d.value("no_parent", false);
    if (no_parent && !sudo && !orphan_path && !(role && role->orphan)) {
      return Response::Error(400, "root or sudo privileges required to create orphan token");
    }
    TokenEntry entry;
    entry.orphan = orphan_path || (role ? role->orphan : no_parent);
    entry.parent_hash = entry.orphan ? "" : parent.hash;
    entry.entity_id = parent.entity_id;  // children inherit the parent's entity
    entry.path = orphan_path ? "auth/token/create-orphan" : "auth/token/create";
    if (role) {
      entry.role = role->name;
      entry.path = "auth/token/create/" + role->name + (role->path_suffix.empty() ? "" : "/" + role->path_suffix);
      entry.bound_cidrs = role->fields.bound_cidrs;
    }
    entry.meta = d.contains("meta") && d["meta"].is_object() ? d["meta"].get<std::map<std::string, std::string>>()
                                                             : std::map<std::string, std::string>{};
    const std::string display = d.value("display_name", "");
    entry.display_name = display.empty() ? "token" : "token-" + display;
    entry.renewable = d.value("renewable", true) && (!role || role->renewable) && !*batch;
    entry.num_uses = d.value("num_uses", 0);
    if (entry.num_uses < 0) {
      return Response::Error(400, "number of uses cannot be negative");
    }
    if (!*batch && role && role->fields.num_uses > 0 &&
        (entry.num_uses == 0 || entry.num_uses > role->fields.num_uses)) {
      entry.num_uses = role->fields.num_uses;
    }
    Response bad = role && role->ConstrainsPolicies() ? RolePolicies(req, *role, entry) : Policies(req, sudo, entry);
    if (bad.is_error) {
      return bad;
    }
    if (*batch && entry.IsRoot()) {
      return Response::Error(400, "batch tokens cannot be root tokens");
    }
    std::vector<std::string> warnings;
    // Batch tokens take no period or explicit max TTL, not even from the role (as Vault).
    if (Response ttl_error = Ttls(d, sudo, *batch ? std::nullopt : role, entry, warnings); ttl_error.is_error) {
      return ttl_error;
    }
    for (const std::string& name : entry.policies) {
      if (name == "default" || name == "root") {
        continue;
      }
      Expected<std::optional<std::string>> text = core_.policies().Get(name);
      if (text && !*text) {
        warnings.push_back("Policy \"" + name + "\" does not exist");
      }
    }
    if (d.contains("entity_alias") && !d["entity_alias"].is_string()) {
      return Response::Error(400, "invalid 'entity_alias' value");
    }
    if (!d.value("entity_alias", "").empty()) {
      Response alias_error = EntityFromAlias(d.value("entity_alias", ""), role, entry);
      if (alias_error.is_error) {
        return alias_error;
      }
    }
    Expected<CreatedToken> created =
        *batch ? core_.tokens().CreateBatch(std::move(entry)) : core_.tokens().Create(std::move(entry), id);
    if (!created) {
      return created.error().code == Error::Code::kInvalidArgument ? Response::Error(400, created.error().message)
                                                                   : Response::FromError(created.error());
    }
    Response r;
    r.auth = std::make_shared<const json>(AuthBlock(created->id, created->entry, IdentityPolicies(created->entry)));
    r.warnings = std::move(warnings);
    return r;
  }

  // The token type a create asks for, after the role's token_type (Vault's rules:
  // default/default-service fall back to service, default-batch to batch, service and
  // batch override the request); nullopt for an unknown type.
  static std::optional<bool> BatchRequested(const json& d, const std::optional<TokenRole>& role) {
    if (d.contains("type") && !d["type"].is_string()) {
      return std::nullopt;
    }
    std::string type = d.value("type", "");
    if (role) {
      const std::string& fixed = role->fields.type;
      if (fixed == "service" || fixed == "batch") {
        type = fixed;
      } else if (fixed == "default-batch" && type.empty()) {
        type = "batch";
      }
    }
    if (type.empty() || type == "service") {
      return false;
    }
    return type == "batch" ? std::optional<bool>(true) : std::nullopt;
  }

  // Vault refuses the fields a batch token cannot carry, in this order.
  static Response BatchLimits(const json& d) {
    std::string error;
    for (const char* key : {"explicit_max_ttl", "num_uses", "period"}) {
      const bool set = std::string_view(key) == "num_uses" ? d.value("num_uses", 0) != 0
                                                           : DurationSeconds(d, key, error).value_or(0) != 0;
      if (!error.empty()) {
        return Response::Error(400, "\"" + std::string(key) + "\" value could not be parsed");
      }
      if (set) {
        return Response::Error(400, "batch tokens cannot have \"" + std::string(key) + "\" set");
      }
    }
    return {};
  }

  // entity_alias (Vault's handleCreateCommon): only through a role whose
  // allowed_entity_aliases lists it (exactly or by glob, case-insensitively); the alias
  // on the token mount is fetched or created and its entity replaces the inherited one.
  Response EntityFromAlias(const std::string& alias, const std::optional<TokenRole>& role, TokenEntry& entry) {
    if (!role) {
      return Response::Error(400, "'entity_alias' is only allowed in combination with token role");
    }
    const std::string lower = Lower(alias);
    const bool allowed = std::any_of(role->allowed_entity_aliases.begin(), role->allowed_entity_aliases.end(),
                                     [&](const std::string& pattern) {
                                       const std::string p = Lower(pattern);
                                       return p == lower || GlobMatch(p, lower);
                                     });
    if (!allowed) {
      return Response::Error(400, "invalid 'entity_alias' value");
    }
    std::optional<MountEntry> mount = core_.MountOf("auth/token/");
    if (!mount) {
      return Response::Error(400, "auth token mount accessor not found");
    }
    Expected<std::string> entity = core_.identity().Login({.mount_accessor = mount->accessor,
                                                          .mount_path = mount->path,
                                                          .mount_type = mount->type,
                                                          .alias_name = alias,
                                                          .fetch_only = true});
    if (!entity) {
      return Response::FromError(entity.error());
    }
    Expected<ResolvedIdentity> who = core_.identity().Resolve(*entity);
    if (!who) {
      return Response::FromError(who.error());
    }
    if (who->disabled) {
      return Response::Error(403, "entity from given entity alias is disabled");
    }
    entry.entity_id = *entity;
    return {};
  }

  static std::string Lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
  }

  std::vector<std::string> IdentityPolicies(const TokenEntry& e) {
    Expected<ResolvedIdentity> who = core_.identity().Resolve(e.entity_id);
    return who ? who->policies : std::vector<std::string>{};
  }

  Response Policies(const LogicalRequest& req, bool sudo, TokenEntry& entry) {
    const json& d = *req.data;
    const TokenEntry& parent = *req.token;
    std::vector<std::string> requested = SanitizePolicies(StringList(d, "policies"), false);
    const bool no_default = d.value("no_default_policy", false);
    if (!d.contains("policies") || requested.empty()) {
      requested = parent.policies;  // children inherit; default only if the parent has it
      if (no_default) {
        std::erase(requested, "default");
      }
      entry.policies = SanitizePolicies(requested, false);
      return {};
    }
    if (Contains(requested, "root") && !parent.IsRoot()) {
      return Response::Error(400, "root tokens may not be created without parent token being root");
    }
    for (const std::string& name : requested) {
      if (name == "response-wrapping" || name == "control-group") {
        return Response::Error(400, "cannot assign policy \"" + name + "\"");
      }
      if (!sudo && name != "default" && !Contains(parent.policies, name)) {
        return Response::Error(400, "child policies must be subset of parent");
      }
    }
    entry.policies = SanitizePolicies(requested, !no_default && (sudo || Contains(parent.policies, "default")));
    return {};
  }

  // With allowed/disallowed lists the role, not the parent, bounds the policies.
  Response RolePolicies(const LogicalRequest& req, const TokenRole& role, TokenEntry& entry) {
    const json& d = *req.data;
    const bool no_default = d.value("no_default_policy", false) || role.fields.no_default_policy;
    std::vector<std::string> requested = SanitizePolicies(StringList(d, "policies"), false);
    if (requested.empty()) {
      requested = !role.allowed_policies.empty() ? SanitizePolicies(role.allowed_policies, false)
                                                 : SanitizePolicies(req.token->policies, false);
      std::erase_if(requested, [&](const std::string& name) {
        return Contains(role.disallowed_policies, name) || AnyGlob(role.disallowed_policies_glob, name);
      });
    }
    if (Contains(requested, "root")) {
      return Response::Error(400, "root tokens may not be created from a role");  // Vault never issues root via roles
    }
    const bool allow_list = !role.allowed_policies.empty() || !role.allowed_policies_glob.empty();
    for (const std::string& name : requested) {
      if (Contains(role.disallowed_policies, name) || AnyGlob(role.disallowed_policies_glob, name)) {
        return Response::Error(400, "token policy \"" + name + "\" is disallowed by this role");
      }
      if (allow_list && name != "default" && !Contains(role.allowed_policies, name) &&
          !AnyGlob(role.allowed_policies_glob, name)) {
        return Response::Error(400, "token policies (" + Quoted(requested) +
                                        ") must be subset of the role's allowed policies (" +
                                        Quoted(role.allowed_policies) + ")");
      }
    }
    const bool default_allowed =
        !Contains(role.disallowed_policies, "default") && !AnyGlob(role.disallowed_policies_glob, "default");
    entry.policies = SanitizePolicies(requested, !no_default && default_allowed);
    return {};
  }

  Response Ttls(const json& d, bool sudo, const std::optional<TokenRole>& role, TokenEntry& entry,
                std::vector<std::string>& warnings) {
    std::string error;
    std::optional<std::int64_t> ttl = DurationSeconds(d, d.contains("ttl") ? "ttl" : "lease", error);
    std::optional<std::int64_t> max = DurationSeconds(d, "explicit_max_ttl", error);
    std::optional<std::int64_t> period = DurationSeconds(d, "period", error);
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    if (period.value_or(0) > 0 && !sudo && !role) {
      return Response::Error(400, "root or sudo privileges required to create periodic token");
    }
    entry.explicit_max_ttl = max.value_or(0);
    entry.period = period.value_or(0);
    if (role) {  // the lesser of role and request wins
      for (auto [member, role_value, label] :
           {std::tuple{&TokenEntry::explicit_max_ttl, role->fields.explicit_max_ttl, "explicit max TTL"},
            std::tuple{&TokenEntry::period, role->fields.period, "period"}}) {
        std::int64_t& value = entry.*member;
        if (role_value > 0 && (value == 0 || value > role_value)) {
          if (value > role_value) {
            warnings.push_back(std::string("requested ") + label + " is higher than the role's; using the role's");
          }
          value = role_value;
        }
      }
    }
    std::int64_t seconds = ttl.value_or(0);
    entry.ttl = seconds;
    std::int64_t cap = kSystemMaxTtl;
    if (entry.explicit_max_ttl > 0) {
      cap = std::min(cap, entry.explicit_max_ttl);
    }
    if (entry.period > 0) {
      seconds = std::min(entry.period, entry.explicit_max_ttl > 0 ? entry.explicit_max_ttl : entry.period);
    } else {
      if (seconds == 0 && !entry.IsRoot()) {
        seconds = kSystemMaxTtl;
      }
      if (seconds > cap || (seconds == 0 && entry.explicit_max_ttl > 0)) {
        if (seconds > cap) {
          warnings.push_back("TTL of \"" + std::to_string(seconds) + "s\" exceeded the effective max_ttl of \"" +
                             std::to_string(cap) + "s\"; TTL value is capped accordingly");
        }
        seconds = cap;
      }
    }
    entry.creation_time = core_.clock().NowSeconds();
    entry.creation_ttl = seconds;
    entry.expire_time = seconds > 0 ? entry.creation_time + seconds : 0;
    return {};
  }

  // ---- lookup ----

  Response LookupData(const TokenEntry& e, const std::string& id) {
    const std::int64_t now = core_.clock().NowSeconds();
    json data = {{"accessor", e.accessor},
                 {"creation_time", e.creation_time},
                 {"creation_ttl", e.creation_ttl},
                 {"display_name", e.display_name},
                 {"entity_id", e.entity_id},
                 {"expire_time", e.expire_time == 0 ? json(nullptr) : json(TimeText(e.expire_time))},
                 {"explicit_max_ttl", e.explicit_max_ttl},
                 {"id", id},
                 {"issue_time", TimeText(e.creation_time)},
                 {"meta", e.meta.empty() ? json(nullptr) : json(e.meta)},
                 {"num_uses", e.num_uses},
                 {"orphan", e.orphan},
                 {"path", e.path},
                 {"policies", e.policies},
                 {"renewable", e.renewable && e.expire_time != 0},
                 {"ttl", e.expire_time == 0 ? 0 : std::max<std::int64_t>(0, e.expire_time - now)},
                 {"type", e.batch ? "batch" : "service"}};
    if (std::vector<std::string> identity = IdentityPolicies(e); !identity.empty()) {
      data["identity_policies"] = identity;
    }
    if (e.period > 0) {
      data["period"] = e.period;
    }
    if (!e.role.empty()) {
      data["role"] = e.role;
    }
    if (!e.bound_cidrs.empty()) {
      data["bound_cidrs"] = e.bound_cidrs;
    }
    if (e.last_renewal != 0) {
      data["last_renewal"] = TimeText(e.last_renewal);
      data["last_renewal_time"] = e.last_renewal;
    }
    return Response::Data(std::move(data));
  }

  Response Lookup(const LogicalRequest& req) {
    const std::string id = req.data->value("token", "");
    if (id.empty()) {
      return Response::Error(400, "missing token ID");
    }
    Expected<std::optional<TokenEntry>> entry = core_.tokens().Lookup(id);
    if (!entry) {
      return Response::FromError(entry.error());
    }
    if (!*entry) {
      return Response::Error(403, "bad token");
    }
    return LookupData(**entry, id);
  }

  Response LookupAccessor(const LogicalRequest& req) {
    Expected<std::optional<TokenEntry>> entry = core_.tokens().LookupAccessor(req.data->value("accessor", ""));
    if (!entry) {
      return Response::FromError(entry.error());
    }
    if (!*entry) {
      return Response::Error(400, "invalid accessor");
    }
    return LookupData(**entry, "");
  }

  // ---- renew ----

  Response Renew(const LogicalRequest& req) {
    std::optional<TokenEntry> target;
    std::string client_token;
    if (req.path == "renew-self") {
      target = *req.token;
      client_token = req.client_token;
    } else if (req.path == "renew") {
      client_token = req.data->value("token", "");
      if (client_token.empty()) {
        return Response::Error(400, "missing token ID");
      }
      Expected<std::optional<TokenEntry>> entry = core_.tokens().Lookup(client_token);
      if (!entry) {
        return Response::FromError(entry.error());
      }
      target = *entry;
    } else {
      Expected<std::optional<TokenEntry>> entry = core_.tokens().LookupAccessor(req.data->value("accessor", ""));
      if (!entry) {
        return Response::FromError(entry.error());
      }
      target = *entry;
    }
    if (!target) {
      return Response::Error(400, "token not found");
    }
    if (target->batch) {
      return Response::Error(400, "batch tokens cannot be renewed");
    }
    std::string error;
    const std::int64_t increment = DurationSeconds(*req.data, "increment", error).value_or(0);
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    return RenewEntry(*target, increment, client_token);
  }

  // The TTL inputs of one renewal: the token's own, except what Vault re-reads on every
  // renew (a token role's token_period and token_explicit_max_ttl; a login role's or
  // user's token_ttl, token_max_ttl and token_period). Nothing re-read is stored.
  struct RenewTtls {
    std::int64_t period = 0;
    std::int64_t explicit_max_ttl = 0;
    std::int64_t ttl = 0;
    std::int64_t max_ttl = 0;
  };

  // Fills `ttls`; a non-empty Response is the answer (an error, or Vault's 204 when a
  // login's user is gone).
  std::optional<Response> CurrentTtls(const TokenEntry& e, RenewTtls& ttls) {
    ttls = {.period = e.period, .explicit_max_ttl = e.explicit_max_ttl, .ttl = e.ttl, .max_ttl = e.max_ttl};
    if (e.path.starts_with("auth/token/")) {
      if (e.role.empty()) {
        return std::nullopt;
      }
      Expected<std::optional<TokenRole>> role = LoadRole(e.role);
      if (!role) {
        return Response::FromError(role.error());
      }
      if (!*role) {
        return Response::Error(400, "original token role \"" + e.role + "\" could not be found, not renewing");
      }
      ttls.period = (*role)->fields.period;
      ttls.explicit_max_ttl = (*role)->fields.explicit_max_ttl;
      return std::nullopt;
    }
    if (!e.path.starts_with("auth/")) {
      return std::nullopt;
    }
    std::shared_ptr<Backend> method = core_.BackendFor(e.path);  // a login token: ask its method
    if (!method) {
      return std::nullopt;
    }
    const Backend::RenewCheck check = method->ValidateRenew(e);
    if (!check.error.empty()) {
      return Response::Error(400, check.error);
    }
    if (!check.renew) {
      return Response::NoContent();
    }
    if (check.refresh) {
      ttls.ttl = check.ttl;
      ttls.max_ttl = check.max_ttl;
      ttls.period = check.period;
    }
    return std::nullopt;
  }

  Response RenewEntry(TokenEntry& e, std::int64_t increment, const std::string& client_token) {
    if (e.expire_time == 0) {
      return Response::Error(400, "invalid lease ID");
    }
    if (!e.renewable) {
      return Response::Error(400, "lease is not renewable");
    }
    RenewTtls t;
    if (std::optional<Response> answer = CurrentTtls(e, t)) {
      return *answer;
    }
    const std::int64_t now = core_.clock().NowSeconds();
    std::vector<std::string> warnings;
    std::int64_t ttl = 0;
    if (t.period > 0) {  // periodic: back to the period, bounded only by an explicit max
      ttl = t.period;
      if (t.explicit_max_ttl > 0) {
        ttl = std::min(ttl, e.creation_time + t.explicit_max_ttl - now);
      }
    } else {
      std::optional<MountEntry> mount = core_.MountOf(e.path);
      std::int64_t max = mount && mount->max_lease_ttl > 0 ? mount->max_lease_ttl : kSystemMaxTtl;
      if (t.max_ttl > 0) {
        max = std::min(max, t.max_ttl);
      }
      if (t.explicit_max_ttl > 0) {
        max = std::min(max, t.explicit_max_ttl);
      }
      const std::int64_t fallback = t.ttl > 0 ? t.ttl
                                    : mount && mount->default_lease_ttl > 0 ? mount->default_lease_ttl
                                                                            : kSystemMaxTtl;
      ttl = increment > 0 ? increment : fallback;
      const std::int64_t left = e.creation_time + max - now;
      if (ttl > left) {
        warnings.push_back("TTL of \"" + std::to_string(ttl) + "s\" exceeded the effective max_ttl of \"" +
                           std::to_string(left) + "s\"; TTL value is capped accordingly");
        ttl = left;
      }
    }
    if (ttl <= 0) {
      return Response::Error(400, "past the max TTL, cannot renew");
    }
    e.last_renewal = now;
    e.expire_time = now + ttl;
    if (Expected<void> saved = core_.tokens().Save(e); !saved) {
      return Response::FromError(saved.error());
    }
    Response r;
    r.auth = std::make_shared<const json>(AuthBlock(client_token, e, IdentityPolicies(e)));
    r.warnings = std::move(warnings);
    return r;
  }

  // ---- revoke ----

  Response Revoke(const LogicalRequest& req) {
    std::optional<TokenEntry> target;
    if (req.path == "revoke-self") {
      target = *req.token;
    } else if (req.path == "revoke" || req.path == "revoke-orphan") {
      const std::string id = req.data->value("token", "");
      if (id.empty()) {
        return Response::Error(400, "missing token ID");
      }
      if (req.path == "revoke-orphan" && !req.root_privs && !req.token->IsRoot()) {
        return Response::Error(400, "root or sudo privileges required to revoke and orphan");
      }
      Expected<std::optional<TokenEntry>> entry = core_.tokens().Lookup(id);
      if (!entry) {
        return Response::FromError(entry.error());
      }
      target = *entry;
    } else {
      Expected<std::optional<TokenEntry>> entry = core_.tokens().LookupAccessor(req.data->value("accessor", ""));
      if (!entry) {
        return Response::FromError(entry.error());
      }
      target = *entry;
    }
    if (target && target->batch) {  // they end with their TTL or their parent
      return Response::Error(400, "batch tokens cannot be revoked");
    }
    if (target) {
      Expected<void> revoked = req.path == "revoke-orphan" ? core_.tokens().RevokeOrphan(target->hash)
                                                           : core_.tokens().Revoke(target->hash);
      if (!revoked) {
        return Response::FromError(revoked.error());
      }
    }
    return Response::NoContent();
  }

  Response Accessors() {
    Expected<std::vector<TokenEntry>> all = core_.tokens().All();
    if (!all) {
      return Response::FromError(all.error());
    }
    json keys = json::array();
    for (const TokenEntry& entry : *all) {
      keys.push_back(entry.accessor);
    }
    if (keys.empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", keys}});
  }

  // ---- roles ----

  static std::string RoleKey(const std::string& name) { return "token/role/" + name; }

  Expected<std::optional<TokenRole>> LoadRole(const std::string& raw_name) {
    const std::string name = PolicyStore::NormalizeName(raw_name);
    Expected<std::optional<std::string>> raw = core_.barrier().Get(RoleKey(name));
    if (!raw) {
      return Unexpected(raw.error());
    }
    if (!*raw) {
      return std::optional<TokenRole>();
    }
    const json j = json::parse(**raw);
    TokenRole r;
    r.name = name;
    r.allowed_policies = j.value("allowed_policies", std::vector<std::string>{});
    r.disallowed_policies = j.value("disallowed_policies", std::vector<std::string>{});
    r.allowed_policies_glob = j.value("allowed_policies_glob", std::vector<std::string>{});
    r.disallowed_policies_glob = j.value("disallowed_policies_glob", std::vector<std::string>{});
    r.allowed_entity_aliases = j.value("allowed_entity_aliases", std::vector<std::string>{});
    r.orphan = j.value("orphan", false);
    r.renewable = j.value("renewable", true);
    r.path_suffix = j.value("path_suffix", "");
    r.fields = LoadTokenFields(j.value("fields", json::object()));
    r.explicit_max_via_alias = j.value("explicit_max_via_alias", false);
    return std::optional<TokenRole>(std::move(r));
  }

  Response Role(const LogicalRequest& req, const std::string& raw_name) {
    const std::string name = PolicyStore::NormalizeName(raw_name);
    Expected<std::optional<TokenRole>> role = LoadRole(name);
    if (!role) {
      return Response::FromError(role.error());
    }
    switch (req.operation) {
      case Operation::kRead:
        return *role ? Response::Data(RoleJson(**role)) : Response::NotFound();
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteRole(req, role->value_or(TokenRole{.name = name}));
      case Operation::kDelete: {
        Expected<void> gone = core_.barrier().Delete(RoleKey(name));
        return gone ? Response::NoContent() : Response::FromError(gone.error());
      }
      case Operation::kList:
      case Operation::kPatch:
      case Operation::kHelp:
      case Operation::kScan:
      case Operation::kRecover:
      case Operation::kRevoke:
      case Operation::kRenew:
      case Operation::kRollback:
      case Operation::kSubscribe:
      case Operation::kHeader:
        return Response::UnsupportedOperation();
    }
    return Response::UnsupportedOperation();
  }

  Response WriteRole(const LogicalRequest& req, TokenRole role) {
    const json& d = *req.data;
    for (auto [key, member] : {std::pair{"allowed_policies", &TokenRole::allowed_policies},
                               {"disallowed_policies", &TokenRole::disallowed_policies},
                               {"allowed_policies_glob", &TokenRole::allowed_policies_glob},
                               {"disallowed_policies_glob", &TokenRole::disallowed_policies_glob},
                               {"allowed_entity_aliases", &TokenRole::allowed_entity_aliases}}) {
      if (d.contains(key)) {
        std::vector<std::string> list = StringList(d, key);
        std::erase_if(list, [](const std::string& s) { return s.empty(); });
        role.*member = std::string_view(key).ends_with("policies") ? SanitizePolicies(list, false) : list;
      }
    }
    if (d.contains("orphan")) {
      role.orphan = d.value("orphan", false);
    }
    if (d.contains("renewable")) {
      role.renewable = d.value("renewable", true);
    }
    if (d.contains("path_suffix")) {
      role.path_suffix = d.value("path_suffix", "");
      if (role.path_suffix.find("..") != std::string::npos) {
        return Response::Error(400, "error: path_suffix cannot contain '..'");
      }
    }
    json fields = d;
    fields.erase("token_policies");
    fields.erase("policies");
    if (!d.contains("token_explicit_max_ttl") && d.contains("explicit_max_ttl")) {
      fields["token_explicit_max_ttl"] = d["explicit_max_ttl"];
      role.explicit_max_via_alias = true;
    }
    if (std::string error = ParseTokenFields(fields, role.fields); !error.empty()) {
      return Response::Error(400, error);
    }
    json stored = {{"allowed_policies", role.allowed_policies},
                   {"disallowed_policies", role.disallowed_policies},
                   {"allowed_policies_glob", role.allowed_policies_glob},
                   {"disallowed_policies_glob", role.disallowed_policies_glob},
                   {"allowed_entity_aliases", role.allowed_entity_aliases},
                   {"orphan", role.orphan},
                   {"renewable", role.renewable},
                   {"path_suffix", role.path_suffix},
                   {"fields", StoreTokenFields(role.fields)},
                   {"explicit_max_via_alias", role.explicit_max_via_alias}};
    Expected<void> put = core_.barrier().Put(RoleKey(role.name), stored.dump());
    return put ? Response::NoContent() : Response::FromError(put.error());
  }

  Response ListRoles() {
    Expected<std::vector<std::string>> keys = core_.barrier().List("token/role/");
    if (!keys) {
      return Response::FromError(keys.error());
    }
    if (keys->empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", *keys}});
  }

  Core& core_;
};

}  // namespace

std::shared_ptr<Backend> MakeTokenBackend(Core& core) { return std::make_shared<TokenBackend>(core); }

}  // namespace polcheck::runtime
