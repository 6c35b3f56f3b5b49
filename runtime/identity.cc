// The identity store and the identity/ backend (RUNTIME-API.md §4.7). Records
// are JSON under "identity/<kind>/<id>" (kinds: entity, alias, group,
// group-alias); lookups by name scan a kind, which is fine at the sizes a
// policy test bed holds (a name index would be the next step).
#include "runtime/identity.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/core.h"
#include "runtime/crypto.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

std::string Key(const std::string& kind, const std::string& id) {
  return "identity/" + kind + "/" + id;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array()) {
    for (const json& v : j[key]) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

bool Has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

evaluator::StringMap StringMapOf(const json& j, const char* key) {
  evaluator::StringMap out;
  if (j.contains(key) && j[key].is_object()) {
    for (const auto& [k, v] : j[key].items()) {
      if (v.is_string()) {
        out[k] = v.get<std::string>();
      }
    }
  }
  return out;
}

}  // namespace

struct IdentityStore::Cache {
  std::map<std::string, std::map<std::string, json>> kinds;  // kind -> id -> record
};

IdentityStore::IdentityStore(Barrier& barrier, const Clock& clock)
    : barrier_(barrier), clock_(clock), cache_(std::make_unique<Cache>()) {}

IdentityStore::~IdentityStore() = default;

Expected<std::optional<json>> IdentityStore::Get(const std::string& kind, const std::string& id) {
  if (id.empty()) {
    return std::optional<json>();
  }
  std::optional<json> found;
  Expected<void> loaded = Visit(kind, [](const json&) {});  // loads the kind once; a no-op when cached
  if (!loaded) {
    return Unexpected(loaded.error());
  }
  std::lock_guard lock(cache_mu_);
  const auto& records = cache_->kinds[kind];
  if (auto it = records.find(id); it != records.end()) {
    found = it->second;
  }
  return found;
}

Expected<void> IdentityStore::Put(const std::string& kind, const json& record) {
  const std::string id = record.at("id").get<std::string>();
  if (Expected<void> put = barrier_.Put(Key(kind, id), record.dump()); !put) {
    return put;
  }
  std::lock_guard lock(cache_mu_);
  if (auto it = cache_->kinds.find(kind); it != cache_->kinds.end()) {
    it->second[id] = record;
  }
  return {};
}

Expected<void> IdentityStore::Delete(const std::string& kind, const std::string& id) {
  if (Expected<void> gone = barrier_.Delete(Key(kind, id)); !gone) {
    return gone;
  }
  std::lock_guard lock(cache_mu_);
  if (auto it = cache_->kinds.find(kind); it != cache_->kinds.end()) {
    it->second.erase(id);
  }
  return {};
}

Expected<std::vector<json>> IdentityStore::All(const std::string& kind) {
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_->kinds.find(kind); it != cache_->kinds.end()) {
      std::vector<json> out;
      for (const auto& [id, record] : it->second) {
        out.push_back(record);
      }
      return out;
    }
  }
  Expected<std::vector<std::string>> ids = barrier_.List("identity/" + kind + "/");
  if (!ids) {
    return Unexpected(ids.error());
  }
  std::map<std::string, json> records;
  for (const std::string& id : *ids) {
    Expected<std::optional<std::string>> raw = barrier_.Get(Key(kind, id));
    if (!raw) {
      return Unexpected(raw.error());
    }
    if (*raw) {
      records[id] = json::parse(**raw);
    }
  }
  std::vector<json> out;
  for (const auto& [id, record] : records) {
    out.push_back(record);
  }
  std::lock_guard lock(cache_mu_);
  cache_->kinds.emplace(kind, std::move(records));  // a racing loader's copy is just as good
  return out;
}

Expected<void> IdentityStore::Visit(const std::string& kind, const std::function<void(const json&)>& visit) {
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_->kinds.find(kind); it != cache_->kinds.end()) {
      for (const auto& [id, record] : it->second) {
        visit(record);
      }
      return {};
    }
  }
  Expected<std::vector<json>> loaded = All(kind);
  if (!loaded) {
    return Unexpected(loaded.error());
  }
  for (const json& record : *loaded) {
    visit(record);
  }
  return {};
}

