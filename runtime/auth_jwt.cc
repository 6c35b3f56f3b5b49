// JWT verification (auth_jwt.h) and the jwt/oidc auth method (RUNTIME-API.md
// §4.4, SEMANTICS.md §9.6). Keys come from jwt_validation_pubkeys only:
// jwks_url and oidc_discovery_url would fetch keys over the network, which this
// runtime does not do (config answers 400 saying so).
#include "runtime/auth_jwt.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "runtime/auth_common.h"
#include "runtime/crypto.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey LoadPublicKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  if (!bio) {
    return nullptr;
  }
  if (EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) {
    return Pkey(key);
  }
  BIO_reset(bio.get());
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                   X509_free);
  return cert ? Pkey(X509_get_pubkey(cert.get())) : nullptr;
}

const EVP_MD* DigestFor(const std::string& alg) {
  if (alg.ends_with("256")) {
    return EVP_sha256();
  }
  if (alg.ends_with("384")) {
    return EVP_sha384();
  }
  if (alg.ends_with("512")) {
    return EVP_sha512();
  }
  return nullptr;
}

// JOSE ECDSA signatures are r||s; OpenSSL wants DER.
std::optional<std::string> EcdsaToDer(const std::string& raw) {
  if (raw.empty() || raw.size() % 2 != 0) {
    return std::nullopt;
  }
  const int half = static_cast<int>(raw.size() / 2);
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes, half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, half, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool KeyFits(const std::string& alg, EVP_PKEY* key) {
  const int id = EVP_PKEY_base_id(key);
  if (alg.starts_with("RS") || alg.starts_with("PS")) {
    return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
  }
  if (alg.starts_with("ES")) {
    return id == EVP_PKEY_EC;
  }
  return alg == "EdDSA" && (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448);
}

bool Verify(const Jwt& jwt, EVP_PKEY* key) {
  if (!KeyFits(jwt.alg, key)) {
    return false;
  }
  std::string signature = jwt.signature;
  if (jwt.alg.starts_with("ES")) {
    std::optional<std::string> der = EcdsaToDer(jwt.signature);
    if (!der) {
      return false;
    }
    signature = *der;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = jwt.alg == "EdDSA" ? nullptr : DigestFor(jwt.alg);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) != 1) {
    return false;
  }
  if (jwt.alg.starts_with("PS") && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
                          jwt.signing_input.size()) == 1;
}

}  // namespace

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string b64(text);
  std::replace(b64.begin(), b64.end(), '-', '+');
  std::replace(b64.begin(), b64.end(), '_', '/');
  while (b64.size() % 4 != 0) {
    b64.push_back('=');
  }
  return crypto::FromBase64(b64);
}

std::optional<Jwt> ParseJwt(const std::string& token, std::string& error) {
  const std::size_t first = token.find('.');
  const std::size_t second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
    error = "malformed token: expected three dot-separated segments";
    return std::nullopt;
  }
  std::optional<std::string> header = FromBase64Url(token.substr(0, first));
  std::optional<std::string> claims = FromBase64Url(token.substr(first + 1, second - first - 1));
  std::optional<std::string> signature = FromBase64Url(token.substr(second + 1));
  if (!header || !claims || !signature) {
    error = "malformed token: bad base64url segment";
    return std::nullopt;
  }
  const json h = json::parse(*header, nullptr, false);
  const json c = json::parse(*claims, nullptr, false);
  if (!h.is_object() || !c.is_object() || !h.contains("alg") || !h["alg"].is_string()) {
    error = "malformed token: header and payload must be JSON objects with an \"alg\"";
    return std::nullopt;
  }
  return Jwt{.alg = h["alg"].get<std::string>(),
             .header_json = *header,
             .claims_json = *claims,
             .signing_input = token.substr(0, second),
             .signature = *signature};
}

