// JWT verification (auth_jwt.h) and the jwt/oidc auth method (RUNTIME-API.md
// §4.4, SEMANTICS.md §9.6). Keys come from jwt_validation_pubkeys, or from a
// JWKS fetched over http(s) (jwks_url, jwks_pairs, or the jwks_uri of the
// OpenID configuration at oidc_discovery_url), cached per mount and fetched
// again when no cached key verifies a token, as go-oidc's RemoteKeySet does.
#include "runtime/auth_jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "runtime/auth_common.h"
#include "runtime/crypto.h"
#include "runtime/https_client.h"
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

// ---- JSON Web Keys (RFC 7517/7518/8037) -> OpenSSL keys ----

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

// A base64url member of a JWK, decoded; nullopt when missing or malformed.
std::optional<std::string> JwkBytes(const json& jwk, const char* member) {
  if (!jwk.contains(member) || !jwk[member].is_string()) {
    return std::nullopt;
  }
  std::optional<std::string> bytes = FromBase64Url(jwk[member].get<std::string>());
  if (!bytes || bytes->empty()) {
    return std::nullopt;
  }
  return bytes;
}

Pkey FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return Pkey(key);
}

Pkey RsaJwk(const json& jwk, std::string& error) {
  std::optional<std::string> n = JwkBytes(jwk, "n");
  std::optional<std::string> e = JwkBytes(jwk, "e");
  if (!n || !e) {
    error = "RSA key without valid \"n\" and \"e\"";
    return nullptr;
  }
  Bn modulus(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
  Bn exponent(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!modulus || !exponent || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    error = "RSA key cannot be built";
    return nullptr;
  }
  Pkey key = FromParams("RSA", bld.get());
  if (!key) {
    error = "RSA key cannot be built";
  }
  return key;
}

Pkey EcJwk(const json& jwk, std::string& error) {
  const std::string crv = jwk.value("crv", "");
  const std::size_t size = crv == "P-256" ? 32 : crv == "P-384" ? 48 : crv == "P-521" ? 66 : 0;
  if (size == 0) {
    error = "unsupported EC curve \"" + crv + "\"";
    return nullptr;
  }
  std::optional<std::string> x = JwkBytes(jwk, "x");
  std::optional<std::string> y = JwkBytes(jwk, "y");
  if (!x || !y || x->size() > size || y->size() > size) {
    error = "EC key without valid \"x\" and \"y\"";
    return nullptr;
  }
  // Uncompressed point: 04 || X || Y, each left-padded to the field size.
  std::string point =
      "\x04" + std::string(size - x->size(), '\0') + *x + std::string(size - y->size(), '\0') + *y;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, crv.c_str(), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    error = "EC key cannot be built";
    return nullptr;
  }
  Pkey key = FromParams("EC", bld.get());
  if (!key) {
    error = "EC key is not a point on " + crv;
  }
  return key;
}

Pkey OkpJwk(const json& jwk, std::string& error) {
  if (jwk.value("crv", "") != "Ed25519") {
    error = "unsupported OKP curve \"" + jwk.value("crv", "") + "\"";
    return nullptr;
  }
  std::optional<std::string> x = JwkBytes(jwk, "x");
  if (!x || x->size() != 32) {
    error = "Ed25519 key without a valid \"x\"";
    return nullptr;
  }
  return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char*>(x->data()), x->size()));
}

// The public key of one JWK; null and `error` for another key type or bad members.
Pkey JwkKey(const json& jwk, std::string& error) {
  const std::string kty = jwk.is_object() ? jwk.value("kty", "") : "";
  if (kty == "RSA") {
    return RsaJwk(jwk, error);
  }
  if (kty == "EC") {
    return EcJwk(jwk, error);
  }
  if (kty == "OKP") {
    return OkpJwk(jwk, error);
  }
  error = "unsupported key type \"" + kty + "\"";
  return nullptr;
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

// Vault's getClaim turns a float claim into a json.Number: integral values as
// integers ("1", never "1.0"); bound claims compare numbers by that text.
std::string NumberText(const json& v) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == std::floor(d) && std::abs(d) < 9.2e18) {
      return std::to_string(static_cast<long long>(d));
    }
  }
  return v.dump();
}

