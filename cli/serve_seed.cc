#include "cli/serve_seed.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

namespace polcheck::cli {
namespace {

using nlohmann::json;

nlohmann::json FieldJson(const analysis::Field& f) {
  switch (f.kind) {
    case analysis::FieldKind::kString:
    case analysis::FieldKind::kYamlText:
    case analysis::FieldKind::kAny:
      return f.text;
    case analysis::FieldKind::kStringList:
      return f.list;
    case analysis::FieldKind::kBool:
      return f.boolean;
    case analysis::FieldKind::kInt:
    case analysis::FieldKind::kDuration:
      return f.number;
    case analysis::FieldKind::kStringMap: {
      json out = json::object();
      for (const auto& [key, values] : f.map) {
        out[key] = values.empty() ? std::string() : values.front();
      }
      return out;
    }
    case analysis::FieldKind::kClaimMap: {  // typed values stay typed: Vault compares them as such
      json out = json::object();
      for (const auto& [key, values] : f.map) {
        const auto types = f.claim_types.find(key);
        json items = json::array();
        for (std::size_t i = 0; i < values.size(); ++i) {
          const analysis::ClaimValueType type = types != f.claim_types.end() && i < types->second.size()
                                                    ? types->second[i]
                                                    : analysis::ClaimValueType::kString;
          json typed = json(values[i]);
          if (type == analysis::ClaimValueType::kBool) {
            typed = values[i] == "true" || values[i] == "True" || values[i] == "TRUE";
          } else if (type == analysis::ClaimValueType::kNumber) {
            if (json number = json::parse(values[i], nullptr, false); number.is_number()) {
              typed = number;
            }
          }
          items.push_back(typed);
        }
        out[key] = items.size() == 1 ? items[0] : items;
      }
      return out;
    }
  }
  return nullptr;
}

json FieldsJson(const analysis::Fields& fields) {
  json out = json::object();
  for (const auto& [name, field] : fields.values) {
    out[name] = FieldJson(field);
  }
  return out;
}

json StringMapJson(const std::map<std::string, std::string>& map) {
  json out = json::object();
  for (const auto& [key, value] : map) {
    out[key] = value;
  }
  return out;
}

// Vault's error text from a refusal body ("errors": [...]), joined with "; ".
std::string ErrorText(const runtime::Server::ApiReply& reply) {
  const json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  std::string out;
  if (body.is_object() && body.contains("errors") && body["errors"].is_array()) {
    for (const json& e : body["errors"]) {
      std::string text = e.is_string() ? e.get<std::string>() : e.dump();
      // Go multierror "1 error occurred:\n\t* msg\n\n" -> msg
      if (const std::size_t star = text.find("\t* "); star != std::string::npos) {
        text = text.substr(star + 3);
      }
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
      }
      out += (out.empty() ? "" : "; ") + text;
    }
  }
  return out.empty() ? "HTTP " + std::to_string(reply.status) : out;
}

class Seeder {
 public:
  Seeder(const analysis::Bindings& b, const SourceSet& sources, runtime::Server& server, const std::string& token,
         std::ostream& notes)
      : b_(b), sources_(sources), server_(server), token_(token), notes_(notes) {}

  SeedCounts Run() {
    for (const analysis::AuthMount& mount : b_.mounts) {
      SeedMount(mount);
    }
    ReadAccessors();
    for (const analysis::TokenRole& role : b_.token_roles) {
      if (Write("auth/token/roles/" + role.name, FieldsJson(role.fields), role.name_span, "token role " + role.name)) {
        ++counts_.roles;
      }
    }
    for (const analysis::IdentityEntity& entity : b_.entities) {
      SeedEntity(entity);
    }
    for (const analysis::IdentityGroup& group : b_.groups) {
      CreateGroup(group);
    }
    for (const analysis::IdentityGroup& group : b_.groups) {
      FinishGroup(group);
    }
    return counts_;
  }

 private:
  std::string Where(Span span) const {
    if (span.file >= sources_.size()) {
      return "bindings";
    }
    const SourceFile& file = sources_.file(span.file);
    return file.name() + ":" + std::to_string(file.Locate(span.begin).line);
  }

  void Skip(Span span, const std::string& what, const std::string& why) {
    notes_ << "polcheck serve: note: " << Where(span) << ": " << what << " not loaded: " << why << "\n";
    ++counts_.skipped;
  }

  // POST path body; on refusal a note and false. `out` receives the reply's data.
  bool Write(const std::string& path, const json& body, Span span, const std::string& what, json* out = nullptr) {
    const runtime::Server::ApiReply reply = server_.Call("POST", path, token_, body.dump());
    if (reply.status >= 400) {
      Skip(span, what, "the server refused " + path + ": " + ErrorText(reply));
      return false;
    }
    if (out != nullptr) {
      const json parsed = json::parse(reply.body, nullptr, false);
      *out = parsed.is_object() && parsed.contains("data") ? parsed["data"] : json::object();
    }
    return true;
  }

