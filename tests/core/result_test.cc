#include "core/result.h"

#include <gtest/gtest.h>

namespace ps::core {
namespace {

TEST(Result, HoldsAValueOrARejection) {
  Result<int> value = 7;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 7);
  Result<int> refused = reject("policy", "no");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.rejection().rule, "policy");
}

TEST(Result, RejectionLineIsOneLineNamingTheRule) {
  EXPECT_EQ(reject("digest", "\"plugin.py\" changed").line(),
            "rejected: digest: \"plugin.py\" changed");
}

}  // namespace
}  // namespace ps::core