// normalizeList (claims.go): a list as is, one string/bool/number as a list of it.
std::optional<std::vector<json>> ClaimList(const json& v) {
  if (v.is_array()) {
    return std::vector<json>(v.begin(), v.end());
  }
  if (v.is_string() || v.is_boolean() || v.is_number()) {
    return std::vector<json>{v};
  }
  return std::nullopt;
}

// matchFound's equality: Go interface values, so the JSON types must agree
// (the claim 1 never equals the bound value "1", nor true "true").
bool SameClaimValue(const json& want, const json& got) {
  if (want.is_string() && got.is_string()) {
    return want.get_ref<const std::string&>() == got.get_ref<const std::string&>();
  }
  if (want.is_boolean() && got.is_boolean()) {
    return want.get<bool>() == got.get<bool>();
  }
  return want.is_number() && got.is_number() && NumberText(want) == NumberText(got);
}

std::int64_t Leeway(const json& role, const char* key, std::int64_t fallback) {
  const std::int64_t v = role.value(key, std::int64_t{0});
  return v == 0 ? fallback : v < 0 ? 0 : v;
}

// Where a JWKS comes from: jwks_url, one of jwks_pairs, or a discovered jwks_uri.
struct KeySource {
  std::string url;
  std::string ca_pem;
};

struct RemoteKey {
  std::string kid;
  std::shared_ptr<EVP_PKEY> key;
};

// go-oidc's keysFromRemote: GET the JWKS and decode its keys. Keys of other
// types (symmetric "oct", unknown curves) are left out; a set with no usable key fails.
Expected<std::vector<RemoteKey>> FetchJwks(const KeySource& source) {
  Expected<HttpReply> reply = FetchUrl({.url = source.url, .ca_pem = source.ca_pem});
  if (!reply) {
    return Unexpected(Error::Code::kIo, "oidc: get keys failed " + reply.error().message);  // sic: go-oidc
  }
  if (reply->status != 200) {
    return Unexpected(Error::Code::kIo,
                      "oidc: get keys failed: " + reply->status_text + " " + reply->body.substr(0, 200));
  }
  const json set = json::parse(reply->body, nullptr, false);
  if (!set.is_object() || !set.contains("keys") || !set["keys"].is_array()) {
    return Unexpected(Error::Code::kIo,
                      "oidc: failed to decode keys: expected a JSON object with a \"keys\" array");
  }
  std::vector<RemoteKey> keys;
  std::string key_errors;
  for (const json& jwk : set["keys"]) {
    std::string error;
    Pkey key = JwkKey(jwk, error);
    if (!key) {
      key_errors += (key_errors.empty() ? "" : "; ") + error;
      continue;
    }
    const json* kid = jwk.is_object() && jwk.contains("kid") ? &jwk["kid"] : nullptr;
    keys.push_back({kid != nullptr && kid->is_string() ? kid->get<std::string>() : "", std::move(key)});
  }
  if (keys.empty()) {
    return Unexpected(Error::Code::kIo, "oidc: failed to decode keys: no usable key in " + source.url +
                                            (key_errors.empty() ? "" : " (" + key_errors + ")"));
  }
  return keys;
}

