// Reconcile errors in a tight loop: at most N lines per window, and the count of those held back.
#include "manager/log_limiter.h"

#include <gtest/gtest.h>

namespace ps::reconcile {
namespace {

using namespace std::chrono_literals;

TEST(LogLimiter, PrintsNPerWindowAndCountsTheRest) {
  LogLimiter limiter(3, 10s);
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(limiter.allow(start), 0u);
  EXPECT_EQ(limiter.allow(start + 1s), 0u);
  EXPECT_EQ(limiter.allow(start + 2s), 0u);
  for (int i = 0; i < 500; ++i) EXPECT_FALSE(limiter.allow(start + 3s).has_value());
  EXPECT_FALSE(limiter.allow(start + 9s).has_value());
  // A new window: printed again, saying how many were held back.
  EXPECT_EQ(limiter.allow(start + 10s), 501u);
  EXPECT_EQ(limiter.allow(start + 11s), 0u);
}

}  // namespace
}  // namespace ps::reconcile
