// Kubernetes auth method (RUNTIME-API.md §4.3, SEMANTICS.md §9.2), Vault's
// algorithm: local checks (pem_keys signature, issuer, audience, bound service
// account names/namespaces with globs), then always a TokenReview POST to
// kubernetes_host, over https verified with kubernetes_ca_cert (runtime/https_client.h).
#include <nlohmann/json.hpp>

#include "runtime/auth_common.h"
#include "runtime/auth_jwt.h"
#include "runtime/https_client.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate;
}

// POST <host>/apis/authentication.k8s.io/v1/tokenreviews with the reviewer JWT
// as Bearer; https hosts are verified against kubernetes_ca_cert (the system
// store when empty). A host without a scheme is taken as http://host.
Expected<HttpReply> PostTokenReview(const nlohmann::json& config, const std::string& bearer,
                                    const std::string& body) {
  std::string host = config.value("kubernetes_host", "");
  if (!host.starts_with("https://") && !host.starts_with("http://")) {
    host = "http://" + host;
  }
  while (host.ends_with("/")) {
    host.pop_back();
  }
  return FetchUrl({.method = "POST",
                   .url = host + "/apis/authentication.k8s.io/v1/tokenreviews",
                   .ca_pem = config.value("kubernetes_ca_cert", ""),
                   .bearer = bearer,
                   .content_type = "application/json",
                   .body = body,
                   .timeout = std::chrono::seconds(5)});
}

// The service account a token names: legacy secret-based or projected claims.
struct ServiceAccount {
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::string secret_name;
};

ServiceAccount AccountOf(const json& claims) {
  ServiceAccount sa;
  if (claims.contains("kubernetes.io") && claims["kubernetes.io"].is_object()) {
    const json& k = claims["kubernetes.io"];
    sa.namespace_name = k.value("namespace", "");
    if (k.contains("serviceaccount") && k["serviceaccount"].is_object()) {
      sa.name = k["serviceaccount"].value("name", "");
      sa.uid = k["serviceaccount"].value("uid", "");
    }
    return sa;
  }
  sa.namespace_name = claims.value("kubernetes.io/serviceaccount/namespace", "");
  sa.name = claims.value("kubernetes.io/serviceaccount/service-account.name", "");
  sa.uid = claims.value("kubernetes.io/serviceaccount/service-account.uid", "");
  sa.secret_name = claims.value("kubernetes.io/serviceaccount/secret.name", "");
  return sa;
}

bool Bound(const std::vector<std::string>& patterns, const std::string& value) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return p == "*" || GlobMatch(p, value); });
}

class KubernetesBackend final : public Backend {
 public:
  KubernetesBackend(Core& core, MountEntry mount) : core_(core), mount_(std::move(mount)) {}
  std::string type() const override { return "kubernetes"; }
  bool Unauthenticated(const std::string& path) const override { return path == "login"; }

