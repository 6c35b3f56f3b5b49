// JSON Web Tokens for the jwt/oidc and kubernetes auth methods (internal):
// compact-form parsing and signature checks with OpenSSL against PEM public
// keys or certificates (RS256/384/512, PS256/384/512, ES256/384/512, EdDSA).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace polcheck::runtime {

struct Jwt {
  std::string alg;
  std::string header_json;
  std::string claims_json;    // the payload, a JSON object
  std::string signing_input;  // "<header b64>.<payload b64>"
  std::string signature;      // raw bytes
};

// nullopt and `error` set when `token` is not a compact JWS with JSON header and payload.
std::optional<Jwt> ParseJwt(const std::string& token, std::string& error);
// "" when one of `pem_keys` verifies the signature with the token's alg (which
// must be in `allowed_algs` when that is non-empty), else the reason.
std::string VerifyJwt(const Jwt& jwt, const std::vector<std::string>& pem_keys,
                      const std::vector<std::string>& allowed_algs);
// "" when `pem` is a public key or certificate OpenSSL can read.
std::string CheckPublicKey(const std::string& pem);
// Base64url without padding (JWT segments).
std::optional<std::string> FromBase64Url(std::string_view text);

}  // namespace polcheck::runtime
