#include "kube/quantity.h"

#include <gtest/gtest.h>

namespace ps::kube {
namespace {

int64_t milli(const char* text) {
  const auto quantity = Quantity::parse(text);
  EXPECT_TRUE(quantity.has_value()) << text;
  return quantity ? quantity->milliValue() : -1;
}

TEST(QuantityTest, ParsesDecimalAndBinarySuffixes) {
  EXPECT_EQ(milli("500m"), 500);
  EXPECT_EQ(milli("2"), 2000);
  EXPECT_EQ(milli("0.5"), 500);
  EXPECT_EQ(milli(".5"), 500);
  EXPECT_EQ(milli("1."), 1000);
  EXPECT_EQ(milli("+3"), 3000);
  EXPECT_EQ(milli("1k"), 1'000'000);
  EXPECT_EQ(milli("256Mi"), 256LL * 1024 * 1024 * 1000);
  EXPECT_EQ(milli("1.5Gi"), 1536LL * 1024 * 1024 * 1000);
  EXPECT_EQ(milli("1G"), 1'000'000'000'000LL);
  EXPECT_EQ(milli("2e3"), 2'000'000);
  EXPECT_EQ(milli("5E-3"), 5);
  EXPECT_EQ(milli("0"), 0);
}

TEST(QuantityTest, RoundsSubMilliValuesUp) {
  EXPECT_EQ(milli("1n"), 1);
  EXPECT_EQ(milli("1500u"), 2);
  EXPECT_EQ(milli("0.0001"), 1);
}

TEST(QuantityTest, ComparesAcrossSuffixes) {
  EXPECT_LT(*Quantity::parse("500m"), *Quantity::parse("1"));
  EXPECT_EQ(*Quantity::parse("1Ki"), *Quantity::parse("1024"));
  EXPECT_GT(*Quantity::parse("1Gi"), *Quantity::parse("1G"));
  EXPECT_EQ(*Quantity::parse("0.5"), *Quantity::parse("500m"));
}

TEST(QuantityTest, RejectsBadInput) {
  for (const char* bad : {"", "-1", "-500m", "abc", "1.2.3", "5 Mi", "5mi", "5KI", "Mi", ".", "1e",
                          "1e+", "1ee3", "1e1234", "0x10", "1Mi ", " 1", "1,5"}) {
    EXPECT_FALSE(Quantity::parse(bad).has_value()) << '"' << bad << '"';
  }
  EXPECT_FALSE(Quantity::parse(std::string(65, '1')).has_value());
}

TEST(QuantityTest, RejectsOverflowInsteadOfWrapping) {
  EXPECT_FALSE(Quantity::parse("8Ei").has_value());
  EXPECT_FALSE(Quantity::parse("99999999999999999999").has_value());
  EXPECT_FALSE(Quantity::parse("10000000000000000").has_value());  // 1e16 units: 1e19 milli
  EXPECT_TRUE(Quantity::parse("8Pi").has_value());
}

TEST(QuantityTest, WholeValuesAndText) {
  EXPECT_EQ(Quantity::fromWhole(268435456)->toString(), "268435456");
  EXPECT_FALSE(Quantity::fromWhole(-1).has_value());
  EXPECT_FALSE(Quantity::fromWhole(INT64_MAX / 10).has_value());
  EXPECT_EQ(Quantity::parse("500m")->toString(), "500m");
  EXPECT_EQ(Quantity::parse("1.5")->toString(), "1500m");
  EXPECT_EQ(Quantity::parse("256Mi")->toString(), "268435456");
  EXPECT_EQ(Quantity::parse("1500m")->value(), 2);
  EXPECT_EQ(Quantity::parse("2")->value(), 2);
}

}  // namespace
}  // namespace ps::kube
