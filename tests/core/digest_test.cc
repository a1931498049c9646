#include "core/digest.h"

#include <gtest/gtest.h>

namespace ps::core {
namespace {

TEST(Digest, Sha256OfKnownInputs) {
  EXPECT_EQ(sha256Digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, CoversEveryByteIncludingNul) {
  EXPECT_NE(sha256Digest(std::string("a\0b", 3)), sha256Digest("a"));
}

}  // namespace
}  // namespace ps::core
