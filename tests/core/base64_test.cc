#include "core/base64.h"

#include <gtest/gtest.h>

namespace ps::core {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n < bytes.size(); n += 7) {
    auto decoded = base64Decode(base64Encode(bytes.substr(0, n)));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes.substr(0, n));
  }
}

TEST(Base64, RefusesGarbage) {
  EXPECT_FALSE(base64Decode("Zm9"));       // length not a multiple of 4
  EXPECT_FALSE(base64Decode("Zm9v\n"));    // whitespace
  EXPECT_FALSE(base64Decode("Zm$v"));      // outside the alphabet
  EXPECT_FALSE(base64Decode("Zm9=Zm9v"));  // padding in the middle
  EXPECT_FALSE(base64Decode("Zh=="));      // non-zero trailing bits: second encoding of "f"
  EXPECT_FALSE(base64Decode("Zm9vYg-_"));  // URL-safe alphabet is not accepted
  EXPECT_FALSE(base64Decode("===="));
}

}  // namespace
}  // namespace ps::core
