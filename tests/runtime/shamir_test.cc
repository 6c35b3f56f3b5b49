#include "runtime/shamir.h"

#include <gtest/gtest.h>

#include "runtime/crypto.h"

namespace polcheck::runtime {
namespace {

TEST(Shamir, AnyThresholdSubsetRecoversTheSecret) {
  const std::string secret = crypto::RandomBytes(32);
  const std::vector<std::string> shares = shamir::Split(secret, 5, 3);
  ASSERT_EQ(shares.size(), 5u);
  EXPECT_EQ(shares[0].size(), 33u);
  EXPECT_EQ(shamir::Combine({shares[0], shares[2], shares[4]}), secret);
  EXPECT_EQ(shamir::Combine({shares[3], shares[1], shares[0]}), secret);
  EXPECT_NE(shamir::Combine({shares[0], shares[1]}), secret);  // below threshold
}

TEST(Shamir, RejectsDuplicateShares) {
  const std::vector<std::string> shares = shamir::Split("k", 3, 2);
  EXPECT_EQ(shamir::Combine({shares[0], shares[0]}), std::nullopt);
}

TEST(Crypto, SealOpenRoundTripAndBindsAad) {
  const std::string key = crypto::RandomBytes(32);
  const std::string sealed = crypto::Seal(key, "value", "path/a");
  EXPECT_EQ(crypto::Open(key, sealed, "path/a"), "value");
  EXPECT_EQ(crypto::Open(key, sealed, "path/b"), std::nullopt);
  EXPECT_EQ(crypto::Open(crypto::RandomBytes(32), sealed, "path/a"), std::nullopt);
  EXPECT_EQ(crypto::FromBase64(crypto::Base64("ab")), "ab");
}

}  // namespace
}  // namespace polcheck::runtime