Expected<std::optional<json>> IdentityStore::ByName(const std::string& kind, const std::string& name) {
  Expected<std::vector<json>> all = All(kind);
  if (!all) {
    return Unexpected(all.error());
  }
  for (json& record : *all) {
    if (record.value("name", "") == name) {
      return std::optional<json>(std::move(record));
    }
  }
  return std::optional<json>();
}

Expected<std::optional<json>> IdentityStore::FindAlias(const std::string& kind, const std::string& accessor,
                                                       const std::string& name) {
  Expected<std::vector<json>> all = All(kind);
  if (!all) {
    return Unexpected(all.error());
  }
  for (json& alias : *all) {
    if (alias.value("mount_accessor", "") == accessor && alias.value("name", "") == name) {
      return std::optional<json>(std::move(alias));
    }
  }
  return std::optional<json>();
}

Expected<std::string> IdentityStore::Login(const LoginAlias& login) {
  std::lock_guard lock(mu_);
  const std::string now = Rfc3339Nano(clock_.NowNanos());
  Expected<std::optional<json>> alias = FindAlias("alias", login.mount_accessor, login.alias_name);
  if (!alias) {
    return Unexpected(alias.error());
  }
  Expected<std::optional<json>> entity = *alias ? Get("entity", (**alias).value("canonical_id", ""))
                                                : Expected<std::optional<json>>(std::nullopt);
  if (!entity) {
    return Unexpected(entity.error());
  }
  if (login.fetch_only && *alias && *entity) {
    return (**entity)["id"].get<std::string>();
  }
  if (!*entity) {
    json created = {{"id", crypto::Uuid()},      {"name", "entity_" + crypto::Hex(crypto::RandomBytes(4))},
                    {"policies", json::array()}, {"metadata", json::object()},
                    {"disabled", false},         {"creation_time", now},
                    {"last_update_time", now}};
    if (Expected<void> put = Put("entity", created); !put) {
      return Unexpected(put.error());
    }
    *entity = std::move(created);
  }
  const std::string entity_id = (**entity)["id"].get<std::string>();
  json record = *alias ? **alias
                       : json{{"id", crypto::Uuid()},
                              {"name", login.alias_name},
                              {"creation_time", now},
                              {"mount_accessor", login.mount_accessor}};
  record["canonical_id"] = entity_id;
  record["mount_path"] = login.mount_path;
  record["mount_type"] = login.mount_type;
  record["metadata"] = login.alias_metadata;
  record["last_update_time"] = now;
  if (Expected<void> put = Put("alias", record); !put) {
    return Unexpected(put.error());
  }
  // External groups follow the login's group aliases (JWT groups claim).
  Expected<std::vector<json>> group_aliases = All("group-alias");
  if (!group_aliases) {
    return Unexpected(group_aliases.error());
  }
  for (const json& group_alias : *group_aliases) {
    if (group_alias.value("mount_accessor", "") != login.mount_accessor) {
      continue;
    }
    Expected<std::optional<json>> group = Get("group", group_alias.value("canonical_id", ""));
    if (!group) {
      return Unexpected(group.error());
    }
    if (!*group) {
      continue;
    }
    std::vector<std::string> members = Strings(**group, "member_entity_ids");
    const bool member = Has(members, entity_id);
    const bool should = Has(login.group_alias_names, group_alias.value("name", ""));
    if (member == should) {
      continue;
    }
    if (should) {
      members.push_back(entity_id);
    } else {
      std::erase(members, entity_id);
    }
    (**group)["member_entity_ids"] = members;
    if (Expected<void> put = Put("group", **group); !put) {
      return Unexpected(put.error());
    }
  }
  return entity_id;
}