std::string VerifyJwt(const Jwt& jwt, const std::vector<std::string>& pem_keys,
                      const std::vector<std::string>& allowed_algs) {
  if (jwt.alg == "none") {
    return "unsigned tokens are not accepted";
  }
  if (!allowed_algs.empty() &&
      std::find(allowed_algs.begin(), allowed_algs.end(), jwt.alg) == allowed_algs.end()) {
    return "unsupported signing algorithm \"" + jwt.alg + "\"";
  }
  for (const std::string& pem : pem_keys) {
    Pkey key = LoadPublicKey(pem);
    if (key && Verify(jwt, key.get())) {
      return "";
    }
  }
  return "no known key successfully validated the token signature";
}

std::string CheckPublicKey(const std::string& pem) {
  return LoadPublicKey(pem) ? "" : "error parsing public key";
}

// ---- the jwt/oidc auth method --------------------------------------------------------------

namespace {

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate;
}

const std::vector<std::string> kAllAlgs = {"RS256", "RS384", "RS512", "ES256", "ES384",
                                           "ES512", "PS256", "PS384", "PS512", "EdDSA"};

// A claim by name or, for keys starting with '/', by JSON pointer.
const json* Claim(const json& claims, const std::string& key) {
  if (key.starts_with("/")) {
    try {
      const json& v = claims.at(json::json_pointer(key));
      return &v;
    } catch (const json::exception&) {
      return nullptr;
    }
  }
  auto it = claims.find(key);
  return it == claims.end() ? nullptr : &*it;
}

std::vector<std::string> Strings(const json& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const json& e : v) {
      if (e.is_string()) {
        out.push_back(e.get<std::string>());
      }
    }
  }
  return out;
}

std::string Scalar(const json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_number_integer() || v.is_boolean()) {
    return v.dump();
  }
  if (v.is_number()) {
    const double d = v.get<double>();
    return d == std::floor(d) ? std::to_string(static_cast<long long>(d)) : v.dump();
  }
  return "";
}

std::int64_t Leeway(const json& role, const char* key, std::int64_t fallback) {
  const std::int64_t v = role.value(key, std::int64_t{0});
  return v == 0 ? fallback : v < 0 ? 0 : v;
}