// go-oidc's NewProvider: the OpenID configuration of `issuer`, whose "issuer"
// must be exactly `issuer`; returns its jwks_uri.
Expected<std::string> DiscoverJwksUri(const std::string& issuer, const std::string& ca_pem) {
  std::string base = issuer;
  while (base.ends_with("/")) {
    base.pop_back();
  }
  Expected<HttpReply> reply = FetchUrl({.url = base + "/.well-known/openid-configuration", .ca_pem = ca_pem});
  if (!reply) {
    return Unexpected(reply.error());
  }
  if (reply->status != 200) {
    return Unexpected(Error::Code::kIo, reply->status_text + ": " + reply->body.substr(0, 200));
  }
  const json doc = json::parse(reply->body, nullptr, false);
  if (!doc.is_object()) {
    return Unexpected(Error::Code::kIo,
                      "oidc: failed to decode provider discovery object: not a JSON object");
  }
  const json got = doc.value("issuer", json());
  if (!got.is_string() || got.get<std::string>() != issuer) {
    return Unexpected(Error::Code::kIo, "oidc: issuer URL provided to client (\"" + issuer +
                                            "\") did not match the issuer URL returned by provider (" +
                                            (got.is_string() ? got.dump() : "\"\"") + ")");
  }
  const json uri = doc.value("jwks_uri", json());
  if (!uri.is_string() || uri.get<std::string>().empty()) {
    return Unexpected(Error::Code::kIo, "oidc: the discovery document of " + issuer + " has no jwks_uri");
  }
  return uri.get<std::string>();
}

// The string at `key`, "" when absent or not a string.
std::string Text(const json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : "";
}