Expected<ResolvedIdentity> IdentityStore::Resolve(const std::string& entity_id) {
  ResolvedIdentity out;
  Expected<std::optional<json>> entity = Get("entity", entity_id);
  if (!entity) {
    return Unexpected(entity.error());
  }
  if (!*entity) {
    return out;
  }
  const json& e = **entity;
  out.disabled = e.value("disabled", false);
  evaluator::Entity who{.id = entity_id, .name = e.value("name", ""), .metadata = StringMapOf(e, "metadata")};
  Expected<void> aliases = Visit("alias", [&](const json& a) {
    auto canonical = a.find("canonical_id");
    if (canonical != a.end() && *canonical == entity_id) {
      who.aliases.push_back({.id = a.value("id", ""),
                             .name = a.value("name", ""),
                             .mount_accessor = a.value("mount_accessor", ""),
                             .metadata = StringMapOf(a, "metadata"),
                             .custom_metadata = StringMapOf(a, "custom_metadata")});
    }
  });
  if (!aliases) {
    return Unexpected(aliases.error());
  }
  // Only group ID, name, metadata, policies and member lists matter here.
  struct GroupView {
    std::string id;
    std::string name;
    evaluator::StringMap metadata;
    std::vector<std::string> policies;
    std::vector<std::string> member_group_ids;
    bool has_entity = false;
  };
  std::vector<GroupView> group_views;
  Expected<void> visited = Visit("group", [&](const json& g) {
    group_views.push_back({.id = g.value("id", ""),
                           .name = g.value("name", ""),
                           .metadata = StringMapOf(g, "metadata"),
                           .policies = Strings(g, "policies"),
                           .member_group_ids = Strings(g, "member_group_ids"),
                           .has_entity = Has(Strings(g, "member_entity_ids"), entity_id)});
  });
  if (!visited) {
    return Unexpected(visited.error());
  }
  const std::vector<GroupView>* groups = &group_views;
  std::set<std::string> policies;
  for (const std::string& p : Strings(e, "policies")) {
    policies.insert(p);
  }
  // Direct groups hold the entity; a group listing another in member_group_ids is its parent.
  std::set<std::string> member_of;
  for (const GroupView& g : *groups) {
    if (g.has_entity) {
      member_of.insert(g.id);
      out.direct_group_ids.push_back(g.id);
    }
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (const GroupView& g : *groups) {
      if (member_of.count(g.id) != 0) {
        continue;
      }
      for (const std::string& child : g.member_group_ids) {
        if (member_of.count(child) != 0) {
          member_of.insert(g.id);
          out.inherited_group_ids.push_back(g.id);
          grew = true;
          break;
        }
      }
    }
  }
  evaluator::Identity identity{.entity = std::move(who)};
  for (const GroupView& g : *groups) {
    if (member_of.count(g.id) != 0) {
      policies.insert(g.policies.begin(), g.policies.end());
      identity.groups.push_back({.id = g.id, .name = g.name, .metadata = g.metadata});
    }
  }
  out.policies.assign(policies.begin(), policies.end());
  out.identity = std::move(identity);
  return out;
}

Expected<void> IdentityStore::ForgetMount(const std::string& mount_accessor) {
  std::lock_guard lock(mu_);
  for (const char* kind : {"alias", "group-alias"}) {
    Expected<std::vector<json>> all = All(kind);
    if (!all) {
      return Unexpected(all.error());
    }
    for (const json& alias : *all) {
      if (alias.value("mount_accessor", "") == mount_accessor) {
        if (Expected<void> gone = Delete(kind, alias.value("id", "")); !gone) {
          return gone;
        }
      }
    }
  }
  return {};
}

// ---- identity/ backend ---------------------------------------------------------------------

namespace {

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate;
}

Response Failed(const Error& error) {
  return Response::FromError(error);
}