class JwtBackend final : public Backend {
 public:
  JwtBackend(Core& core, MountEntry mount) : core_(core), mount_(std::move(mount)) {}
  std::string type() const override { return mount_.type; }
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
    Expected<std::optional<json>> role = Load("role/" + path.substr(5));
    return role && role->has_value();
  }

  Response Handle(const LogicalRequest& req) override {
    const std::string& p = req.path;
    if (p == "config") {
      return req.operation == Operation::kRead ? ReadConfig()
             : IsWrite(req.operation)          ? WriteConfig(req)
                                               : Response::UnsupportedOperation();
    }
    if (p == "login") {
      return IsWrite(req.operation) ? LoginJwt(req) : Response::UnsupportedOperation();
    }
    if (p == "role" || p == "role/") {
      return req.operation == Operation::kList ? ListRoles() : Response::UnsupportedOperation();
    }
    if (p.starts_with("role/") && p.find('/', 5) == std::string::npos) {
      return Role(req, p.substr(5));
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
    const std::vector<std::string> keys = StringList(d, "jwt_validation_pubkeys");
    const bool jwks = !d.value("jwks_url", "").empty();
    const bool discovery = !d.value("oidc_discovery_url", "").empty();
    if (static_cast<int>(!keys.empty()) + static_cast<int>(jwks) + static_cast<int>(discovery) != 1) {
      return Response::Error(
          400, "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
    }
    if (jwks || discovery) {
      return Response::Error(400,
                             "polcheck's runtime verifies with jwt_validation_pubkeys only; it fetches no "
                             "keys over the network");
    }
    for (const std::string& pem : keys) {
      if (std::string bad = CheckPublicKey(pem); !bad.empty()) {
        return Response::Error(400, bad);
      }
    }
    std::vector<std::string> algs = StringList(d, "jwt_supported_algs");
    for (const std::string& alg : algs) {
      if (std::find(kAllAlgs.begin(), kAllAlgs.end(), alg) == kAllAlgs.end()) {
        return Response::Error(400, "invalid jwt_supported_algs: " + alg);
      }
    }
    json config = {{"jwt_validation_pubkeys", keys},
                   {"jwt_supported_algs", algs},
                   {"bound_issuer", d.value("bound_issuer", "")},
                   {"default_role", d.value("default_role", "")},
                   {"jwks_url", ""},
                   {"jwks_ca_pem", ""},
                   {"oidc_discovery_url", ""},
                   {"oidc_discovery_ca_pem", ""},
                   {"oidc_client_id", ""},
                   {"oidc_response_mode", ""},
                   {"oidc_response_types", json::array()},
                   {"provider_config", json::object()},
                   {"namespace_in_state", true}};
    return Store("config", config);
  }

  Response ReadConfig() {
    Expected<std::optional<json>> config = Load("config");
    if (!config) {
      return Response::FromError(config.error());
    }
    return *config ? Response::Data(**config) : Response::NotFound();
  }

  Response ListRoles() {
    Expected<std::vector<std::string>> keys = core_.barrier().List(mount_.StoragePrefix() + "role/");
    if (!keys) {
      return Response::FromError(keys.error());
    }
    return keys->empty() ? Response::NotFound() : Response::Data({{"keys", *keys}});
  }

  Response Role(const LogicalRequest& req, const std::string& raw_name) {
    const std::string name = PolicyStore::NormalizeName(raw_name);
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
    return IsWrite(req.operation) ? WriteRole(req, name, *role) : Response::UnsupportedOperation();
  }

  Response WriteRole(const LogicalRequest& req, const std::string& name, std::optional<json> existing) {
    const json& d = *req.data;
    json role = existing ? *existing
                         : json{{"role_type", "oidc"},
                                {"user_claim", ""},
                                {"user_claim_json_pointer", false},
                                {"bound_audiences", json::array()},
                                {"bound_subject", ""},
                                {"bound_claims", nullptr},
                                {"bound_claims_type", "string"},
                                {"groups_claim", ""},
                                {"claim_mappings", nullptr},
                                {"clock_skew_leeway", 0},
                                {"expiration_leeway", 0},
                                {"not_before_leeway", 0},
                                {"allowed_redirect_uris", json::array()},
                                {"fields", json::object()}};
    for (const char* key :
         {"role_type", "user_claim", "bound_subject", "bound_claims_type", "groups_claim"}) {
      if (d.contains(key) && d[key].is_string()) {
        role[key] = d[key];
      }
    }
    for (const char* key : {"bound_audiences", "allowed_redirect_uris"}) {
      if (d.contains(key)) {
        role[key] = StringList(d, key);
      }
    }
    for (const char* key : {"bound_claims", "claim_mappings"}) {
      if (d.contains(key)) {
        if (!d[key].is_object()) {
          return Response::Error(400, std::string(key) + " must be a map");
        }
        role[key] = d[key];
      }
    }
    if (d.contains("user_claim_json_pointer")) {
      role["user_claim_json_pointer"] = d.value("user_claim_json_pointer", false);
    }
    std::string error;
    for (const char* key : {"clock_skew_leeway", "expiration_leeway", "not_before_leeway"}) {
      if (std::optional<std::int64_t> v = DurationSeconds(d, key, error)) {
        role[key] = *v;
      }
    }
    if (!error.empty()) {
      return Response::Error(400, error);
    }
    TokenFields fields = LoadTokenFields(role["fields"]);
    if (std::string bad = ParseTokenFields(d, fields); !bad.empty()) {
      return Response::Error(400, bad);
    }
    role["fields"] = StoreTokenFields(fields);
    const std::string type = role["role_type"];
    if (type != "jwt" && type != "oidc") {
      return Response::Error(400, "invalid 'role_type': " + type);
    }
    if (role["user_claim"].get<std::string>().empty()) {
      return Response::Error(400, "a user claim must be defined on the role");
    }
    if (type == "oidc" && role["allowed_redirect_uris"].empty()) {
      return Response::Error(400,
                             "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    }
    const std::string claims_type = role["bound_claims_type"];
    if (claims_type != "string" && claims_type != "glob") {
      return Response::Error(400, "invalid 'bound_claims_type': " + claims_type);
    }
    if (type == "jwt" && role["bound_audiences"].empty() &&
        role["bound_subject"].get<std::string>().empty() &&
        (role["bound_claims"].is_null() || role["bound_claims"].empty()) && fields.bound_cidrs.empty()) {
      return Response::Error(400, "must have at least one bound constraint when creating/updating a role");
    }
    return Store("role/" + name, role);
  }

  // ---- login ----

  std::string ValidateTimes(const json& claims, const json& role) {
    const std::int64_t now = core_.clock().NowSeconds();
    const std::int64_t skew = Leeway(role, "clock_skew_leeway", 60);
    auto number = [&](const char* key) -> std::optional<std::int64_t> {
      const json* v = Claim(claims, key);
      return v != nullptr && v->is_number() ? std::optional<std::int64_t>(v->get<std::int64_t>())
                                            : std::nullopt;
    };
    if (std::optional<std::int64_t> exp = number("exp");
        exp && now > *exp + skew + Leeway(role, "expiration_leeway", 150)) {
      return "token is expired (exp)";
    }
    if (std::optional<std::int64_t> nbf = number("nbf");
        nbf && now < *nbf - skew - Leeway(role, "not_before_leeway", 150)) {
      return "token not yet valid (nbf)";
    }
    if (std::optional<std::int64_t> iat = number("iat"); iat && now < *iat - skew) {
      return "token issued in the future (iat)";
    }
    return "";
  }

  std::string ValidateBoundClaims(const json& claims, const json& role) {
    if (!role["bound_claims"].is_object()) {
      return "";
    }
    const bool glob = role["bound_claims_type"] == "glob";
    for (const auto& [key, expected] : role["bound_claims"].items()) {
      const json* received = Claim(claims, key);
      if (received == nullptr) {
        return "claim \"" + key + "\" is missing";
      }
      std::vector<std::string> got = Strings(*received);
      if (got.empty() && !received->is_array()) {
        got.push_back(Scalar(*received));
      }
      const std::vector<std::string> want = Strings(expected);
      const bool match = std::any_of(want.begin(), want.end(), [&](const std::string& w) {
        return std::any_of(got.begin(), got.end(),
                           [&](const std::string& g) { return glob ? GlobMatch(w, g) : w == g; });
      });
      if (!match) {
        return "claim \"" + key + "\" does not match any associated bound claim values";
      }
    }
    return "";
  }

  Response LoginJwt(const LogicalRequest& req) {
    Expected<std::optional<json>> config = Load("config");
    if (!config) {
      return Response::FromError(config.error());
    }
    if (!*config) {
      return Response::Error(400, "could not load configuration");
    }
    std::string role_name = req.data->value("role", "");
    if (role_name.empty()) {
      role_name = (**config).value("default_role", "");
    }
    if (role_name.empty()) {
      return Response::Error(400, "missing role");
    }
    role_name = PolicyStore::NormalizeName(role_name);
    Expected<std::optional<json>> loaded = Load("role/" + role_name);
    if (!loaded) {
      return Response::FromError(loaded.error());
    }
    if (!*loaded) {
      return Response::Error(400, "role \"" + role_name + "\" could not be found");
    }
    const json& role = **loaded;
    if (role["role_type"] == "oidc") {
      return Response::Error(400, "role with oidc role_type is not allowed");
    }
    const std::string token = req.data->value("jwt", "");
    if (token.empty()) {
      return Response::Error(400, "missing token");
    }
    TokenFields fields = LoadTokenFields(role["fields"]);
    if (!CidrAllows(fields.bound_cidrs, req.remote_address)) {
      return Response::Error(403, "permission denied");
    }
    std::string error;
    std::optional<Jwt> jwt = ParseJwt(token, error);
    if (!jwt) {
      return Response::Error(400, "error validating token: " + error);
    }
    std::vector<std::string> algs = (**config).value("jwt_supported_algs", std::vector<std::string>{});
    if (std::string bad =
            VerifyJwt(*jwt, (**config).value("jwt_validation_pubkeys", std::vector<std::string>{}),
                      algs.empty() ? kAllAlgs : algs);
        !bad.empty()) {
      return Response::Error(400, "error validating token: " + bad);
    }
    const json claims = json::parse(jwt->claims_json);
    if (std::optional<Response> bad = ValidateStandardClaims(claims, role, **config)) {
      return *bad;
    }
    if (std::string bad = ValidateBoundClaims(claims, role); !bad.empty()) {
      return Response::Error(400, "error validating claims: " + bad);
    }
    return Issue(req, role_name, role, claims, std::move(fields));
  }

  std::optional<Response> ValidateStandardClaims(const json& claims, const json& role, const json& config) {
    if (std::string bad = ValidateTimes(claims, role); !bad.empty()) {
      return Response::Error(400, "error validating token: " + bad);
    }
    const std::string issuer = config.value("bound_issuer", "");
    if (!issuer.empty() && claims.value("iss", "") != issuer) {
      return Response::Error(400, "error validating token: invalid issuer (iss) claim");
    }
    const std::string subject = role.value("bound_subject", "");
    if (!subject.empty() && claims.value("sub", "") != subject) {
      return Response::Error(400, "error validating token: invalid subject (sub) claim");
    }
    const std::vector<std::string> audiences = role.value("bound_audiences", std::vector<std::string>{});
    const std::vector<std::string> aud =
        claims.contains("aud") ? Strings(claims["aud"]) : std::vector<std::string>{};
    if (audiences.empty() && !aud.empty()) {
      return Response::Error(400, "audience claim found in JWT but no audiences bound to the role");
    }
    if (!audiences.empty() && std::none_of(audiences.begin(), audiences.end(), [&](const std::string& a) {
          return std::find(aud.begin(), aud.end(), a) != aud.end();
        })) {
      return Response::Error(400,
                             "error validating token: invalid audience (aud) claim: audience claim does not "
                             "match any expected audience");
    }
    return std::nullopt;
  }

  Response Issue(const LogicalRequest& req, const std::string& role_name, const json& role,
                 const json& claims, TokenFields fields) {
    const std::string user_claim = role["user_claim"];
    const json* user = role.value("user_claim_json_pointer", false) || user_claim.starts_with("/")
                           ? Claim(claims, user_claim.starts_with("/") ? user_claim : "/" + user_claim)
                           : Claim(claims, user_claim);
    if (user == nullptr || Scalar(*user).empty()) {
      return Response::Error(400, "claim \"" + user_claim + "\" not found in token");
    }
    std::vector<std::string> groups;
    const std::string groups_claim = role.value("groups_claim", "");
    if (!groups_claim.empty()) {
      const json* g = Claim(claims, groups_claim);
      if (g == nullptr) {
        return Response::Error(400, "\"" + groups_claim + "\" claim not found in token");
      }
      groups = Strings(*g);
      std::erase(groups, "");
    }
    std::map<std::string, std::string> metadata = {{"role", role_name}};
    if (role["claim_mappings"].is_object()) {
      for (const auto& [claim, key] : role["claim_mappings"].items()) {
        const json* v = Claim(claims, claim);
        if (v != nullptr && key.is_string() && !Scalar(*v).empty()) {
          metadata[key.get<std::string>()] = Scalar(*v);
        }
      }
    }
    const std::string alias = Scalar(*user);
    return IssueLogin(core_, mount_, req,
                      {.fields = std::move(fields),
                       .metadata = metadata,
                       .display = alias,
                       .alias_name = alias,
                       .alias_metadata = metadata,
                       .group_alias_names = groups});
  }

  Core& core_;
  MountEntry mount_;
};

}  // namespace

std::shared_ptr<Backend> MakeJwtBackend(Core& core, const MountEntry& mount) {
  return std::make_shared<JwtBackend>(core, mount);
}

}  // namespace polcheck::runtime
