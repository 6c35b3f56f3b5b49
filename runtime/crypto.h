// Cryptographic primitives of the runtime, on OpenSSL's EVP API (internal).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace polcheck::runtime::crypto {

inline constexpr std::size_t kKeySize = 32;  // AES-256

// `n` bytes from the OpenSSL CSPRNG. Aborts if the CSPRNG fails (a broken invariant).
std::string RandomBytes(std::size_t n);

// AES-256-GCM: returns nonce(12) || ciphertext || tag(16). `aad` binds the
// value to its storage key so ciphertexts cannot be swapped between keys.
std::string Seal(std::string_view key, std::string_view plaintext, std::string_view aad);
// nullopt when the key is wrong or the data was tampered with.
std::optional<std::string> Open(std::string_view key, std::string_view sealed, std::string_view aad);

std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

std::string Hex(std::string_view bytes);
std::optional<std::string> FromHex(std::string_view hex);
std::string Base64(std::string_view bytes);
std::optional<std::string> FromBase64(std::string_view text);

// Random RFC 4122 version-4 UUID.
std::string Uuid();
// `n` random characters of [0-9A-Za-z].
std::string RandomBase62(std::size_t n);

}  // namespace polcheck::runtime::crypto
