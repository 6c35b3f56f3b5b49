// A key pair made in a test (RSA 2048 or EC P-256) that signs compact JWTs, for
// the jwt and kubernetes auth methods' tests.
#pragma once

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/crypto.h"

namespace polcheck::runtime::testing {

class TestKey {
 public:
  explicit TestKey(bool ec)
      : ec_(ec),
        key_(ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))) {}
  ~TestKey() { EVP_PKEY_free(key_); }
  TestKey(const TestKey&) = delete;
  TestKey& operator=(const TestKey&) = delete;

  std::string PublicPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key_);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
  }

  std::string Sign(const nlohmann::json& claims, std::string alg = "") const {
    if (alg.empty()) {
      alg = ec_ ? "ES256" : "RS256";
    }
    const std::string input =
        B64(nlohmann::json{{"alg", alg}, {"typ", "JWT"}}.dump()) + "." + B64(claims.dump());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    std::size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (ec_) {  // DER -> r||s
      const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
      ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
      std::string raw(64, '\0');
      BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), 32);
      BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
      ECDSA_SIG_free(parsed);
      sig = raw;
    }
    return input + "." + B64(sig);
  }

 private:
  static std::string B64(const std::string& bytes) {
    std::string s = crypto::Base64(bytes);
    for (char& c : s) {
      c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    while (!s.empty() && s.back() == '=') {
      s.pop_back();
    }
    return s;
  }
  bool ec_;
  EVP_PKEY* key_;
};

}  // namespace polcheck::runtime::testing