class IdentityBackend final : public Backend {
 public:
  explicit IdentityBackend(Core& core) : core_(core), store_(core.identity()) {}
  std::string type() const override { return "identity"; }
  std::optional<bool> Exists(const std::string&) override { return std::nullopt; }

  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 3> kEntity = {{{"id", FieldKind::kString},
                                                      {"name", FieldKind::kString},
                                                      {"disabled", FieldKind::kBool}}};
    static constexpr std::array<Field, 3> kGroup = {{{"id", FieldKind::kString},
                                                     {"name", FieldKind::kString},
                                                     {"type", FieldKind::kString}}};
    static constexpr std::array<Field, 4> kAlias = {{{"id", FieldKind::kString},
                                                     {"name", FieldKind::kString},
                                                     {"mount_accessor", FieldKind::kString},
                                                     {"canonical_id", FieldKind::kString}}};
    if (path.starts_with("entity-alias") || path.starts_with("group-alias")) {
      return kAlias;
    }
    if (path.starts_with("entity")) {
      return kEntity;
    }
    return path.starts_with("group") ? FieldList(kGroup) : FieldList();
  }

  Response Handle(const LogicalRequest& req) override {
    std::lock_guard lock(store_.mutex());
    const std::string& p = req.path;
    for (const char* kind : {"entity", "group"}) {
      const std::string k = kind;
      if (p == k) {
        return IsWrite(req.operation) ? Write(k, req, std::nullopt) : Response::UnsupportedOperation();
      }
      if (p == k + "/id/" || p == k + "/name/") {
        return req.operation == Operation::kList ? List(k, p.ends_with("/id/"))
                                                 : Response::UnsupportedOperation();
      }
      for (const char* by : {"/id/", "/name/"}) {
        if (p.starts_with(k + by)) {
          return Record(k, req, std::string_view(by) == "/id/",
                        p.substr(k.size() + std::string_view(by).size()));
        }
      }
    }
    for (const char* kind : {"entity-alias", "group-alias"}) {
      const std::string k = kind;
      const std::string stored = k == "entity-alias" ? "alias" : "group-alias";
      if (p == k) {
        return IsWrite(req.operation) ? WriteAlias(stored, req) : Response::UnsupportedOperation();
      }
      if (p == k + "/id/") {
        return req.operation == Operation::kList ? List(stored, true) : Response::UnsupportedOperation();
      }
      if (p.starts_with(k + "/id/")) {
        return AliasRecord(stored, req, p.substr(k.size() + 4));
      }
    }
    return Response::UnsupportedPath();
  }

 private:
  static Response BadRequest(std::string message) { return Response::Error(400, std::move(message)); }

  std::optional<Response> ApplyFields(const std::string& kind, const json& d, json& record) {
    if (d.contains("name") && d["name"].is_string()) {
      record["name"] = d["name"];
    }
    if (d.contains("metadata")) {
      if (!d["metadata"].is_object()) {
        return BadRequest("metadata must be a map of strings");
      }
      record["metadata"] = d["metadata"];
    }
    if (d.contains("policies")) {
      std::set<std::string> names;
      for (const std::string& name : StringList(d, "policies")) {
        std::string n = PolicyStore::NormalizeName(name);
        if (n == "root") {
          return BadRequest("policies cannot contain \"root\"");
        }
        if (!n.empty()) {
          names.insert(n);
        }
      }
      record["policies"] = std::vector<std::string>(names.begin(), names.end());
    }
    if (kind == "entity" && d.contains("disabled")) {
      record["disabled"] = d.value("disabled", false);
    }
    if (kind == "group") {
      if (d.contains("type")) {
        const std::string type = d.value("type", "");
        if (type != "internal" && type != "external") {
          return BadRequest("invalid group type \"" + type + "\"");
        }
        record["type"] = type;
      }
      for (const char* members : {"member_entity_ids", "member_group_ids"}) {
        if (d.contains(members)) {
          if (record.value("type", "internal") == "external") {
            return BadRequest(std::string(members) + " can not be set on external groups");
          }
          record[members] = StringList(d, members);
        }
      }
    }
    return std::nullopt;
  }

  Response Write(const std::string& kind, const LogicalRequest& req, std::optional<json> existing) {
    const json& d = *req.data;
    const std::string now = Rfc3339Nano(core_.clock().NowNanos());
    if (!existing && d.contains("id") && d["id"].is_string()) {
      Expected<std::optional<json>> by_id = store_.Get(kind, d["id"].get<std::string>());
      if (!by_id) {
        return Failed(by_id.error());
      }
      existing = *by_id;
    }
    if (!existing && d.contains("name") && d["name"].is_string()) {
      Expected<std::optional<json>> by_name = store_.ByName(kind, d["name"].get<std::string>());
      if (!by_name) {
        return Failed(by_name.error());
      }
      existing = *by_name;
    }
    const bool update = existing.has_value();
    json record = update ? *existing
                         : json{{"id", d.value("id", crypto::Uuid())},
                                {"name", ""},
                                {"policies", json::array()},
                                {"metadata", json::object()},
                                {"creation_time", now}};
    if (!update && kind == "group") {
      record["type"] = "internal";
      record["member_entity_ids"] = json::array();
      record["member_group_ids"] = json::array();
    }
    if (!update && kind == "entity") {
      record["disabled"] = false;
    }
    if (std::optional<Response> bad = ApplyFields(kind, d, record)) {
      return *bad;
    }
    if (record.value("name", "").empty()) {
      record["name"] = (kind == "entity" ? "entity_" : "group_") + crypto::Hex(crypto::RandomBytes(4));
    }
    record["last_update_time"] = now;
    if (Expected<void> put = store_.Put(kind, record); !put) {
      return Failed(put.error());
    }
    if (update) {
      return Response::NoContent();
    }
    json data = {{"id", record["id"]}, {"name", record["name"]}};
    if (kind == "entity") {
      data["aliases"] = nullptr;
    }
    return Response::Data(std::move(data));
  }

  Response Record(const std::string& kind, const LogicalRequest& req, bool by_id, const std::string& key) {
    Expected<std::optional<json>> record = by_id ? store_.Get(kind, key) : store_.ByName(kind, key);
    if (!record) {
      return Failed(record.error());
    }
    switch (req.operation) {
      case Operation::kRead:
        return *record ? Response::Data(Describe(kind, **record)) : Response::NotFound();
      case Operation::kCreate:
      case Operation::kUpdate: {
        if (!*record && by_id) {
          return BadRequest(kind + " not found");  // updating by ID needs an existing record
        }
        json data = *req.data;
        if (!by_id) {
          data["name"] = key;
        }
        return Write(kind, {.operation = req.operation, .data = &data}, *record);
      }
      case Operation::kDelete:
        return *record ? DeleteRecord(kind, **record) : Response::NoContent();
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

  Response DeleteRecord(const std::string& kind, const json& record) {
    const std::string id = record["id"];
    const std::string alias_kind = kind == "entity" ? "alias" : "group-alias";
    Expected<std::vector<json>> aliases = store_.All(alias_kind);
    if (!aliases) {
      return Failed(aliases.error());
    }
    for (const json& alias : *aliases) {
      if (alias.value("canonical_id", "") == id) {
        if (Expected<void> gone = store_.Delete(alias_kind, alias["id"]); !gone) {
          return Failed(gone.error());
        }
      }
    }
    Expected<void> gone = store_.Delete(kind, id);
    return gone ? Response::NoContent() : Failed(gone.error());
  }

  json Describe(const std::string& kind, const json& record) {
    json out = record;
    const std::string id = record["id"];
    out["namespace_id"] = "root";
    if (kind == "entity") {
      json aliases = json::array();
      Expected<std::vector<json>> all = store_.All("alias");
      for (const json& alias : all ? *all : std::vector<json>{}) {
        if (alias.value("canonical_id", "") == id) {
          aliases.push_back(alias);
        }
      }
      out["aliases"] = aliases;
      out["merged_entity_ids"] = nullptr;
      Expected<ResolvedIdentity> who = store_.Resolve(id);
      std::vector<std::string> direct = who ? who->direct_group_ids : std::vector<std::string>{};
      std::vector<std::string> inherited = who ? who->inherited_group_ids : std::vector<std::string>{};
      std::vector<std::string> all_groups = direct;
      all_groups.insert(all_groups.end(), inherited.begin(), inherited.end());
      out["direct_group_ids"] = direct;
      out["inherited_group_ids"] = inherited;
      out["group_ids"] = all_groups;
      return out;
    }
    json parents = json::array();
    Expected<std::vector<json>> groups = store_.All("group");
    for (const json& g : groups ? *groups : std::vector<json>{}) {
      if (Has(Strings(g, "member_group_ids"), id)) {
        parents.push_back(g["id"]);
      }
    }
    out["parent_group_ids"] = parents;
    out["alias"] = json::object();
    Expected<std::vector<json>> aliases = store_.All("group-alias");
    for (const json& alias : aliases ? *aliases : std::vector<json>{}) {
      if (alias.value("canonical_id", "") == id) {
        out["alias"] = alias;
      }
    }
    return out;
  }

  Response List(const std::string& kind, bool by_id) {
    Expected<std::vector<json>> all = store_.All(kind);
    if (!all) {
      return Failed(all.error());
    }
    if (all->empty()) {
      return Response::NotFound();
    }
    json keys = json::array();
    json info = json::object();
    for (const json& record : *all) {
      const std::string key = by_id ? record.value("id", "") : record.value("name", "");
      keys.push_back(key);
      info[key] = {{"name", record.value("name", "")}};
      if (!by_id) {
        info[key]["id"] = record.value("id", "");
      }
    }
    return Response::Data({{"keys", keys}, {"key_info", info}});
  }

  Response WriteAlias(const std::string& kind, const LogicalRequest& req) {
    const json& d = *req.data;
    const std::string name = d.value("name", "");
    const std::string accessor = d.value("mount_accessor", "");
    const std::string canonical = d.value("canonical_id", "");
    if (name.empty()) {
      return BadRequest("missing alias name");
    }
    Expected<std::vector<MountEntry>> auths = core_.MountTable(true);
    if (!auths) {
      return Failed(auths.error());
    }
    auto mount = std::find_if(auths->begin(), auths->end(),
                              [&](const MountEntry& m) { return m.accessor == accessor; });
    if (mount == auths->end()) {
      return BadRequest("invalid mount accessor \"" + accessor + "\"");
    }
    const std::string owner_kind = kind == "alias" ? "entity" : "group";
    Expected<std::optional<json>> owner = store_.Get(owner_kind, canonical);
    if (!owner) {
      return Failed(owner.error());
    }
    if (!*owner) {
      return BadRequest(kind == "alias" ? "invalid canonical ID" : "invalid group ID");
    }
    if (kind == "group-alias" && (**owner).value("type", "internal") != "external") {
      return BadRequest("alias can't be set on an internal group");
    }
    Expected<std::vector<json>> all = store_.All(kind);
    if (!all) {
      return Failed(all.error());
    }
    for (const json& alias : *all) {
      if (alias.value("mount_accessor", "") == accessor && alias.value("name", "") == name) {
        return BadRequest("alias with combination of mount accessor and name already exists");
      }
    }
    const std::string now = Rfc3339Nano(core_.clock().NowNanos());
    json record = {
        {"id", crypto::Uuid()},
        {"name", name},
        {"mount_accessor", accessor},
        {"mount_path", mount->path},
        {"mount_type", mount->type},
        {"canonical_id", canonical},
        {"metadata", d.contains("metadata") && d["metadata"].is_object() ? d["metadata"] : json::object()},
        {"creation_time", now},
        {"last_update_time", now}};
    if (Expected<void> put = store_.Put(kind, record); !put) {
      return Failed(put.error());
    }
    return Response::Data({{"id", record["id"]}, {"canonical_id", canonical}});
  }

  Response AliasRecord(const std::string& kind, const LogicalRequest& req, const std::string& id) {
    Expected<std::optional<json>> record = store_.Get(kind, id);
    if (!record) {
      return Failed(record.error());
    }
    if (req.operation == Operation::kRead) {
      return *record ? Response::Data(**record) : Response::NotFound();
    }
    if (req.operation == Operation::kDelete) {
      Expected<void> gone = store_.Delete(kind, id);
      return gone ? Response::NoContent() : Failed(gone.error());
    }
    return Response::UnsupportedOperation();
  }

  Core& core_;
  IdentityStore& store_;
};

}  // namespace

std::shared_ptr<Backend> MakeIdentityBackend(Core& core) {
  return std::make_shared<IdentityBackend>(core);
}

}  // namespace polcheck::runtime
