#include "runtime/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/check.h"

namespace polcheck::runtime::crypto {
namespace {

constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

int Len(std::size_t n) { return static_cast<int>(n); }

}  // namespace

std::string RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(Bytes(out), Len(n)) != 1) {
    std::fputs("polcheck: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
  return out;
}

std::string Seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  POLCHECK_CHECK(key.size() == kKeySize);
  std::string out = RandomBytes(kNonceSize);
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(out)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), Len(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), Bytes(out) + kNonceSize, &len, Bytes(plaintext),
                              Len(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + kNonceSize + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, Len(kTagSize),
                                Bytes(out) + kNonceSize + plaintext.size()) == 1;
  POLCHECK_CHECK(ok);
  return out;
}

std::optional<std::string> Open(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != kKeySize || sealed.size() < kNonceSize + kTagSize) {
    return std::nullopt;
  }
  const std::size_t text_size = sealed.size() - kNonceSize - kTagSize;
  std::string out(text_size, '\0');
  std::string tag(sealed.substr(kNonceSize + text_size));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(sealed)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), Len(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), Bytes(out), &len, Bytes(sealed) + kNonceSize, Len(text_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, Len(kTagSize), Bytes(tag)) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), Bytes(out) + len, &len) == 1;
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

std::string Sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  POLCHECK_CHECK(EVP_Digest(data.data(), data.size(), Bytes(out), &len, EVP_sha256(), nullptr) == 1);
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  POLCHECK_CHECK(HMAC(EVP_sha256(), key.data(), Len(key.size()), Bytes(data), data.size(), Bytes(out), &len) !=
                 nullptr);
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = value(hex[i]);
    const int lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(Bytes(out), Bytes(bytes), Len(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(Bytes(out), Bytes(text), Len(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
    --size;
  }
  out.resize(size);
  return out;
}

std::string Uuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  const std::string h = Hex(b);
  std::string out;
  out.append(h, 0, 8).append("-").append(h, 8, 4).append("-").append(h, 12, 4).append("-");
  out.append(h, 16, 4).append("-").append(h, 20, 12);
  return out;
}

std::string RandomBase62(std::size_t n) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < n) {
    for (unsigned char c : RandomBytes(n)) {
      if (c < 248 && out.size() < n) {  // 248 = 4 * 62: no modulo bias
        out += kAlphabet[c % 62];
      }
    }
  }
  return out;
}

}  // namespace polcheck::runtime::crypto
