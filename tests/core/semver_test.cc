#include "core/semver.h"

#include <gtest/gtest.h>

namespace ps::core {
namespace {

int compare(const char* a, const char* b) {
  auto left = parseSemVer(a), right = parseSemVer(b);
  EXPECT_TRUE(left && right) << a << " " << b;
  return compareSemVer(*left, *right);
}

TEST(SemVer, ParsesValidVersions) {
  for (const char* text : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1",
                           "1.0.0-0.3.7", "1.0.0+build.5", "1.0.0-rc.1+sha.abc"}) {
    EXPECT_TRUE(parseSemVer(text)) << text;
  }
}

TEST(SemVer, RefusesInvalidVersions) {
  for (const char* text :
       {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3-01", "1.2.3-a..b",
        "1.2.3+", "v1.2.3", "1.2.3 ", "-1.2.3", "1.2.x", "1234567890123456789.0.0"}) {
    EXPECT_FALSE(parseSemVer(text)) << text;
  }
  EXPECT_FALSE(parseSemVer("1.0.0-" + std::string(100, 'a')));
}

TEST(SemVer, OrdersBySpecPrecedence) {
  // The chain from semver.org §11.
  const char* chain[] = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                         "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
  for (std::size_t i = 0; i + 1 < std::size(chain); ++i) {
    EXPECT_LT(compare(chain[i], chain[i + 1]), 0) << chain[i] << " < " << chain[i + 1];
    EXPECT_GT(compare(chain[i + 1], chain[i]), 0);
  }
  EXPECT_LT(compare("1.9.0", "1.10.0"), 0);  // numeric, not lexical
  EXPECT_LT(compare("1.2.3", "2.0.0"), 0);
  EXPECT_EQ(compare("1.2.3+a", "1.2.3+b"), 0);  // build metadata ignored
}

}  // namespace
}  // namespace ps::core
