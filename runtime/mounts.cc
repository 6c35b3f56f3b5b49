// Mount tables (RUNTIME-API.md §2.3, §2.4): secrets engines in "core/mounts",
// auth methods in "core/auth", both JSON objects path -> entry inside the
// barrier. Built-ins (sys/, identity/, auth/token/) are added on first load so
// their accessors stay stable. Also the sys/mounts and sys/auth endpoints.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/crypto.h"
#include "runtime/database.h"
#include "runtime/identity.h"
#include "runtime/leases.h"
#include "runtime/tokens.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

constexpr const char* kMountsKey = "core/mounts";
constexpr const char* kAuthKey = "core/auth";
constexpr const char* kBuiltinVersion = "v1.17.0+builtin.vault";

const char* const kAuthTypes[] = {"token", "userpass", "approle", "jwt", "oidc", "kubernetes"};

json EntryJson(const MountEntry& e) {
  return {{"type", e.type},
          {"description", e.description},
          {"accessor", e.accessor},
          {"uuid", e.uuid},
          {"options", e.options},
          {"default_lease_ttl", e.default_lease_ttl},
          {"max_lease_ttl", e.max_lease_ttl},
          {"local", e.local},
          {"seal_wrap", e.seal_wrap},
          {"token_type", e.token_type},
          {"audit_non_hmac_request_keys", e.audit_non_hmac_request_keys},
          {"audit_non_hmac_response_keys", e.audit_non_hmac_response_keys}};
}