  static std::string RolePath(const analysis::AuthMount& mount) {
    return mount.type == analysis::AuthType::kUserpass ? "/users/" : "/role/";
  }

  void SeedMount(const analysis::AuthMount& mount) {
    const std::string what = "auth mount " + mount.path + "/ (" + mount.type_name + ")";
    std::string refused;
    if (!mount.namespace_path.empty()) {
      refused = "namespaces are not served (namespace " + mount.namespace_path + ")";
    } else if (mount.type == analysis::AuthType::kAws || mount.type == analysis::AuthType::kGithub ||
               mount.type == analysis::AuthType::kOther) {
      refused = "the runtime does not serve the " + mount.type_name + " auth method";
    }
    if (!refused.empty()) {
      Skip(mount.span, what, refused);
      for (const analysis::Role& role : mount.roles) {
        Skip(role.name_span, "role " + mount.path + RolePath(mount) + role.name, "its mount is not loaded");
      }
      return;
    }
    // The workspace's accessor is kept, so accessor-templated policies render as simulate renders them.
    if (Expected<void> enabled = server_.EnableAuth(mount.path, mount.type_name, mount.accessor); !enabled) {
      Skip(mount.span, what, "the server refused sys/auth/" + mount.path + ": " + enabled.error().message);
      for (const analysis::Role& role : mount.roles) {
        Skip(role.name_span, "role " + mount.path + RolePath(mount) + role.name, "its mount is not loaded");
      }
      return;
    }
    ++counts_.mounts;
    if (!mount.config.values.empty()) {
      Write("auth/" + mount.path + "/config", FieldsJson(mount.config), mount.span, "config of " + what);
    }
    for (const analysis::Role& role : mount.roles) {
      const std::string path = mount.path + RolePath(mount) + role.name;
      if (Write("auth/" + path, FieldsJson(role.fields), role.name_span, "role " + path)) {
        ++counts_.roles;
      }
    }
  }

  // Bindings mount path -> the accessor the runtime gave it.
  void ReadAccessors() {
    const runtime::Server::ApiReply reply = server_.Call("GET", "sys/auth", token_);
    const json body = json::parse(reply.body, nullptr, false);
    const json& table = body.is_object() && body.contains("data") ? body["data"] : body;
    if (!table.is_object()) {
      return;
    }
    for (const auto& [path, entry] : table.items()) {
      if (entry.is_object() && entry.contains("accessor") && entry["accessor"].is_string()) {
        std::string bare = path;
        if (bare.ends_with("/")) {
          bare.pop_back();
        }
        accessors_[bare] = entry["accessor"].get<std::string>();
      }
    }
  }

  // The runtime accessor of an alias's mount (given by path or by bindings accessor); "" when not loaded.
  std::string AccessorFor(const std::string& mount, const std::string& bindings_accessor) const {
    std::string path = mount;
    if (path.empty()) {
      for (const analysis::AuthMount& m : b_.mounts) {
        if (m.accessor == bindings_accessor) {
          path = m.path;
        }
      }
    }
    const auto it = accessors_.find(path);
    return it == accessors_.end() ? std::string() : it->second;
  }

  void SeedEntity(const analysis::IdentityEntity& entity) {
    const std::string what = "entity " + entity.name;
    if (!entity.namespace_path.empty()) {
      Skip(entity.span, what, "namespaces are not served (namespace " + entity.namespace_path + ")");
      return;
    }
    json body = {{"name", entity.name}, {"policies", entity.policies}, {"disabled", entity.disabled}};
    if (!entity.metadata.empty()) {
      body["metadata"] = StringMapJson(entity.metadata);
    }
    json data;
    if (!Write("identity/entity", body, entity.span, what, &data)) {
      return;
    }
    ++counts_.entities;
    const std::string id = data.value("id", "");
    entity_ids_[entity.id] = id;
    for (const analysis::EntityAlias& alias : entity.aliases) {
      const std::string accessor = AccessorFor(alias.mount, alias.mount_accessor);
      const std::string alias_what = "alias " + alias.name + " of entity " + entity.name;
      if (accessor.empty()) {
        Skip(alias.span, alias_what, "its auth mount " + alias.mount + alias.mount_accessor + " is not loaded");
        continue;
      }
      json alias_body = {{"name", alias.name}, {"canonical_id", id}, {"mount_accessor", accessor}};
      if (!alias.custom_metadata.empty()) {
        alias_body["custom_metadata"] = StringMapJson(alias.custom_metadata);
      }
      Write("identity/entity-alias", alias_body, alias.span, alias_what);
    }
  }

