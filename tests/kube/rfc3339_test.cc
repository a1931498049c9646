#include "kube/rfc3339.h"

#include <gtest/gtest.h>

namespace ps::kube {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

TEST(Rfc3339Test, RoundTrips) {
  const auto time = parseRfc3339("2026-11-27T21:05:12Z");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(formatRfc3339(*time), "2026-11-27T21:05:12Z");
  EXPECT_EQ(formatRfc3339(TimePoint{}), "1970-01-01T00:00:00Z");
}

TEST(Rfc3339Test, FormatsMillisAndMicrosCutNotRounded) {
  using namespace std::chrono;
  const TimePoint time = *parseRfc3339("2026-11-27T21:05:12Z") + microseconds(123'987);
  EXPECT_EQ(formatRfc3339(time, TimeFraction::kMillis), "2026-11-27T21:05:12.123Z");
  EXPECT_EQ(formatRfc3339(time, TimeFraction::kMicros), "2026-11-27T21:05:12.123987Z");
  EXPECT_EQ(formatMicroTime(time), "2026-11-27T21:05:12.123987Z");
  EXPECT_EQ(formatRfc3339(time), "2026-11-27T21:05:12Z");
  EXPECT_EQ(formatRfc3339(TimePoint{} + microseconds(5), TimeFraction::kMillis),
            "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339Test, AcceptsFractionsAndOffsets) {
  EXPECT_EQ(formatRfc3339(*parseRfc3339("2026-11-27T21:05:12.123456Z")), "2026-11-27T21:05:12Z");
  EXPECT_EQ(formatRfc3339(*parseRfc3339("2026-11-27T23:05:12+02:00")), "2026-11-27T21:05:12Z");
  EXPECT_EQ(formatRfc3339(*parseRfc3339("2026-11-27T20:35:12-00:30")), "2026-11-27T21:05:12Z");
}

// Found by rfc3339_fuzz: the conversion to the clock's nanoseconds overflowed int64 (UB).
TEST(Rfc3339Test, RefusesInstantsTheClockCannotHold) {
  for (const char* far : {"0197-01-01T00:00:00-00:01", "9999-12-31T23:59:59Z",
                          "1677-09-21T00:12:43Z", "2262-04-11T23:47:17Z", "0000-01-01T00:00:00Z"}) {
    EXPECT_FALSE(parseRfc3339(far).has_value()) << far;
  }
  // The 1677 ones' day starts before the clock's earliest instant (formatting overflowed too).
  for (const char* near :
       {"1677-09-21T00:12:44Z", "1677-09-21T21:05:12Z", "2262-04-11T23:47:16Z"}) {
    const auto time = parseRfc3339(near);
    ASSERT_TRUE(time.has_value()) << near;
    EXPECT_EQ(formatRfc3339(*time), near);
  }
}

TEST(Rfc3339Test, RejectsBadInput) {
  for (const char* bad :
       {"", "2026-11-27", "2026-11-27T21:05:12", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-27T24:00:00Z", "2026-11-27T21:05:12.Z", "2026-11-27T21:05:12Zjunk",
        "2026/11/27T21:05:12Z", "2026-11-27T21:05:12+2", "yyyy-11-27T21:05:12Z"}) {
    EXPECT_FALSE(parseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ps::kube
