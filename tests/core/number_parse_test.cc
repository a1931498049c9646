#include "core/number_parse.h"

#include <gtest/gtest.h>

#include <limits>

namespace ps::core {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(NumberParse, Int64AcceptsTheWholeRangeAndNothingElse) {
  EXPECT_EQ(parseInt64("0"), 0);
  EXPECT_EQ(parseInt64("+17"), 17);
  EXPECT_EQ(parseInt64("-17"), -17);
  EXPECT_EQ(parseInt64("9223372036854775807"), kMax);
  EXPECT_EQ(parseInt64("-9223372036854775808"), kMin);
  EXPECT_EQ(parseInt64("1f", 16), 31);
  EXPECT_EQ(parseInt64("17", 8), 15);
  for (const char* bad :
       {"9223372036854775808", "-9223372036854775809", "99999999999999999999999999", "", "-", "+",
        "--1", "+-1", "1 ", " 1", "1e3", "0x10", "1.0", "12a"}) {
    EXPECT_EQ(parseInt64(bad), std::nullopt) << bad;
  }
}

TEST(NumberParse, FiniteDoubleRefusesOverflowUnderflowAndWords) {
  EXPECT_EQ(parseFiniteDouble("1.5e3"), 1500.0);
  EXPECT_EQ(parseFiniteDouble("+.5"), 0.5);
  EXPECT_EQ(parseFiniteDouble("-2"), -2.0);
  EXPECT_EQ(parseFiniteDouble("1e308"), 1e308);
  EXPECT_EQ(parseFiniteDouble("0e999999"), 0.0);
  for (const char* bad : {"1e400", "-1e999", "1e-400", "-1e-400", "1e-99999999999999999999", "inf",
                          "-inf", "nan", "infinity", "", "+", "++1", "1e", "1.5x", "0x1p3", " 1"}) {
    EXPECT_EQ(parseFiniteDouble(bad), std::nullopt) << bad;
  }
}

TEST(NumberParse, JsonIntegerChecksTypeAndRange) {
  EXPECT_EQ(jsonInteger(nlohmann::json(5)), 5);
  EXPECT_EQ(jsonInteger(nlohmann::json(-5)), -5);
  EXPECT_EQ(jsonInteger(nlohmann::json(uint64_t{7})), 7);
  EXPECT_EQ(jsonInteger(nlohmann::json(kMax)), kMax);
  EXPECT_EQ(jsonInteger(nlohmann::json(std::numeric_limits<uint64_t>::max())), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(uint64_t{1} << 63)), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(1.0)), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(1e300)), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(true)), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json("5")), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json()), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(10), 0, 9), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(-1), 0, 9), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(uint64_t{10}), 0, 9), std::nullopt);
  EXPECT_EQ(jsonInteger(nlohmann::json(9), 0, 9), 9);
}

}  // namespace
}  // namespace ps::core
