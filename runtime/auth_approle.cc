// AppRole auth method (RUNTIME-API.md §4.2, SEMANTICS.md §9.5). Role IDs and
// secret IDs are stored only as HMACs under a per-mount salt kept in the
// barrier; secret-ID accessors index the same entries.
#include <nlohmann/json.hpp>

#include "runtime/auth_common.h"
#include "runtime/crypto.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate;
}

class ApproleBackend final : public Backend {
 public:
  ApproleBackend(Core& core, MountEntry mount) : core_(core), mount_(std::move(mount)) {}
  std::string type() const override { return "approle"; }
  bool Unauthenticated(const std::string& path) const override { return path == "login"; }

  RenewCheck ValidateRenew(const TokenEntry& token) override {
    std::lock_guard lock(mu_);
    auto name = token.meta.find("role_name");
    const std::string role_name = name == token.meta.end() ? "" : name->second;
    Expected<std::optional<json>> role = LoadRole(role_name);
    if (!role) {
      return {.renew = false, .error = role.error().message};
    }
    return CheckRenewal(role->has_value(), role_name, *role ? LoadTokenFields(**role) : TokenFields{}, token,
                        "policies have changed, not renewing");
  }

  std::optional<bool> Exists(const std::string& path) override {
    if (!path.starts_with("role/") || path.size() == 5 || path.find('/', 5) != std::string::npos) {
      return std::nullopt;
    }
    Expected<std::optional<json>> role = LoadRole(Name(path.substr(5)));
    return role && role->has_value();
  }

  FieldList Fields(const std::string& path) const override {
    static constexpr auto kRole = WithTokenFields(std::array<Field, 4>{{{"bind_secret_id", FieldKind::kBool},
                                                                        {"local_secret_ids", FieldKind::kBool},
                                                                        {"secret_id_num_uses", FieldKind::kInt},
                                                                        {"role_id", FieldKind::kString}}});
    static constexpr std::array<Field, 2> kLogin = {{{"role_id", FieldKind::kString},
                                                     {"secret_id", FieldKind::kString}}};
    static constexpr std::array<Field, 2> kSecretId = {{{"secret_id", FieldKind::kString},
                                                        {"num_uses", FieldKind::kInt}}};
    static constexpr std::array<Field, 1> kRoleId = {{{"role_id", FieldKind::kString}}};
    static constexpr std::array<Field, 1> kAccessor = {{{"secret_id_accessor", FieldKind::kString}}};
    if (path == "login") {
      return kLogin;
    }
    if (!path.starts_with("role/")) {
      return {};
    }
    const std::size_t slash = path.find('/', 5);
    if (slash == std::string::npos) {
      return kRole;
    }
    const std::string_view sub = std::string_view(path).substr(slash + 1);
    if (sub == "role-id") {
      return kRoleId;
    }
    return sub.starts_with("secret-id-accessor/") ? FieldList(kAccessor) : FieldList(kSecretId);
  }

  Response Handle(const LogicalRequest& req) override {
    std::lock_guard lock(mu_);  // secret-ID use counts and role-ID indexes change together
    const std::string& p = req.path;
    if (p == "login") {
      return IsWrite(req.operation) ? LoginRole(req) : Response::UnsupportedOperation();
    }
    if (p == "role/" || p == "role") {
      return req.operation == Operation::kList ? ListKeys(Prefix() + "role/")
                                               : Response::UnsupportedOperation();
    }
    if (!p.starts_with("role/") || p.size() == 5) {
      return Response::UnsupportedPath();
    }
    const std::string rest = p.substr(5);
    const std::size_t slash = rest.find('/');
    const std::string name = Name(rest.substr(0, slash));
    if (slash == std::string::npos) {
      return Role(req, name);
    }
    return RoleSub(req, name, rest.substr(slash + 1));
  }

