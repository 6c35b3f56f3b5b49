#include "runtime/tokens.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "runtime/crypto.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;

constexpr std::int64_t kSystemMaxTtl = 768 * 3600;  // Vault's default and max lease TTL

json ToJson(const TokenEntry& e) {
  return {{"accessor", e.accessor},           {"parent", e.parent_hash},      {"policies", e.policies},
          {"meta", e.meta},                   {"path", e.path},               {"display_name", e.display_name},
          {"creation_time", e.creation_time}, {"creation_ttl", e.creation_ttl}, {"expire_time", e.expire_time},
          {"explicit_max_ttl", e.explicit_max_ttl}, {"num_uses", e.num_uses}, {"orphan", e.orphan},
          {"renewable", e.renewable}};
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
  return e;
}

std::string IdKey(const std::string& hash) { return "token/id/" + hash; }
std::string ParentKey(const std::string& parent, const std::string& child) {
  return "token/parent/" + parent + "/" + child;
}

}  // namespace

bool TokenEntry::IsRoot() const { return std::find(policies.begin(), policies.end(), "root") != policies.end(); }

TokenStore::TokenStore(Barrier& barrier, const Clock& clock) : barrier_(barrier), clock_(clock) {}

void TokenStore::ForgetSalt() {
  std::lock_guard lock(mu_);
  salt_.reset();
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

Expected<void> TokenStore::Save(const TokenEntry& entry) { return barrier_.Put(IdKey(entry.hash), ToJson(entry).dump()); }

Expected<std::optional<TokenEntry>> TokenStore::Lookup(const std::string& id) {
  if (id.empty()) {
    return std::optional<TokenEntry>();
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

// ---- auth/token/ backend ------------------------------------------------------------------

namespace {

std::vector<std::string> Sanitize(std::vector<std::string> names) {
  std::set<std::string> set;
  for (const std::string& name : names) {
    std::string n = PolicyStore::NormalizeName(name);
    if (!n.empty()) {
      set.insert(std::move(n));
    }
  }
  if (set.count("root") != 0) {
    return {"root"};
  }
  return {set.begin(), set.end()};
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string TimeText(std::int64_t unix_seconds) { return Rfc3339Nano(unix_seconds * 1'000'000'000); }

class TokenBackend final : public Backend {
 public:
  explicit TokenBackend(Core& core) : core_(core) {}
  std::string type() const override { return "token"; }
  std::optional<bool> Exists(const std::string&) override { return std::nullopt; }

  Response Handle(const LogicalRequest& req) override {
    using evaluator::Operation;
    const std::string& p = req.path;
    const bool write = req.operation == Operation::kUpdate || req.operation == Operation::kCreate;
    if (p == "create" || p == "create-orphan") {
      return write ? Create(req, p == "create-orphan") : Response::UnsupportedOperation();
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
    if (p == "revoke" || p == "revoke-self" || p == "revoke-accessor") {
      return write ? Revoke(req) : Response::UnsupportedOperation();
    }
    if (p == "accessors/") {
      return req.operation == Operation::kList ? Accessors() : Response::UnsupportedOperation();
    }
    return Response::UnsupportedPath();
  }

 private:
  Response Create(const LogicalRequest& req, bool orphan_path) {
    const json& d = *req.data;
    const TokenEntry& parent = *req.token;
    for (const char* unsupported : {"period", "role_name", "entity_alias", "bound_cidrs"}) {
      if (d.contains(unsupported)) {
        return Response::Error(400, std::string("\"") + unsupported + "\" is not supported by polcheck's runtime yet");
      }
    }
    if (d.contains("type") && d.value("type", "") != "service") {
      return Response::Error(400, "only service tokens are supported by polcheck's runtime yet");
    }
    if (parent.num_uses > 0) {
      return Response::Error(400, "restricted use token cannot generate child tokens");
    }
    const bool sudo = req.root_privs || parent.IsRoot();
    const std::string id = d.value("id", "");
    if (!id.empty() && !sudo) {
      return Response::Error(400, "root or sudo privileges required to specify token id");
    }
    if (id.find('.') != std::string::npos) {
      return Response::Error(400, "token IDs can not contain a '.'");
    }
    const bool no_parent = d.value("no_parent", false);
    if (no_parent && !sudo && !orphan_path) {
      return Response::Error(400, "root or sudo privileges required to create orphan token");
    }
    TokenEntry entry;
    entry.orphan = orphan_path || no_parent;
    entry.parent_hash = entry.orphan ? "" : parent.hash;
    entry.path = orphan_path ? "auth/token/create-orphan" : "auth/token/create";
    entry.meta = d.contains("meta") && d["meta"].is_object() ? d["meta"].get<std::map<std::string, std::string>>()
                                                             : std::map<std::string, std::string>{};
    const std::string display = d.value("display_name", "");
    entry.display_name = display.empty() ? "token" : "token-" + display;
    entry.renewable = d.value("renewable", true);
    entry.num_uses = d.value("num_uses", 0);
    if (entry.num_uses < 0) {
      return Response::Error(400, "number of uses cannot be negative");
    }
    if (Response bad = Policies(req, sudo, entry); bad.is_error) {
      return bad;
    }
    std::vector<std::string> warnings;
    if (Response bad = Ttls(d, entry, warnings); bad.is_error) {
      return bad;
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
    Expected<CreatedToken> created = core_.tokens().Create(std::move(entry), id);
    if (!created) {
      return created.error().code == Error::Code::kInvalidArgument ? Response::Error(400, created.error().message)
                                                                   : Response::FromError(created.error());
    }
    Response r;
    r.auth = std::make_shared<const json>(AuthBlock(created->id, created->entry));
    r.warnings = std::move(warnings);
    return r;
  }

  Response Policies(const LogicalRequest& req, bool sudo, TokenEntry& entry) {
    const json& d = *req.data;
    const TokenEntry& parent = *req.token;
    std::vector<std::string> requested = Sanitize(StringList(d, "policies"));
    const bool no_default = d.value("no_default_policy", false);
    if (!d.contains("policies") || requested.empty()) {
      requested = parent.policies;  // children inherit; default only if the parent has it
      if (no_default) {
        std::erase(requested, "default");
      }
      entry.policies = Sanitize(requested);
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
    if (!no_default && (sudo || Contains(parent.policies, "default"))) {
      requested.push_back("default");
    }
    entry.policies = Sanitize(requested);
    return {};
  }

  Response Ttls(const json& d, TokenEntry& entry, std::vector<std::string>& warnings) {
    std::string error;
    std::optional<std::int64_t> ttl = DurationSeconds(d, d.contains("ttl") ? "ttl" : "lease", error);
    std::optional<std::int64_t> max = DurationSeconds(d, "explicit_max_ttl", error);
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    entry.explicit_max_ttl = max.value_or(0);
    std::int64_t seconds = ttl.value_or(0);
    if (seconds == 0 && !entry.IsRoot()) {
      seconds = kSystemMaxTtl;
    }
    std::int64_t cap = kSystemMaxTtl;
    if (entry.explicit_max_ttl > 0) {
      cap = std::min(cap, entry.explicit_max_ttl);
    }
    if (seconds > cap || (seconds == 0 && entry.explicit_max_ttl > 0)) {
      if (seconds > cap) {
        warnings.push_back("TTL of \"" + std::to_string(seconds) + "s\" exceeded the effective max_ttl of \"" +
                           std::to_string(cap) + "s\"; TTL value is capped accordingly");
      }
      seconds = cap;
    }
    entry.creation_time = core_.clock().NowSeconds();
    entry.creation_ttl = seconds;
    entry.expire_time = seconds > 0 ? entry.creation_time + seconds : 0;
    return {};
  }

  json AuthBlock(const std::string& id, const TokenEntry& e) const {
    json auth = {{"client_token", id},
                 {"accessor", e.accessor},
                 {"policies", e.policies},
                 {"token_policies", e.policies},
                 {"metadata", e.meta.empty() ? json(nullptr) : json(e.meta)},
                 {"lease_duration", e.creation_ttl},
                 {"renewable", e.renewable && e.creation_ttl > 0},
                 {"entity_id", ""},
                 {"token_type", "service"},
                 {"orphan", e.orphan},
                 {"mfa_requirement", nullptr},
                 {"num_uses", e.num_uses}};
    if (e.policies.empty()) {
      auth.erase("token_policies");
    }
    return auth;
  }

  Response LookupData(const TokenEntry& e, const std::string& id) const {
    const std::int64_t now = core_.clock().NowSeconds();
    json data = {{"accessor", e.accessor},
                 {"creation_time", e.creation_time},
                 {"creation_ttl", e.creation_ttl},
                 {"display_name", e.display_name},
                 {"entity_id", ""},
                 {"expire_time", e.expire_time == 0 ? json(nullptr) : json(TimeText(e.expire_time))},
                 {"explicit_max_ttl", e.explicit_max_ttl},
                 {"id", id},
                 {"issue_time", TimeText(e.creation_time)},
                 {"meta", e.meta.empty() ? json(nullptr) : json(e.meta)},
                 {"num_uses", e.num_uses},
                 {"orphan", e.orphan},
                 {"path", e.path},
                 {"policies", e.policies},
                 {"renewable", e.renewable && e.creation_ttl > 0},
                 {"ttl", e.expire_time == 0 ? 0 : std::max<std::int64_t>(0, e.expire_time - now)},
                 {"type", "service"}};
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

  Response Revoke(const LogicalRequest& req) {
    std::optional<TokenEntry> target;
    if (req.path == "revoke-self") {
      target = *req.token;
    } else if (req.path == "revoke") {
      const std::string id = req.data->value("token", "");
      if (id.empty()) {
        return Response::Error(400, "missing token ID");
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
    if (target) {
      if (Expected<void> revoked = core_.tokens().Revoke(target->hash); !revoked) {
        return Response::FromError(revoked.error());
      }
    }
    return Response::NoContent();
  }

  Response Accessors() {
    // Accessors are only stored hashed; their entries carry the plain accessor.
    Expected<std::vector<std::string>> hashes = core_.barrier().List("token/id/");
    if (!hashes) {
      return Response::FromError(hashes.error());
    }
    json keys = json::array();
    for (const std::string& hash : *hashes) {
      Expected<std::optional<std::string>> raw = core_.barrier().Get("token/id/" + hash);
      if (raw && *raw) {
        keys.push_back(json::parse(**raw).value("accessor", ""));
      }
    }
    if (keys.empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", keys}});
  }

  Core& core_;
};

}  // namespace

std::shared_ptr<Backend> MakeTokenBackend(Core& core) { return std::make_shared<TokenBackend>(core); }

}  // namespace polcheck::runtime