// jwks_pairs: [{"jwks_url": ..., "jwks_ca_pem": ...}] (objects or JSON strings of them).
std::optional<std::vector<KeySource>> JwksPairs(const json& data, std::string& error) {
  std::vector<KeySource> pairs;
  if (!data.contains("jwks_pairs") || data["jwks_pairs"].is_null()) {
    return pairs;
  }
  const json& list = data["jwks_pairs"];
  if (!list.is_array()) {
    error = "jwks_pairs must be a list of objects with \"jwks_url\" and \"jwks_ca_pem\"";
    return std::nullopt;
  }
  for (const json& item : list) {
    const json pair = item.is_string() ? json::parse(item.get<std::string>(), nullptr, false) : item;
    if (!pair.is_object() || Text(pair, "jwks_url").empty()) {
      error = "each jwks_pairs entry needs a \"jwks_url\"";
      return std::nullopt;
    }
    pairs.push_back({Text(pair, "jwks_url"), Text(pair, "jwks_ca_pem")});
  }
  return pairs;
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

  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 10> kConfig = {{{"namespace_in_state", FieldKind::kBool},
                                                       {"bound_issuer", FieldKind::kString},
                                                       {"default_role", FieldKind::kString},
                                                       {"jwks_url", FieldKind::kString},
                                                       {"jwks_ca_pem", FieldKind::kString},
                                                       {"oidc_discovery_url", FieldKind::kString},
                                                       {"oidc_discovery_ca_pem", FieldKind::kString},
                                                       {"oidc_client_id", FieldKind::kString},
                                                       {"oidc_client_secret", FieldKind::kString},
                                                       {"oidc_response_mode", FieldKind::kString}}};
    static constexpr auto kRole = WithTokenFields(std::array<Field, 6>{{{"user_claim_json_pointer", FieldKind::kBool},
                                                                        {"role_type", FieldKind::kString},
                                                                        {"user_claim", FieldKind::kString},
                                                                        {"bound_subject", FieldKind::kString},
                                                                        {"bound_claims_type", FieldKind::kString},
                                                                        {"groups_claim", FieldKind::kString}}});
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

  // Vault's pathConfigWrite checks, in its order.
  Response WriteConfig(const LogicalRequest& req) {
    const json& d = *req.data;
    const std::vector<std::string> keys = StringList(d, "jwt_validation_pubkeys");
    const std::string jwks_url = Text(d, "jwks_url");
    const std::string discovery_url = Text(d, "oidc_discovery_url");
    const std::string client_id = Text(d, "oidc_client_id");
    const std::string client_secret = Text(d, "oidc_client_secret");
    std::string error;
    std::optional<std::vector<KeySource>> pairs = JwksPairs(d, error);
    if (!pairs) {
      return Response::Error(400, error);
    }
    const int methods = static_cast<int>(!keys.empty()) + static_cast<int>(!jwks_url.empty()) +
                        static_cast<int>(!discovery_url.empty()) + static_cast<int>(!pairs->empty());
    if (methods != 1) {
      return Response::Error(400,
                             "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or "
                             "'oidc_discovery_url' must be set");
    }
    if (client_id.empty() != client_secret.empty()) {
      return Response::Error(400, "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
    }
    if (!client_id.empty() && discovery_url.empty()) {
      return Response::Error(400, "'oidc_discovery_url' must be set for OIDC");
    }
    if (std::optional<Response> bad = CheckKeySources(d, keys, jwks_url, discovery_url, *pairs)) {
      return *bad;
    }
    std::vector<std::string> algs = StringList(d, "jwt_supported_algs");
    for (const std::string& alg : algs) {
      if (std::find(kAllAlgs.begin(), kAllAlgs.end(), alg) == kAllAlgs.end()) {
        return Response::Error(400, "invalid jwt_supported_algs: " + alg);
      }
    }
    json pair_list = json::array();
    for (const KeySource& pair : *pairs) {
      pair_list.push_back({{"jwks_url", pair.url}, {"jwks_ca_pem", pair.ca_pem}});
    }
    json config = {{"jwt_validation_pubkeys", keys},
                   {"jwt_supported_algs", algs},
                   {"bound_issuer", Text(d, "bound_issuer")},
                   {"default_role", Text(d, "default_role")},
                   {"jwks_url", jwks_url},
                   {"jwks_ca_pem", Text(d, "jwks_ca_pem")},
                   {"jwks_pairs", pair_list},
                   {"oidc_discovery_url", discovery_url},
                   {"oidc_discovery_ca_pem", Text(d, "oidc_discovery_ca_pem")},
                   {"oidc_client_id", client_id},
                   {"oidc_client_secret", client_secret},
                   {"oidc_response_mode", Text(d, "oidc_response_mode")},
                   {"oidc_response_types", StringList(d, "oidc_response_types")},
                   {"provider_config", d.contains("provider_config") && d["provider_config"].is_object()
                                           ? d["provider_config"]
                                           : json::object()},
                   {"namespace_in_state", d.value("namespace_in_state", true)}};
    return Store("config", config);
  }

  // Vault fetches what the config names before accepting it; its 400 names the cause.
  std::optional<Response> CheckKeySources(const json& d, const std::vector<std::string>& keys,
                                          const std::string& jwks_url, const std::string& discovery_url,
                                          const std::vector<KeySource>& pairs) {
    static const std::string kBadCa = "could not parse CA PEM value successfully";
    ForgetKeys();
    if (!discovery_url.empty()) {
      const std::string ca = Text(d, "oidc_discovery_ca_pem");
      if (!ca.empty() && !CheckCaPem(ca).empty()) {
        return Response::Error(400, "error checking oidc discovery URL: " + kBadCa);
      }
      Expected<std::string> uri = DiscoverJwksUri(discovery_url, ca);
      if (!uri) {
        return Response::Error(400, "error checking oidc discovery URL: " + uri.error().message);
      }
      std::lock_guard lock(mu_);
      discovered_[discovery_url] = *uri;
      return std::nullopt;
    }
    std::vector<KeySource> sources = pairs;
    if (!jwks_url.empty()) {
      sources.push_back({jwks_url, Text(d, "jwks_ca_pem")});
    }
    for (const KeySource& source : sources) {
      if (!source.ca_pem.empty() && !CheckCaPem(source.ca_pem).empty()) {
        return Response::Error(400, "error checking jwks_ca_pem: " + kBadCa);
      }
      Expected<std::vector<RemoteKey>> fetched = FetchJwks(source);
      if (!fetched) {
        return Response::Error(400, "error checking jwks URL: fetching keys " + fetched.error().message);
      }
      std::lock_guard lock(mu_);
      cached_[source.url] = *std::move(fetched);
    }
    for (const std::string& pem : keys) {
      if (std::string bad = CheckPublicKey(pem); !bad.empty()) {
        return Response::Error(400, bad);
      }
    }
    return std::nullopt;
  }

  void ForgetKeys() {
    std::lock_guard lock(mu_);
    cached_.clear();
    discovered_.clear();
  }

  // The JWKS sources of a stored config; for discovery, the jwks_uri (cached
  // in memory, discovered again after a restart). Error text when discovery fails.
  Expected<std::vector<KeySource>> KeySources(const json& config) {
    std::vector<KeySource> sources;
    const std::string discovery_url = Text(config, "oidc_discovery_url");
    if (!discovery_url.empty()) {
      const std::string ca = Text(config, "oidc_discovery_ca_pem");
      std::optional<std::string> uri;
      {
        std::lock_guard lock(mu_);
        if (auto it = discovered_.find(discovery_url); it != discovered_.end()) {
          uri = it->second;
        }
      }
      if (!uri) {
        Expected<std::string> found = DiscoverJwksUri(discovery_url, ca);
        if (!found) {
          return Unexpected(found.error());
        }
        std::lock_guard lock(mu_);
        uri = discovered_[discovery_url] = *found;
      }
      sources.push_back({*uri, ca});
      return sources;
    }
    if (!Text(config, "jwks_url").empty()) {
      sources.push_back({Text(config, "jwks_url"), Text(config, "jwks_ca_pem")});
    }
    std::string ignored;
    for (const KeySource& pair : JwksPairs(config, ignored).value_or(std::vector<KeySource>{})) {
      sources.push_back(pair);
    }
    return sources;
  }

  // go-oidc's RemoteKeySet.verify over every source: the cached keys whose kid
  // matches (all keys when the token has none), then, when none verified, the
  // keys fetched again (key rotation). "" when verified, else the reason.
  std::string VerifyRemote(const Jwt& jwt, const std::vector<KeySource>& sources,
                           const std::vector<std::string>& allowed_algs) {
    if (jwt.alg == "none") {
      return "unsigned tokens are not accepted";
    }
    if (std::find(allowed_algs.begin(), allowed_algs.end(), jwt.alg) == allowed_algs.end()) {
      return "unsupported signing algorithm \"" + jwt.alg + "\"";
    }
    const json header = json::parse(jwt.header_json, nullptr, false);
    const std::string kid = header.is_object() ? Text(header, "kid") : "";
    auto verifies = [&](const std::vector<RemoteKey>& keys) {
      return std::any_of(keys.begin(), keys.end(), [&](const RemoteKey& k) {
        return (kid.empty() || k.kid == kid) && Verify(jwt, k.key.get());
      });
    };
    for (const KeySource& source : sources) {
      std::vector<RemoteKey> cached;
      {
        std::lock_guard lock(mu_);
        cached = cached_[source.url];
      }
      if (verifies(cached)) {
        return "";
      }
    }
    std::string fetch_error;
    for (const KeySource& source : sources) {
      Expected<std::vector<RemoteKey>> fetched = FetchJwks(source);
      if (!fetched) {
        fetch_error = fetch_error.empty() ? "fetching keys " + fetched.error().message : fetch_error;
        continue;
      }
      {
        std::lock_guard lock(mu_);
        cached_[source.url] = *fetched;
      }
      if (verifies(*fetched)) {
        return "";
      }
    }
    return fetch_error.empty() ? "failed to verify id token signature" : fetch_error;
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
    out.erase("oidc_client_secret");  // never returned
    return Response::Data(out);
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
    // Vault's validateBoundClaims / matchFound (claims.go).
    const bool glob = role["bound_claims_type"] == "glob";
    for (const auto& [key, expected] : role["bound_claims"].items()) {
      const json* received = Claim(claims, key);
      if (received == nullptr || received->is_null()) {
        return "claim \"" + key + "\" is missing";
      }
      const std::optional<std::vector<json>> got = ClaimList(*received);
      if (!got) {
        return "received claim is not a string, bool, int or list: " + received->dump();
      }
      const std::optional<std::vector<json>> want = ClaimList(expected);
      if (!want) {
        return "bound claim is not a string, bool, int or list: " + expected.dump();
      }
      bool match = false;
      for (const json& w : *want) {
        if (glob && !w.is_string()) {
          return "received claim is not a glob string: " + w.dump();
        }
        match = match || std::any_of(got->begin(), got->end(), [&](const json& g) {
                  return glob ? g.is_string() && GlobMatch(w.get<std::string>(), g.get<std::string>())
                              : SameClaimValue(w, g);
                });
      }
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
    if (algs.empty()) {
      algs = kAllAlgs;
    }
    const std::vector<std::string> pem_keys =
        (**config).value("jwt_validation_pubkeys", std::vector<std::string>{});
    std::string signature_error;
    if (!pem_keys.empty()) {
      signature_error = VerifyJwt(*jwt, pem_keys, algs);
    } else {
      Expected<std::vector<KeySource>> sources = KeySources(**config);
      if (!sources) {  // Vault: the validator cannot be built (discovery failed): 500
        return Response::MultiError(500, "error configuring token validator: " + sources.error().message);
      }
      signature_error = VerifyRemote(*jwt, *sources, algs);
    }
    if (!signature_error.empty()) {
      return Response::Error(400,
                             "error validating token: error verifying token signature: " + signature_error);
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
    // Vault's createIdentity: a JSON pointer only with user_claim_json_pointer, else the
    // claim of that exact name; the value must be a string.
    const std::string user_claim = role["user_claim"];
    auto named = claims.find(user_claim);
    const json* user = role.value("user_claim_json_pointer", false) ? Claim(claims, user_claim)
                       : named == claims.end()                      ? nullptr
                                                                    : &*named;
    if (user == nullptr || user->is_null()) {
      return Response::Error(400, "claim \"" + user_claim + "\" not found in token");
    }
    if (!user->is_string()) {
      return Response::Error(400, "claim \"" + user_claim + "\" could not be converted to string");
    }
    std::vector<std::string> groups;
    const std::string groups_claim = role.value("groups_claim", "");
    if (!groups_claim.empty()) {
      const json* g = Claim(claims, groups_claim);
      if (g == nullptr) {
        return Response::Error(400, "\"" + groups_claim + "\" claim not found in token");
      }
      // createIdentity: the claim is a string or a list of strings; "" items are skipped.
      const std::optional<std::vector<json>> items = ClaimList(*g);
      if (!items) {
        return Response::Error(400, "\"" + groups_claim + "\" claim could not be converted to string list");
      }
      for (const json& item : *items) {
        if (!item.is_string()) {
          return Response::Error(400, "value " + item.dump() + " in groups claim could not be parsed as string");
        }
        if (!item.get_ref<const std::string&>().empty()) {
          groups.push_back(item.get<std::string>());
        }
      }
    }
    std::map<std::string, std::string> metadata = {{"role", role_name}};
    if (role["claim_mappings"].is_object()) {
      for (const auto& [claim, key] : role["claim_mappings"].items()) {
        const json* v = Claim(claims, claim);
        if (v == nullptr || v->is_null() || !key.is_string()) {
          continue;
        }
        if (!v->is_string()) {  // extractMetadata: mapped claims must be strings
          return Response::Error(400, "error converting claim '" + claim + "' to string");
        }
        metadata[key.get<std::string>()] = v->get<std::string>();
      }
    }
    const std::string alias = user->get<std::string>();
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
  std::mutex mu_;  // guards the two caches below (logins run on several I/O threads)
  std::map<std::string, std::vector<RemoteKey>> cached_;  // JWKS URL -> its keys
  std::map<std::string, std::string> discovered_;         // oidc_discovery_url -> jwks_uri
};

}  // namespace

std::shared_ptr<Backend> MakeJwtBackend(Core& core, const MountEntry& mount) {
  return std::make_shared<JwtBackend>(core, mount);
}

}  // namespace polcheck::runtime