MountEntry EntryFrom(const std::string& path, const json& j, bool auth) {
  MountEntry e;
  e.path = path;
  e.type = j.value("type", "");
  e.description = j.value("description", "");
  e.accessor = j.value("accessor", "");
  e.uuid = j.value("uuid", "");
  if (j.contains("options") && j["options"].is_object()) {
    for (const auto& [key, value] : j["options"].items()) {
      e.options[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  e.default_lease_ttl = j.value("default_lease_ttl", std::int64_t{0});
  e.max_lease_ttl = j.value("max_lease_ttl", std::int64_t{0});
  e.local = j.value("local", false);
  e.seal_wrap = j.value("seal_wrap", false);
  e.token_type = j.value("token_type", "");
  e.audit_non_hmac_request_keys = j.value("audit_non_hmac_request_keys", std::vector<std::string>{});
  e.audit_non_hmac_response_keys = j.value("audit_non_hmac_response_keys", std::vector<std::string>{});
  e.auth = auth;
  return e;
}

// The public key of an entry in its table: auth methods drop the "auth/" prefix.
std::string TableKey(const MountEntry& e) {
  return e.auth ? e.path.substr(5) : e.path;
}

std::string NewAccessor(const std::string& type, bool auth) {
  return (auth ? "auth_" : "") + type + "_" + crypto::Hex(crypto::RandomBytes(4));
}

Expected<json> LoadTable(Barrier& barrier, const char* key) {
  Expected<std::optional<std::string>> raw = barrier.Get(key);
  if (!raw) {
    return Unexpected(raw.error());
  }
  if (!*raw) {
    return json::object();
  }
  json table = json::parse(**raw, nullptr, false);
  if (table.is_discarded() || !table.is_object()) {
    return Unexpected(Error::Code::kIo, std::string("corrupt mount table ") + key);
  }
  return table;
}

// Deletes every key under `prefix` (which ends in '/').
Expected<void> DeletePrefix(Barrier& barrier, const std::string& prefix) {
  Expected<std::vector<std::string>> keys = barrier.List(prefix);
  if (!keys) {
    return Unexpected(keys.error());
  }
  for (const std::string& key : *keys) {
    Expected<void> gone =
        key.ends_with("/") ? DeletePrefix(barrier, prefix + key) : barrier.Delete(prefix + key);
    if (!gone) {
      return gone;
    }
  }
  return {};
}

std::shared_ptr<Backend> MakeBackend(Core& core, const MountEntry& e) {
  if (e.type == "kv") {
    auto version = e.options.find("version");
    if (version != e.options.end() && version->second == "2") {
      return MakeKv2Backend(core, e.path);
    }
    return MakeKv1Backend(core, e);
  }
  if (e.type == "database") {
    return MakeDatabaseBackend(core, e);
  }
  if (e.type == "userpass") {
    return MakeUserpassBackend(core, e);
  }
  if (e.type == "approle") {
    return MakeApproleBackend(core, e);
  }
  if (e.type == "jwt" || e.type == "oidc") {
    return MakeJwtBackend(core, e);
  }
  if (e.type == "kubernetes") {
    return MakeKubernetesBackend(core, e);
  }
  if (e.type == "token") {
    return MakeTokenBackend(core);
  }
  if (e.type == "system") {
    return MakeSystemBackend(core);
  }
  if (e.type == "identity") {
    return MakeIdentityBackend(core);
  }
  return nullptr;
}

bool Supported(const std::string& type, bool auth) {
  if (auth) {
    return std::find(std::begin(kAuthTypes), std::end(kAuthTypes), type) != std::end(kAuthTypes) &&
           type != "token";
  }
  return type == "kv" || type == "database";
}

}  // namespace

Expected<void> Core::Mount(const std::string& path, const std::string& type, const std::string& version) {
  MountEntry entry{.path = path, .type = type, .options = {{"version", version}}};
  if (type == "kv" && version == "2") {
    entry.description = "key/value secret storage";
  }
  return EnableMount(std::move(entry));
}

Expected<void> Core::LoadMounts() {
  std::lock_guard table_lock(table_mu_);
  Expected<json> mounts_table = LoadTable(barrier_, kMountsKey);
  Expected<json> auth_table = mounts_table ? LoadTable(barrier_, kAuthKey) : mounts_table;
  if (!auth_table) {
    return Unexpected(auth_table.error());
  }
  // Built-ins, created once so their accessors and UUIDs persist.
  bool changed = false;
  for (const auto& [key, type, description] :
       {std::tuple{"sys/", "system", "system endpoints used for control, policy and debugging"},
        std::tuple{"identity/", "identity", "identity store"}}) {
    if (!mounts_table->contains(key)) {
      (*mounts_table)[key] = EntryJson({.type = type,
                                        .description = description,
                                        .accessor = NewAccessor(type, false),
                                        .uuid = crypto::Uuid()});
      changed = true;
    }
  }
  if (!auth_table->contains("token/")) {
    (*auth_table)["token/"] = EntryJson({.type = "token",
                                         .description = "token based credentials",
                                         .accessor = NewAccessor("token", true),
                                         .uuid = crypto::Uuid()});
    changed = true;
  }
  if (changed) {
    if (Expected<void> put = barrier_.Put(kMountsKey, mounts_table->dump()); !put) {
      return put;
    }
    if (Expected<void> put = barrier_.Put(kAuthKey, auth_table->dump()); !put) {
      return put;
    }
  }
  std::map<std::string, std::shared_ptr<Backend>> mounts;
  std::map<std::string, MountEntry> entries;
  for (const auto& [table, auth] : {std::pair{&*mounts_table, false}, std::pair{&*auth_table, true}}) {
    for (auto it = table->begin(); it != table->end(); ++it) {
      MountEntry entry = EntryFrom((auth ? "auth/" : "") + it.key(), it.value(), auth);
      if (entry.uuid.empty()) {  // tables written before accessors existed
        entry.uuid = crypto::Uuid();
      }
      if (entry.accessor.empty()) {
        entry.accessor = NewAccessor(entry.type, auth);
      }
      std::shared_ptr<Backend> backend = MakeBackend(*this, entry);
      if (backend == nullptr) {
        return Unexpected(Error::Code::kIo,
                          "mount table names unknown type \"" + entry.type + "\" at " + entry.path);
      }
      mounts[entry.path] = std::move(backend);
      entries[entry.path] = std::move(entry);
    }
  }
  std::lock_guard lock(mounts_mu_);
  mounts_ = std::move(mounts);
  mount_entries_ = std::move(entries);
  return {};
}

std::pair<std::shared_ptr<Backend>, std::string> Core::Route(const std::string& path) {
  std::lock_guard lock(mounts_mu_);
  // Longest mount prefix wins; a mount is also addressed without its trailing '/'.
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
    const std::string& mount = it->first;
    if (path.starts_with(mount) || path + "/" == mount) {
      return {it->second, path.size() >= mount.size() ? path.substr(mount.size()) : ""};
    }
  }
  return {nullptr, ""};
}

std::optional<MountEntry> Core::MountOf(const std::string& path) {
  std::lock_guard lock(mounts_mu_);
  for (auto it = mount_entries_.rbegin(); it != mount_entries_.rend(); ++it) {
    if (path.starts_with(it->first) || path + "/" == it->first) {
      return it->second;
    }
  }
  return std::nullopt;
}

Expected<std::vector<MountEntry>> Core::MountTable(bool auth) {
  std::lock_guard lock(mounts_mu_);
  std::vector<MountEntry> out;
  for (const auto& [path, entry] : mount_entries_) {
    if (entry.auth == auth) {
      out.push_back(entry);
    }
  }
  return out;
}

Expected<void> Core::EnableMount(MountEntry entry) {
  if (!entry.path.ends_with("/")) {
    entry.path += "/";
  }
  if (entry.type == "kv-v2" || entry.type == "kv-v1") {
    entry.options["version"] = entry.type.substr(4);
    entry.type = "kv";
  }
  const std::string key = entry.auth ? entry.path.substr(5) : entry.path;
  if (!entry.auth) {
    for (const char* reserved : {"auth/", "sys/", "identity/", "cubbyhole/", "audit/"}) {
      if (entry.path.starts_with(reserved)) {
        return Unexpected(Error::Code::kInvalidArgument, "cannot mount \"" + entry.path + "\"");
      }
    }
  }
  if (!Supported(entry.type, entry.auth)) {
    return Unexpected(Error::Code::kInvalidArgument, "plugin not found in the catalog: " + entry.type);
  }
  {
    std::lock_guard lock(mounts_mu_);
    for (const auto& [path, existing] : mount_entries_) {
      if (path == entry.path || path.starts_with(entry.path)) {
        return Unexpected(Error::Code::kInvalidArgument, "path is already in use at " + path);
      }
      if (entry.path.starts_with(path)) {
        return Unexpected(Error::Code::kInvalidArgument, "existing mount at " + path);
      }
      if (!entry.accessor.empty() && existing.accessor == entry.accessor) {
        return Unexpected(Error::Code::kInvalidArgument, "accessor " + entry.accessor + " is already in use at " + path);
      }
    }
  }
  entry.uuid = crypto::Uuid();
  if (entry.accessor.empty()) {  // only workspace seeding (Server::EnableAuth) chooses one
    entry.accessor = NewAccessor(entry.type, entry.auth);
  }
  {
    std::lock_guard table_lock(table_mu_);
    const char* table_key = entry.auth ? kAuthKey : kMountsKey;
    Expected<json> table = LoadTable(barrier_, table_key);
    if (!table) {
      return Unexpected(table.error());
    }
    (*table)[key] = EntryJson(entry);
    if (Expected<void> put = barrier_.Put(table_key, table->dump()); !put) {
      return put;
    }
  }
  return LoadMounts();
}

Expected<void> Core::TuneMount(const MountEntry& tuned) {
  {
    std::lock_guard table_lock(table_mu_);
    const char* table_key = tuned.auth ? kAuthKey : kMountsKey;
    Expected<json> table = LoadTable(barrier_, table_key);
    if (!table) {
      return Unexpected(table.error());
    }
    (*table)[TableKey(tuned)] = EntryJson(tuned);
    if (Expected<void> put = barrier_.Put(table_key, table->dump()); !put) {
      return put;
    }
  }
  return LoadMounts();
}

Expected<void> Core::DisableMount(const std::string& raw_path, bool auth) {
  std::string path = raw_path.ends_with("/") ? raw_path : raw_path + "/";
  if (auth && path == "auth/token/") {
    return Unexpected(Error::Code::kInvalidArgument, "token credential backend cannot be disabled");
  }
  if (!auth && (path == "sys/" || path == "identity/" || path == "cubbyhole/")) {
    return Unexpected(Error::Code::kInvalidArgument, "cannot unmount \"" + path + "\"");
  }
  std::optional<MountEntry> entry;
  {
    std::lock_guard lock(mounts_mu_);
    if (auto it = mount_entries_.find(path); it != mount_entries_.end() && it->second.auth == auth) {
      entry = it->second;
    }
  }
  if (!entry) {
    return {};  // Vault answers 204 for a path with nothing mounted
  }
  // Revoke first (tokens and leases issued through the mount), then forget the mount and its data.
  if (Expected<void> revoked = leases_->RevokePrefix(path, true); !revoked) {
    return revoked;
  }
  // The engine's lease hooks hold the backend (and its open database connections): let them go.
  leases_->SetRevoker(path, nullptr);
  leases_->SetRenewer(path, nullptr);
  leases_->SetTicker(path, nullptr);
  if (auth) {
    if (Expected<void> gone = identity_->ForgetMount(entry->accessor); !gone) {
      return gone;
    }
  }
  {
    std::lock_guard table_lock(table_mu_);
    const char* table_key = auth ? kAuthKey : kMountsKey;
    Expected<json> table = LoadTable(barrier_, table_key);
    if (!table) {
      return Unexpected(table.error());
    }
    table->erase(TableKey(*entry));
    if (Expected<void> put = barrier_.Put(table_key, table->dump()); !put) {
      return put;
    }
  }
  if (Expected<void> gone = DeletePrefix(barrier_, entry->StoragePrefix()); !gone) {
    return gone;
  }
  if (Expected<void> gone = DeletePrefix(barrier_, "kv/" + path); !gone) {  // KV v2 keeps its data here
    return gone;
  }
  return LoadMounts();
}

// ---- sys/mounts, sys/auth ------------------------------------------------------------------

namespace {

constexpr const char* kAuditKeys[] = {"audit_non_hmac_request_keys", "audit_non_hmac_response_keys"};
constexpr std::vector<std::string> MountEntry::* kAuditMembers[] = {&MountEntry::audit_non_hmac_request_keys,
                                                                     &MountEntry::audit_non_hmac_response_keys};

// The tuned lists appear in a mount's config only when set, as in Vault.
void AddAuditKeys(const MountEntry& e, json& config) {
  for (int i = 0; i < 2; ++i) {
    if (!(e.*kAuditMembers[i]).empty()) {
      config[kAuditKeys[i]] = e.*kAuditMembers[i];
    }
  }
}

// config.token_type on enable / token_type on tune (auth methods other than token/ only).
std::string ReadTokenType(const json& source, MountEntry& e) {
  if (!source.contains("token_type")) {
    return "";
  }
  if (!e.auth) {
    return "'token_type' can only be modified on auth mounts";
  }
  if (e.type == "token") {
    return "'token_type' cannot be set for 'token' auth mount";
  }
  const json& value = source["token_type"];
  const std::string type = value.is_string() ? value.get<std::string>() : "";
  if (type == "default" || type == "default-service") {
    e.token_type.clear();
    return "";
  }
  if (type != "default-batch" && type != "service" && type != "batch") {
    return "invalid value for 'token_type'";
  }
  e.token_type = type;
  return "";
}

// Reads the audit key lists present in `source` (a list or CSV; [""] clears, as Vault).
std::string ReadAuditKeys(const json& source, MountEntry& e) {
  for (int i = 0; i < 2; ++i) {
    if (!source.contains(kAuditKeys[i])) {
      continue;
    }
    const json& value = source[kAuditKeys[i]];
    if (!value.is_string() && !value.is_array()) {
      return std::string("'") + kAuditKeys[i] + "' must be a list of strings";
    }
    if (value.is_array() && std::any_of(value.begin(), value.end(), [](const json& v) { return !v.is_string(); })) {
      return std::string("'") + kAuditKeys[i] + "' must be a list of strings";
    }
    std::vector<std::string> keys = StringList(source, kAuditKeys[i]);
    std::erase_if(keys, [](const std::string& k) { return k.empty(); });
    e.*kAuditMembers[i] = std::move(keys);
  }
  return "";
}

json MountInfo(const MountEntry& e) {
  json config = {{"default_lease_ttl", e.default_lease_ttl},
                 {"max_lease_ttl", e.max_lease_ttl},
                 {"force_no_cache", false}};
  if (e.auth) {
    config["token_type"] = e.token_type.empty() ? "default-service" : e.token_type;
  }
  AddAuditKeys(e, config);
  return {{"accessor", e.accessor},
          {"config", config},
          {"deprecation_status", "supported"},
          {"description", e.description},
          {"external_entropy_access", false},
          {"local", e.local},
          {"options", e.options.empty() ? json(nullptr) : json(e.options)},
          {"plugin_version", ""},
          {"running_plugin_version", kBuiltinVersion},
          {"running_sha256", ""},
          {"seal_wrap", e.seal_wrap},
          {"type", e.type},
          {"uuid", e.uuid}};
}

Response Injected(json data) {
  Response r = Response::Data(std::move(data));
  r.inject_data = true;
  return r;
}

// A TTL from sys/mounts config: integer seconds, duration string or "system" (= 0).
std::optional<std::int64_t> ConfigTtl(const json& config, const char* key, std::string& error) {
  if (config.contains(key) && config[key].is_string() && config[key].get<std::string>() == "system") {
    return 0;
  }
  return DurationSeconds(config, key, error);
}

Response Enable(Core& core, const LogicalRequest& req, const std::string& path, bool auth) {
  const json& d = *req.data;
  if (!d.contains("type") || !d["type"].is_string() || d["type"].get<std::string>().empty()) {
    return Response::Error(400, "backend type must be specified as a string");
  }
  MountEntry entry{.path = (auth ? "auth/" : "") + path,
                   .type = d["type"].get<std::string>(),
                   .description = d.value("description", ""),
                   .local = d.value("local", false),
                   .seal_wrap = d.value("seal_wrap", false),
                   .auth = auth};
  if (d.contains("options") && d["options"].is_object()) {
    for (const auto& [key, value] : d["options"].items()) {
      entry.options[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  if (d.contains("config") && d["config"].is_object()) {
    std::string error;
    entry.default_lease_ttl = ConfigTtl(d["config"], "default_lease_ttl", error).value_or(0);
    entry.max_lease_ttl = ConfigTtl(d["config"], "max_lease_ttl", error).value_or(0);
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    if (entry.max_lease_ttl > 0 && entry.default_lease_ttl > entry.max_lease_ttl) {
      return Response::Error(400, "given default lease TTL greater than given max lease TTL");
    }
    if (std::string bad = ReadAuditKeys(d["config"], entry); !bad.empty()) {
      return Response::Error(400, bad);
    }
    if (std::string bad = ReadTokenType(d["config"], entry); !bad.empty()) {
      return Response::Error(400, bad);
    }
  }
  if (Expected<void> enabled = core.EnableMount(std::move(entry)); !enabled) {
    return enabled.error().code == Error::Code::kInvalidArgument
               ? Response::Error(400, enabled.error().message)
               : Response::FromError(enabled.error());
  }
  return Response::NoContent();
}

Response Tune(Core& core, const LogicalRequest& req, const MountEntry& entry) {
  if (req.operation == Operation::kRead) {
    json data = {{"default_lease_ttl", entry.default_lease_ttl > 0 ? entry.default_lease_ttl : kSystemMaxTtl},
                 {"max_lease_ttl", entry.max_lease_ttl > 0 ? entry.max_lease_ttl : kSystemMaxTtl},
                 {"force_no_cache", false},
                 {"description", entry.description}};
    if (!entry.options.empty()) {
      data["options"] = entry.options;
    }
    if (entry.auth) {
      data["token_type"] = entry.token_type.empty() ? "default-service" : entry.token_type;
    }
    AddAuditKeys(entry, data);
    return Injected(std::move(data));
  }
  if (req.operation != Operation::kUpdate && req.operation != Operation::kCreate) {
    return Response::UnsupportedOperation();
  }
  std::string error;
  MountEntry tuned = entry;
  if (std::optional<std::int64_t> ttl = ConfigTtl(*req.data, "default_lease_ttl", error)) {
    tuned.default_lease_ttl = *ttl;
  }
  if (std::optional<std::int64_t> ttl = ConfigTtl(*req.data, "max_lease_ttl", error)) {
    tuned.max_lease_ttl = *ttl;
  }
  if (!error.empty()) {
    return Response::Error(400, error);
  }
  if (tuned.max_lease_ttl > 0 && tuned.default_lease_ttl > tuned.max_lease_ttl) {
    return Response::Error(400, "given default lease TTL greater than given max lease TTL");
  }
  if (req.data->contains("description") && (*req.data)["description"].is_string()) {
    tuned.description = (*req.data)["description"].get<std::string>();
  }
  if (std::string bad = ReadAuditKeys(*req.data, tuned); !bad.empty()) {
    return Response::Error(400, bad);
  }
  if (std::string bad = ReadTokenType(*req.data, tuned); !bad.empty()) {
    return Response::Error(400, bad);
  }
  if (Expected<void> saved = core.TuneMount(tuned); !saved) {
    return Response::FromError(saved.error());
  }
  return Response::NoContent();
}

}  // namespace

std::optional<Response> HandleSysMounts(Core& core, const LogicalRequest& req) {
  const std::string& p = req.path;
  bool auth = false;
  std::string rest;
  if (p == "mounts" || p == "mounts/") {
    rest = "";
  } else if (p == "auth" || p == "auth/") {
    auth = true;
  } else if (p.starts_with("mounts/")) {
    rest = p.substr(7);
  } else if (p.starts_with("auth/")) {
    auth = true;
    rest = p.substr(5);
  } else {
    return std::nullopt;
  }
  if (rest.empty()) {
    if (req.operation != Operation::kRead) {
      return Response::UnsupportedOperation();
    }
    Expected<std::vector<MountEntry>> table = core.MountTable(auth);
    if (!table) {
      return Response::FromError(table.error());
    }
    json data = json::object();
    for (const MountEntry& e : *table) {
      data[TableKey(e)] = MountInfo(e);
    }
    return Injected(std::move(data));
  }
  const bool tune = rest.ends_with("/tune");
  std::string path = tune ? rest.substr(0, rest.size() - 5) : rest;
  if (!path.ends_with("/")) {
    path += "/";
  }
  const std::string full = (auth ? "auth/" : "") + path;
  if (tune) {
    std::optional<MountEntry> entry = core.MountOf(full);
    if (!entry || entry->path != full) {
      return Response::Error(400, "cannot fetch sysview for path \"" + full + "\"");
    }
    return Tune(core, req, *entry);
  }
  switch (req.operation) {
    case Operation::kRead: {
      std::optional<MountEntry> entry = core.MountOf(full);
      if (!entry || entry->path != full) {
        return Response::Error(400,
                               "No " + std::string(auth ? "auth engine" : "secret engine") + " at " + full);
      }
      return Injected(MountInfo(*entry));
    }
    case Operation::kCreate:
    case Operation::kUpdate:
      return Enable(core, req, path, auth);
    case Operation::kDelete: {
      Expected<void> disabled = core.DisableMount(full, auth);
      if (!disabled) {
        return disabled.error().code == Error::Code::kInvalidArgument
                   ? Response::Error(400, disabled.error().message)
                   : Response::FromError(disabled.error());
      }
      return Response::NoContent();
    }
    default:
      return Response::UnsupportedOperation();
  }
}

}  // namespace polcheck::runtime