 private:
  static std::string Name(const std::string& raw) { return PolicyStore::NormalizeName(raw); }
  std::string Prefix() const { return mount_.StoragePrefix(); }

  Expected<std::string> Hmac(const std::string& value) {
    Expected<std::optional<std::string>> salt = core_.barrier().Get(Prefix() + "salt");
    if (!salt) {
      return Unexpected(salt.error());
    }
    if (!*salt) {
      *salt = crypto::RandomBytes(32);
      if (Expected<void> put = core_.barrier().Put(Prefix() + "salt", **salt); !put) {
        return Unexpected(put.error());
      }
    }
    return crypto::Hex(crypto::HmacSha256(**salt, value));
  }

  Expected<std::optional<json>> LoadRole(const std::string& name) {
    return LoadJson(core_.barrier(), Prefix() + "role/" + name);
  }

  Response ListKeys(const std::string& prefix) {
    Expected<std::vector<std::string>> keys = core_.barrier().List(prefix);
    if (!keys) {
      return Response::FromError(keys.error());
    }
    if (keys->empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", *keys}});
  }

  // ---- roles ----

  Response Role(const LogicalRequest& req, const std::string& name) {
    Expected<std::optional<json>> role = LoadRole(name);
    if (!role) {
      return Response::FromError(role.error());
    }
    switch (req.operation) {
      case Operation::kRead:
        return *role ? Response::Data(Describe(**role)) : Response::NotFound();
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteRole(req, name, *role);
      case Operation::kDelete:
        return *role ? DeleteRole(name, **role) : Response::NoContent();
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

  static json Describe(const json& role) {
    json out = TokenFieldsJson(LoadTokenFields(role));
    for (const char* key : {"bind_secret_id", "secret_id_bound_cidrs", "secret_id_num_uses", "secret_id_ttl",
                            "local_secret_ids"}) {
      out[key] = role[key];
    }
    if (role.value("via_bound_cidr_list", false)) {
      out["bound_cidr_list"] = role["secret_id_bound_cidrs"];
    }
    return out;
  }

  Response WriteRole(const LogicalRequest& req, const std::string& name, std::optional<json> existing) {
    const json& d = *req.data;
    json role = existing ? *existing
                         : json{{"bind_secret_id", true},
                                {"secret_id_bound_cidrs", json::array()},
                                {"secret_id_num_uses", 0},
                                {"secret_id_ttl", 0},
                                {"local_secret_ids", d.value("local_secret_ids", false)},
                                {"role_id", ""}};
    TokenFields fields = LoadTokenFields(role);
    if (std::string error = ParseTokenFields(d, fields); !error.empty()) {
      return Response::Error(400, error);
    }
    if (d.contains("bind_secret_id")) {
      role["bind_secret_id"] = d.value("bind_secret_id", true);
    }
    const bool legacy_cidrs = !d.contains("secret_id_bound_cidrs") && d.contains("bound_cidr_list");
    if (d.contains("secret_id_bound_cidrs") || legacy_cidrs) {
      std::vector<std::string> cidrs =
          StringList(d, legacy_cidrs ? "bound_cidr_list" : "secret_id_bound_cidrs");
      if (std::string bad = InvalidCidr(cidrs); !bad.empty()) {
        return Response::Error(400, "invalid CIDR \"" + bad + "\"");
      }
      role["secret_id_bound_cidrs"] = cidrs;
      role["via_bound_cidr_list"] = legacy_cidrs;
    }
    std::string error;
    if (d.contains("secret_id_num_uses")) {
      const int uses = d["secret_id_num_uses"].is_number()
                           ? d["secret_id_num_uses"].get<int>()
                           : std::atoi(d.value("secret_id_num_uses", "0").c_str());
      if (uses < 0) {
        return Response::Error(400, "secret_id_num_uses cannot be negative");
      }
      role["secret_id_num_uses"] = uses;
    }
    if (std::optional<std::int64_t> ttl = DurationSeconds(d, "secret_id_ttl", error)) {
      role["secret_id_ttl"] = *ttl;
    }
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    if (!role["bind_secret_id"].get<bool>() && role["secret_id_bound_cidrs"].empty() &&
        fields.bound_cidrs.empty()) {
      return Response::Error(400, "at least one constraint should be enabled on the role");
    }
    json stored = role;
    stored.update(StoreTokenFields(fields));
    if (!existing) {
      const std::string role_id = d.value("role_id", crypto::Uuid());
      if (Response bad = SetRoleId(name, stored, role_id); bad.is_error) {
        return bad;
      }
    }
    Expected<void> put = core_.barrier().Put(Prefix() + "role/" + name, stored.dump());
    return put ? Response::NoContent() : Response::FromError(put.error());
  }

  // Points the role-ID index at `name` (the caller saves the role).
  Response SetRoleId(const std::string& name, json& role, const std::string& role_id) {
    if (role_id.empty()) {
      return Response::Error(400, "missing role_id");
    }
    Expected<std::string> hmac = Hmac(role_id);
    if (!hmac) {
      return Response::FromError(hmac.error());
    }
    Expected<std::optional<std::string>> taken = core_.barrier().Get(Prefix() + "role-id/" + *hmac);
    if (!taken) {
      return Response::FromError(taken.error());
    }
    if (*taken && **taken != name) {
      return Response::Error(400, "role_id already in use");
    }
    if (const std::string old = role.value("role_id_hmac", ""); !old.empty() && old != *hmac) {
      if (Expected<void> gone = core_.barrier().Delete(Prefix() + "role-id/" + old); !gone) {
        return Response::FromError(gone.error());
      }
    }
    if (Expected<void> put = core_.barrier().Put(Prefix() + "role-id/" + *hmac, name); !put) {
      return Response::FromError(put.error());
    }
    role["role_id_hmac"] = *hmac;
    role["role_id"] = role_id;  // readable through role-id, as in Vault (it is an identifier, not a secret)
    return {};
  }

  Response DeleteRole(const std::string& name, const json& role) {
    if (Expected<void> gone = core_.barrier().Delete(Prefix() + "role-id/" + role.value("role_id_hmac", ""));
        !gone) {
      return Response::FromError(gone.error());
    }
    for (const std::string folder : {"secret-id/", "accessor/"}) {
      Expected<std::vector<std::string>> keys = core_.barrier().List(Prefix() + folder + name + "/");
      if (!keys) {
        return Response::FromError(keys.error());
      }
      for (const std::string& key : *keys) {
        if (Expected<void> gone = core_.barrier().Delete(Prefix() + folder + name + "/" + key); !gone) {
          return Response::FromError(gone.error());
        }
      }
    }
    Expected<void> gone = core_.barrier().Delete(Prefix() + "role/" + name);
    return gone ? Response::NoContent() : Response::FromError(gone.error());
  }

  Response RoleSub(const LogicalRequest& req, const std::string& name, const std::string& sub) {
    Expected<std::optional<json>> role = LoadRole(name);
    if (!role) {
      return Response::FromError(role.error());
    }
    if (!*role) {
      return Response::Error(400, "role \"" + name + "\" does not exist");
    }
    if (sub == "role-id") {
      if (req.operation == Operation::kRead) {
        return Response::Data({{"role_id", (**role)["role_id"]}});
      }
      if (!IsWrite(req.operation)) {
        return Response::UnsupportedOperation();
      }
      if (Response bad = SetRoleId(name, **role, req.data->value("role_id", "")); bad.is_error) {
        return bad;
      }
      Expected<void> put = core_.barrier().Put(Prefix() + "role/" + name, (**role).dump());
      return put ? Response::NoContent() : Response::FromError(put.error());
    }
    if (sub == "secret-id" || sub == "secret-id/") {
      if (req.operation == Operation::kList) {
        return ListKeys(Prefix() + "accessor/" + name + "/");
      }
      return IsWrite(req.operation) ? NewSecretId(req, name, **role, crypto::Uuid())
                                    : Response::UnsupportedOperation();
    }
    if (sub == "custom-secret-id") {
      const std::string secret = req.data->value("secret_id", "");
      if (secret.empty()) {
        return Response::Error(400, "missing secret_id");
      }
      return IsWrite(req.operation) ? NewSecretId(req, name, **role, secret)
                                    : Response::UnsupportedOperation();
    }
    if (!IsWrite(req.operation)) {
      return Response::UnsupportedOperation();
    }
    if (sub == "secret-id/lookup" || sub == "secret-id/destroy") {
      const std::string secret = req.data->value("secret_id", "");
      if (secret.empty()) {
        return Response::Error(400, "missing secret_id");
      }
      Expected<std::string> hmac = Hmac(secret);
      if (!hmac) {
        return Response::FromError(hmac.error());
      }
      return sub.ends_with("lookup") ? LookupSecret(name, *hmac) : DestroySecret(name, *hmac);
    }
    if (sub == "secret-id-accessor/lookup" || sub == "secret-id-accessor/destroy") {
      const std::string accessor = req.data->value("secret_id_accessor", "");
      if (accessor.empty()) {
        return Response::Error(400, "missing secret_id_accessor");
      }
      Expected<std::optional<std::string>> hmac =
          core_.barrier().Get(Prefix() + "accessor/" + name + "/" + accessor);
      if (!hmac) {
        return Response::FromError(hmac.error());
      }
      if (!*hmac) {
        return Response::Error(400,
                               "failed to find accessor entry for secret_id_accessor: \"" + accessor + "\"");
      }
      return sub.ends_with("lookup") ? LookupSecret(name, **hmac) : DestroySecret(name, **hmac);
    }
    return Response::UnsupportedPath();
  }

  // ---- secret IDs ----

  Response NewSecretId(const LogicalRequest& req, const std::string& name, const json& role,
                       const std::string& secret) {
    const json& d = *req.data;
    json metadata = json::object();
    if (d.contains("metadata")) {
      metadata = d["metadata"].is_string() ? json::parse(d["metadata"].get<std::string>(), nullptr, false)
                                           : d["metadata"];
      if (metadata.is_discarded() || !metadata.is_object() ||
          std::any_of(metadata.begin(), metadata.end(), [](const json& v) { return !v.is_string(); })) {
        return Response::Error(400, "failed to parse metadata: must be a JSON object of strings");
      }
    }
    std::vector<std::string> cidrs = StringList(d, "cidr_list");
    std::vector<std::string> token_cidrs = StringList(d, "token_bound_cidrs");
    for (const auto* list : {&cidrs, &token_cidrs}) {
      if (std::string bad = InvalidCidr(*list); !bad.empty()) {
        return Response::Error(400, "invalid CIDR \"" + bad + "\"");
      }
    }
    std::string error;
    const int role_uses = role.value("secret_id_num_uses", 0);
    const std::int64_t role_ttl = role.value("secret_id_ttl", std::int64_t{0});
    int uses = d.contains("num_uses") ? d.value("num_uses", 0) : role_uses;
    std::int64_t ttl = DurationSeconds(d, "ttl", error).value_or(role_ttl);
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    if (uses < 0) {
      return Response::Error(400, "num_uses cannot be negative");
    }
    if (role_uses > 0 && (uses == 0 || uses > role_uses)) {
      return Response::Error(400, "num_uses cannot be higher than the role's secret_id_num_uses");
    }
    if (role_ttl > 0 && (ttl == 0 || ttl > role_ttl)) {
      return Response::Error(400, "ttl cannot be longer than the role's secret_id_ttl");
    }
    Expected<std::string> hmac = Hmac(secret);
    if (!hmac) {
      return Response::FromError(hmac.error());
    }
    Expected<std::optional<std::string>> taken =
        core_.barrier().Get(Prefix() + "secret-id/" + name + "/" + *hmac);
    if (!taken || *taken) {
      return taken ? Response::Error(400, "SecretID is already registered")
                   : Response::FromError(taken.error());
    }
    const std::int64_t now = core_.clock().NowSeconds();
    const std::string accessor = crypto::Uuid();
    json entry = {{"secret_id_accessor", accessor},
                  {"cidr_list", cidrs},
                  {"token_bound_cidrs", token_cidrs},
                  {"metadata", metadata},
                  {"secret_id_num_uses", uses},
                  {"secret_id_ttl", ttl},
                  {"creation_time", now},
                  {"last_updated_time", now},
                  {"expiration_time", ttl > 0 ? now + ttl : 0}};
    if (Expected<void> put = core_.barrier().Put(Prefix() + "secret-id/" + name + "/" + *hmac, entry.dump());
        !put) {
      return Response::FromError(put.error());
    }
    if (Expected<void> put = core_.barrier().Put(Prefix() + "accessor/" + name + "/" + accessor, *hmac);
        !put) {
      return Response::FromError(put.error());
    }
    return Response::Data({{"secret_id", secret},
                           {"secret_id_accessor", accessor},
                           {"secret_id_ttl", ttl},
                           {"secret_id_num_uses", uses}});
  }

  static std::string TimeOrZero(std::int64_t unix_seconds) {
    return unix_seconds == 0 ? "0001-01-01T00:00:00Z" : Rfc3339Nano(unix_seconds * 1'000'000'000);
  }

  Response LookupSecret(const std::string& name, const std::string& hmac) {
    Expected<std::optional<json>> entry = LoadJson(core_.barrier(), Prefix() + "secret-id/" + name + "/" + hmac);
    if (!entry) {
      return Response::FromError(entry.error());
    }
    if (!*entry || Expired(**entry)) {
      return Response::NoContent();
    }
    const json& e = **entry;
    return Response::Data({{"cidr_list", e["cidr_list"]},
                           {"token_bound_cidrs", e["token_bound_cidrs"]},
                           {"creation_time", TimeOrZero(e.value("creation_time", std::int64_t{0}))},
                           {"expiration_time", TimeOrZero(e.value("expiration_time", std::int64_t{0}))},
                           {"last_updated_time", TimeOrZero(e.value("last_updated_time", std::int64_t{0}))},
                           {"metadata", e["metadata"]},
                           {"secret_id_accessor", e["secret_id_accessor"]},
                           {"secret_id_num_uses", e["secret_id_num_uses"]},
                           {"secret_id_ttl", e["secret_id_ttl"]}});
  }

  bool Expired(const json& entry) const {
    const std::int64_t expires = entry.value("expiration_time", std::int64_t{0});
    return expires != 0 && expires <= core_.clock().NowSeconds();
  }

  Response DestroySecret(const std::string& name, const std::string& hmac) {
    Expected<std::optional<json>> entry = LoadJson(core_.barrier(), Prefix() + "secret-id/" + name + "/" + hmac);
    if (!entry) {
      return Response::FromError(entry.error());
    }
    if (*entry) {
      const std::string accessor = (**entry).value("secret_id_accessor", "");
      if (Expected<void> gone = core_.barrier().Delete(Prefix() + "accessor/" + name + "/" + accessor);
          !gone) {
        return Response::FromError(gone.error());
      }
    }
    Expected<void> gone = core_.barrier().Delete(Prefix() + "secret-id/" + name + "/" + hmac);
    return gone ? Response::NoContent() : Response::FromError(gone.error());
  }

  // ---- login ----

  Response LoginRole(const LogicalRequest& req) {
    const json& d = *req.data;
    const std::string role_id = d.value("role_id", "");
    if (role_id.empty()) {
      return Response::Error(400, "missing role_id");
    }
    const Response invalid = Response::Error(400, "invalid role or secret ID");
    Expected<std::string> role_hmac = Hmac(role_id);
    if (!role_hmac) {
      return Response::FromError(role_hmac.error());
    }
    Expected<std::optional<std::string>> name = core_.barrier().Get(Prefix() + "role-id/" + *role_hmac);
    if (!name) {
      return Response::FromError(name.error());
    }
    if (!*name) {
      return invalid;
    }
    Expected<std::optional<json>> role = LoadRole(**name);
    if (!role) {
      return Response::FromError(role.error());
    }
    if (!*role) {
      return invalid;
    }
    const json& r = **role;
    if (!CidrAllows(r.value("secret_id_bound_cidrs", std::vector<std::string>{}), req.remote_address)) {
      return Response::Error(400, "source address \"" + req.remote_address +
                                      "\" unauthorized through CIDR restrictions on the role");
    }
    std::map<std::string, std::string> metadata;
    TokenFields fields = LoadTokenFields(r);
    if (r.value("bind_secret_id", true)) {
      const std::string secret = d.value("secret_id", "");
      if (secret.empty()) {
        return Response::Error(400, "missing secret_id");
      }
      Response used = UseSecret(**name, secret, req.remote_address, metadata, fields);
      if (used.is_error) {
        return used;
      }
    }
    std::map<std::string, std::string> token_meta = metadata;
    token_meta["role_name"] = **name;
    return IssueLogin(core_, mount_, req,
                      {.fields = fields,
                       .metadata = token_meta,
                       .display = "",
                       .alias_name = role_id,
                       .alias_metadata = metadata});
  }

  // Validates and consumes one use of a secret ID; fills its metadata and CIDR bounds.
  Response UseSecret(const std::string& name, const std::string& secret, const std::string& remote,
                     std::map<std::string, std::string>& metadata, TokenFields& fields) {
    Expected<std::string> hmac = Hmac(secret);
    if (!hmac) {
      return Response::FromError(hmac.error());
    }
    const std::string key = Prefix() + "secret-id/" + name + "/" + *hmac;
    Expected<std::optional<json>> entry = LoadJson(core_.barrier(), key);
    if (!entry) {
      return Response::FromError(entry.error());
    }
    if (!*entry) {
      return Response::Error(400, "invalid role or secret ID");
    }
    json& e = **entry;
    if (Expired(e)) {
      (void)DestroySecret(name, *hmac);
      return Response::Error(400, "invalid role or secret ID");
    }
    if (!CidrAllows(e.value("cidr_list", std::vector<std::string>{}), remote)) {
      return Response::Error(
          400, "source address \"" + remote + "\" unauthorized by CIDR restrictions on the secret ID");
    }
    const int uses = e.value("secret_id_num_uses", 0);
    if (uses == 1) {
      if (Response gone = DestroySecret(name, *hmac); gone.is_error) {
        return gone;
      }
    } else if (uses > 1) {
      e["secret_id_num_uses"] = uses - 1;
      e["last_updated_time"] = core_.clock().NowSeconds();
      if (Expected<void> put = core_.barrier().Put(key, e.dump()); !put) {
        return Response::FromError(put.error());
      }
    }
    for (const auto& [k, v] : e["metadata"].items()) {
      metadata[k] = v.get<std::string>();
    }
    if (std::vector<std::string> cidrs = e.value("token_bound_cidrs", std::vector<std::string>{});
        !cidrs.empty()) {
      fields.bound_cidrs = cidrs;
    }
    return {};
  }

  Core& core_;
  MountEntry mount_;
  std::mutex mu_;
};

}  // namespace

std::shared_ptr<Backend> MakeApproleBackend(Core& core, const MountEntry& mount) {
  return std::make_shared<ApproleBackend>(core, mount);
}

}  // namespace polcheck::runtime
