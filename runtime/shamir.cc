#include "runtime/shamir.h"

#include <array>
#include <cstdint>
#include <set>

#include "base/check.h"
#include "runtime/crypto.h"

namespace polcheck::runtime::shamir {
namespace {

// GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, via log/exp tables
// over the generator 3.
struct Tables {
  std::array<std::uint8_t, 256> log{};
  std::array<std::uint8_t, 512> exp{};
  Tables() {
    std::uint8_t x = 1;
    for (int i = 0; i < 255; ++i) {
      exp[i] = x;
      log[x] = static_cast<std::uint8_t>(i);
      // x *= 3  (x * 2 xor x, reducing x * 2 modulo the polynomial)
      const std::uint8_t doubled = static_cast<std::uint8_t>((x << 1) ^ ((x & 0x80) ? 0x1b : 0));
      x = static_cast<std::uint8_t>(doubled ^ x);
    }
    for (int i = 255; i < 512; ++i) {
      exp[i] = exp[i - 255];
    }
  }
};

const Tables& T() {
  static const Tables tables;
  return tables;
}

std::uint8_t Mul(std::uint8_t a, std::uint8_t b) {
  if (a == 0 || b == 0) {
    return 0;
  }
  return T().exp[T().log[a] + T().log[b]];
}

std::uint8_t Div(std::uint8_t a, std::uint8_t b) {
  POLCHECK_CHECK(b != 0);
  if (a == 0) {
    return 0;
  }
  return T().exp[T().log[a] + 255 - T().log[b]];
}

// Horner evaluation of the polynomial with coefficients `c` (c[0] = constant) at x.
std::uint8_t Eval(const std::vector<std::uint8_t>& c, std::uint8_t x) {
  std::uint8_t y = 0;
  for (auto it = c.rbegin(); it != c.rend(); ++it) {
    y = static_cast<std::uint8_t>(Mul(y, x) ^ *it);
  }
  return y;
}

std::vector<std::uint8_t> DistinctXs(int parts) {
  // A random permutation of 1..255; the first `parts` are the x coordinates.
  std::vector<std::uint8_t> xs;
  for (int i = 1; i <= 255; ++i) {
    xs.push_back(static_cast<std::uint8_t>(i));
  }
  const std::string r = crypto::RandomBytes(2 * xs.size());
  for (std::size_t i = xs.size() - 1; i > 0; --i) {
    const unsigned v = static_cast<unsigned char>(r[2 * i]) * 256u + static_cast<unsigned char>(r[2 * i + 1]);
    std::swap(xs[i], xs[v % (i + 1)]);
  }
  xs.resize(static_cast<std::size_t>(parts));
  return xs;
}

}  // namespace

std::vector<std::string> Split(std::string_view secret, int parts, int threshold) {
  POLCHECK_CHECK(threshold >= 2 && threshold <= parts && parts <= 255 && !secret.empty());
  const std::vector<std::uint8_t> xs = DistinctXs(parts);
  std::vector<std::string> shares(static_cast<std::size_t>(parts));
  for (std::size_t p = 0; p < shares.size(); ++p) {
    shares[p].resize(secret.size() + 1);
    shares[p].back() = static_cast<char>(xs[p]);
  }
  std::vector<std::uint8_t> coefficients(static_cast<std::size_t>(threshold));
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const std::string random = crypto::RandomBytes(coefficients.size() - 1);
    coefficients[0] = static_cast<std::uint8_t>(secret[i]);
    for (std::size_t k = 1; k < coefficients.size(); ++k) {
      coefficients[k] = static_cast<std::uint8_t>(random[k - 1]);
    }
    for (std::size_t p = 0; p < shares.size(); ++p) {
      shares[p][i] = static_cast<char>(Eval(coefficients, xs[p]));
    }
  }
  return shares;
}

std::optional<std::string> Combine(const std::vector<std::string>& shares) {
  if (shares.size() < 2 || shares[0].size() < 2) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> xs;
  std::set<std::uint8_t> seen;
  for (const std::string& share : shares) {
    const auto x = static_cast<std::uint8_t>(share.back());
    if (share.size() != shares[0].size() || !seen.insert(x).second) {
      return std::nullopt;
    }
    xs.push_back(x);
  }
  std::string secret(shares[0].size() - 1, '\0');
  for (std::size_t i = 0; i < secret.size(); ++i) {
    std::uint8_t value = 0;  // Lagrange interpolation at x = 0
    for (std::size_t j = 0; j < xs.size(); ++j) {
      std::uint8_t basis = 1;
      for (std::size_t m = 0; m < xs.size(); ++m) {
        if (m != j) {
          basis = Mul(basis, Div(xs[m], static_cast<std::uint8_t>(xs[m] ^ xs[j])));
        }
      }
      value = static_cast<std::uint8_t>(value ^ Mul(static_cast<std::uint8_t>(shares[j][i]), basis));
    }
    secret[i] = static_cast<char>(value);
  }
  return secret;
}

}  // namespace polcheck::runtime::shamir
