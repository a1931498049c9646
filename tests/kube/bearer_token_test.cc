#include "kube/bearer_token.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "manual_clock.h"

namespace ps::kube {
namespace {

TEST(BearerTokenSourceTest, FixedTokenWithoutFile) {
  testing::ManualClock clock;
  BearerTokenSource source("fixed", "", clock);
  EXPECT_EQ(source.current(), "fixed");
}

TEST(BearerTokenSourceTest, RotatedFileIsPickedUpAfterRefreshInterval) {
  testing::ManualClock clock;
  const auto path =
      std::filesystem::temp_directory_path() / ("token-test-" + std::to_string(::getpid()));
  std::ofstream(path) << "first\n";
  BearerTokenSource source("", path, clock, std::chrono::seconds(60));
  EXPECT_EQ(source.current(), "first");
  std::ofstream(path) << "second";
  EXPECT_EQ(source.current(), "first");  // cached within the interval
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(source.current(), "second");
  std::filesystem::remove(path);
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(source.current(), "second");  // an unreadable file keeps the last token
}

}  // namespace
}  // namespace ps::kube