  RenewCheck ValidateRenew(const TokenEntry& token) override {
    auto name = token.meta.find("role");
    const std::string role_name = name == token.meta.end() ? "" : name->second;
    Expected<std::optional<json>> role = Load("role/" + role_name);
    if (!role) {
      return {.renew = false, .error = role.error().message};
    }
    return CheckRenewal(role->has_value(), role_name,
                        *role ? LoadTokenFields((**role)["fields"]) : TokenFields{}, token,
                        "policies do not match");
  }
  std::optional<bool> Exists(const std::string& path) override {
    if (!path.starts_with("role/") || path.size() == 5) {
      return std::nullopt;
    }
    Expected<std::optional<json>> role = Load("role/" + PolicyStore::NormalizeName(path.substr(5)));
    return role && role->has_value();
  }

  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 6> kConfig = {{{"kubernetes_host", FieldKind::kString},
                                                      {"kubernetes_ca_cert", FieldKind::kString},
                                                      {"token_reviewer_jwt", FieldKind::kString},
                                                      {"issuer", FieldKind::kString},
                                                      {"disable_local_ca_jwt", FieldKind::kBool},
                                                      {"disable_iss_validation", FieldKind::kBool}}};
    static constexpr auto kRole = WithTokenFields(std::array<Field, 3>{{{"audience", FieldKind::kString},
                                                                        {"alias_name_source", FieldKind::kString},
                                                                        {"bound_service_account_namespace_selector",
                                                                         FieldKind::kString}}});
    static constexpr std::array<Field, 2> kLogin = {{{"role", FieldKind::kString}, {"jwt", FieldKind::kString}}};
    if (path == "config") {
      return kConfig;
    }
    if (path == "login") {
      return kLogin;
    }
    return path.starts_with("role/") ? FieldList(kRole) : FieldList();
  }

  Response Handle(const LogicalRequest& req) override {
    const std::string& p = req.path;
    if (p == "config") {
      return req.operation == Operation::kRead ? ReadConfig()
             : IsWrite(req.operation)          ? WriteConfig(req)
                                               : Response::UnsupportedOperation();
    }
    if (p == "login") {
      return IsWrite(req.operation) ? LoginSa(req) : Response::UnsupportedOperation();
    }
    if (p == "role" || p == "role/") {
      if (req.operation != Operation::kList) {
        return Response::UnsupportedOperation();
      }
      Expected<std::vector<std::string>> keys = core_.barrier().List(mount_.StoragePrefix() + "role/");
      if (!keys) {
        return Response::FromError(keys.error());
      }
      return keys->empty() ? Response::NotFound() : Response::Data({{"keys", *keys}});
    }
    if (p.starts_with("role/") && p.find('/', 5) == std::string::npos) {
      return Role(req, PolicyStore::NormalizeName(p.substr(5)));
    }
    return Response::UnsupportedPath();
  }

 private:
  Expected<std::optional<json>> Load(const std::string& key) {
    return LoadJson(core_.barrier(), mount_.StoragePrefix() + key);
  }
  Response Store(const std::string& key, const json& value) {
    return StoreJson(core_.barrier(), mount_.StoragePrefix() + key, value);
  }

  Response WriteConfig(const LogicalRequest& req) {
    const json& d = *req.data;
    const std::string host = d.value("kubernetes_host", "");
    if (host.empty()) {
      return Response::Error(400, "no host provided");
    }
    std::vector<std::string> pem_keys = StringList(d, "pem_keys");
    for (const std::string& pem : pem_keys) {
      if (std::string bad = CheckPublicKey(pem); !bad.empty()) {
        return Response::Error(400, bad);
      }
    }
    json config = {{"kubernetes_host", host},
                   {"kubernetes_ca_cert", d.value("kubernetes_ca_cert", "")},
                   {"token_reviewer_jwt", d.value("token_reviewer_jwt", "")},
                   {"pem_keys", pem_keys},
                   {"disable_local_ca_jwt", d.value("disable_local_ca_jwt", false)},
                   {"issuer", d.value("issuer", "")},
                   {"disable_iss_validation", d.value("disable_iss_validation", true)}};
    return Store("config", config);
  }

  Response ReadConfig() {
    Expected<std::optional<json>> config = Load("config");
    if (!config) {
      return Response::FromError(config.error());
    }
    if (!*config) {
      return Response::NotFound();
    }
    json out = **config;
    out.erase("token_reviewer_jwt");  // never returned
    return Response::Data(out);
  }

  Response Role(const LogicalRequest& req, const std::string& name) {
    Expected<std::optional<json>> role = Load("role/" + name);
    if (!role) {
      return Response::FromError(role.error());
    }
    if (req.operation == Operation::kRead) {
      if (!*role) {
        return Response::NotFound();
      }
      json out = **role;
      out.erase("fields");
      out.update(TokenFieldsJson(LoadTokenFields((**role)["fields"])));
      return Response::Data(out);
    }
    if (req.operation == Operation::kDelete) {
      Expected<void> gone = core_.barrier().Delete(mount_.StoragePrefix() + "role/" + name);
      return gone ? Response::NoContent() : Response::FromError(gone.error());
    }
    if (!IsWrite(req.operation)) {
      return Response::UnsupportedOperation();
    }
    const json& d = *req.data;
    json r = role->value_or(json{{"bound_service_account_names", json::array()},
                                 {"bound_service_account_namespaces", json::array()},
                                 {"bound_service_account_namespace_selector", ""},
                                 {"audience", ""},
                                 {"alias_name_source", "serviceaccount_uid"},
                                 {"fields", json::object()}});
    for (const char* key : {"bound_service_account_names", "bound_service_account_namespaces"}) {
      if (d.contains(key)) {
        r[key] = StringList(d, key);
      }
    }
    for (const char* key : {"bound_service_account_namespace_selector", "audience", "alias_name_source"}) {
      if (d.contains(key) && d[key].is_string()) {
        r[key] = d[key];
      }
    }
    if (!r["bound_service_account_namespace_selector"].get<std::string>().empty()) {
      return Response::Error(
          400, "bound_service_account_namespace_selector is not supported by polcheck's runtime");
    }
    TokenFields fields = LoadTokenFields(r["fields"]);
    if (std::string bad = ParseTokenFields(d, fields); !bad.empty()) {
      return Response::Error(400, bad);
    }
    r["fields"] = StoreTokenFields(fields);
    if (r["bound_service_account_names"].empty()) {
      return Response::Error(400, "\"bound_service_account_names\" can not be empty");
    }
    if (r["bound_service_account_namespaces"].empty()) {
      return Response::Error(400, "\"bound_service_account_namespaces\" can not be empty");
    }
    for (const char* key : {"bound_service_account_names", "bound_service_account_namespaces"}) {
      const std::vector<std::string> list = r[key];
      if (list.size() > 1 && std::find(list.begin(), list.end(), "*") != list.end()) {
        return Response::Error(400, "can not mix \"*\" with values");
      }
    }
    const std::string source = r["alias_name_source"];
    if (source != "serviceaccount_uid" && source != "serviceaccount_name") {
      return Response::Error(400, "invalid alias_name_source: " + source);
    }
    return Store("role/" + name, r);
  }

  Response LoginSa(const LogicalRequest& req) {
    const std::string role_name = PolicyStore::NormalizeName(req.data->value("role", ""));
    if (role_name.empty()) {
      return Response::Error(400, "missing role");
    }
    const std::string token = req.data->value("jwt", "");
    if (token.empty()) {
      return Response::Error(400, "missing jwt");
    }
    Expected<std::optional<json>> config = Load("config");
    Expected<std::optional<json>> role = config ? Load("role/" + role_name) : config;
    if (!role) {
      return Response::FromError(role.error());
    }
    if (!*config) {
      return Response::Error(400, "could not load backend configuration");
    }
    if (!*role) {
      return Response::Error(400, "invalid role name \"" + role_name + "\"");
    }
    const json& c = **config;
    const json& r = **role;
    TokenFields fields = LoadTokenFields(r["fields"]);
    if (!CidrAllows(fields.bound_cidrs, req.remote_address)) {
      return Response::Error(403, "permission denied");
    }
    std::string error;
    std::optional<Jwt> jwt = ParseJwt(token, error);
    if (!jwt) {
      return Response::Error(403, "permission denied");
    }
    const std::vector<std::string> pem_keys = c.value("pem_keys", std::vector<std::string>{});
    if (!pem_keys.empty() && !VerifyJwt(*jwt, pem_keys, {}).empty()) {
      return Response::Error(403, "permission denied");
    }
    const json claims = json::parse(jwt->claims_json);
    if (!c.value("disable_iss_validation", true)) {
      const std::string issuer =
          c.value("issuer", "").empty() ? "kubernetes/serviceaccount" : c.value("issuer", "");
      if (claims.value("iss", "") != issuer) {
        return Response::Error(403, "permission denied");
      }
    }
    const std::string audience = r.value("audience", "");
    std::vector<std::string> aud;
    if (claims.contains("aud")) {
      aud = claims["aud"].is_array() ? claims["aud"].get<std::vector<std::string>>()
                                     : std::vector<std::string>{claims.value("aud", "")};
    }
    if (!audience.empty() && std::find(aud.begin(), aud.end(), audience) == aud.end()) {
      return Response::Error(403, "permission denied");
    }
    const ServiceAccount sa = AccountOf(claims);
    if (!Bound(r["bound_service_account_names"], sa.name)) {
      return Response::Error(403, "service account name not authorized");
    }
    if (!Bound(r["bound_service_account_namespaces"], sa.namespace_name)) {
      return Response::Error(403, "namespace not authorized");
    }
    if (Response review = Review(c, token, audience.empty() ? aud : std::vector<std::string>{audience}, sa);
        review.is_error) {
      return review;
    }
    const std::map<std::string, std::string> metadata = {{"role", role_name},
                                                         {"service_account_name", sa.name},
                                                         {"service_account_namespace", sa.namespace_name},
                                                         {"service_account_uid", sa.uid},
                                                         {"service_account_secret_name", sa.secret_name}};
    const std::string alias = r.value("alias_name_source", "serviceaccount_uid") == "serviceaccount_name"
                                  ? sa.namespace_name + "/" + sa.name
                                  : sa.uid;
    std::map<std::string, std::string> alias_metadata = metadata;
    alias_metadata.erase("role");
    return IssueLogin(core_, mount_, req,
                      {.fields = std::move(fields),
                       .metadata = metadata,
                       .display = sa.namespace_name + "-" + sa.name,
                       .alias_name = alias,
                       .alias_metadata = alias_metadata});
  }

  // The TokenReview call every login makes; 403 unless the API server vouches for the same account.
  Response Review(const json& config, const std::string& token, const std::vector<std::string>& audiences,
                  const ServiceAccount& sa) {
    const std::string reviewer =
        config.value("token_reviewer_jwt", "").empty() ? token : config.value("token_reviewer_jwt", "");
    const json body = {{"apiVersion", "authentication.k8s.io/v1"},
                       {"kind", "TokenReview"},
                       {"spec", {{"token", token}, {"audiences", audiences}}}};
    // Vault logs a failed call (bad CA, refused connection) and answers permission denied.
    Expected<HttpReply> reply = PostTokenReview(config, reviewer, body.dump());
    if (!reply) {
      return Response::Error(403, "permission denied");
    }
    const json review = json::parse(reply->body, nullptr, false);
    if (reply->status != 200 && reply->status != 201) {
      return Response::Error(403, "permission denied");
    }
    if (!review.is_object() || !review.contains("status") ||
        !review["status"].value("authenticated", false)) {
      return Response::Error(403, "permission denied");
    }
    const json user = review["status"].value("user", json::object());
    if (user.value("username", "") != "system:serviceaccount:" + sa.namespace_name + ":" + sa.name) {
      return Response::Error(403, "JWT names did not match");
    }
    if (user.value("uid", "") != sa.uid) {
      return Response::Error(403, "JWT UIDs did not match");
    }
    return {};
  }

  Core& core_;
  MountEntry mount_;
};

}  // namespace

std::shared_ptr<Backend> MakeKubernetesBackend(Core& core, const MountEntry& mount) {
  return std::make_shared<KubernetesBackend>(core, mount);
}

}  // namespace polcheck::runtime