  void CreateGroup(const analysis::IdentityGroup& group) {
    const std::string what = "group " + group.name;
    if (!group.namespace_path.empty()) {
      Skip(group.span, what, "namespaces are not served (namespace " + group.namespace_path + ")");
      return;
    }
    json body = {{"name", group.name}, {"type", group.external ? "external" : "internal"},
                 {"policies", group.policies}};
    if (!group.metadata.empty()) {
      body["metadata"] = StringMapJson(group.metadata);
    }
    json data;
    if (!Write("identity/group", body, group.span, what, &data)) {
      return;
    }
    ++counts_.groups;
    group_ids_[group.id] = data.value("id", "");
  }

  // Members (every group exists by now, so cycles and forward references resolve) and aliases.
  void FinishGroup(const analysis::IdentityGroup& group) {
    const auto self = group_ids_.find(group.id);
    if (self == group_ids_.end()) {
      return;  // not created; already noted
    }
    const std::vector<std::string> entities = Resolve(group, group.member_entity_ids, true);
    const std::vector<std::string> groups = Resolve(group, group.member_group_ids, false);
    if (!entities.empty() || !groups.empty()) {
      Write("identity/group/id/" + self->second,
            json{{"member_entity_ids", entities}, {"member_group_ids", groups}}, group.span,
            "members of group " + group.name);
    }
    for (const analysis::GroupAlias& alias : group.aliases) {
      const std::string accessor = AccessorFor(alias.mount, alias.mount_accessor);
      const std::string what = "alias " + alias.name + " of group " + group.name;
      if (accessor.empty()) {
        Skip(alias.span, what, "its auth mount " + alias.mount + alias.mount_accessor + " is not loaded");
        continue;
      }
      Write("identity/group-alias", json{{"name", alias.name}, {"canonical_id", self->second}, {"mount_accessor", accessor}},
            alias.span, what);
    }
  }

  // Bindings member ids or names -> runtime ids of the members that were loaded; a note for each other one.
  std::vector<std::string> Resolve(const analysis::IdentityGroup& group, const std::vector<std::string>& refs,
                                   bool entities) {
    std::vector<std::string> out;
    for (const std::string& ref : refs) {
      const std::string* bindings_id = nullptr;
      if (entities) {
        const analysis::IdentityEntity* e = b_.FindEntity(ref);
        bindings_id = e == nullptr ? nullptr : &e->id;
      } else {
        const analysis::IdentityGroup* g = b_.FindGroup(ref);
        bindings_id = g == nullptr ? nullptr : &g->id;
      }
      const auto& ids = entities ? entity_ids_ : group_ids_;
      const auto it = bindings_id == nullptr ? ids.end() : ids.find(*bindings_id);
      if (it == ids.end()) {
        Skip(group.span, std::string(entities ? "member entity " : "member group ") + ref + " of group " + group.name,
             bindings_id == nullptr ? "no entity or group of that id or name" : "it is not loaded");
        continue;
      }
      out.push_back(it->second);
    }
    return out;
  }

  const analysis::Bindings& b_;
  const SourceSet& sources_;
  runtime::Server& server_;
  const std::string& token_;
  std::ostream& notes_;
  SeedCounts counts_;
  std::map<std::string, std::string> accessors_;   // mount path -> runtime accessor
  std::map<std::string, std::string> entity_ids_;  // bindings id -> runtime id
  std::map<std::string, std::string> group_ids_;
};

}  // namespace

SeedCounts SeedBindings(const analysis::Bindings& bindings, const SourceSet& sources, runtime::Server& server,
                        const std::string& root_token, std::ostream& notes) {
  return Seeder(bindings, sources, server, root_token, notes).Run();
}

Expected<void> MountEngine(runtime::Server& server, const config::Mount& mount, const std::string& root_token) {
  if (mount.type == "kv") {
    return server.MountKv(mount.path, std::to_string(mount.kv_version));
  }
  if (mount.type != "database") {
    return Unexpected(Error::Code::kUnsupported, "only KV and database engines are served");
  }
  const runtime::Server::ApiReply reply =
      server.Call("POST", "sys/mounts/" + mount.path, root_token, nlohmann::json{{"type", "database"}}.dump());
  if (reply.status >= 400) {
    const nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
    const bool has_error = body.is_object() && body.contains("errors") && body["errors"].is_array() &&
                           !body["errors"].empty() && body["errors"][0].is_string();
    return Unexpected(Error::Code::kInvalidArgument,
                      has_error ? body["errors"][0].get<std::string>() : "HTTP " + std::to_string(reply.status));
  }
  return {};
}

}  // namespace polcheck::cli
