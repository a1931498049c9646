#include "core/digest.h"

#include <openssl/sha.h>

#include <array>

namespace ps::core {

std::string sha256Hex(std::string_view bytes) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> hash{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), hash.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(hash.size() * 2);
  for (unsigned char byte : hash) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0x0f]);
  }
  return hex;
}

std::string sha256Digest(std::string_view bytes) {
  return "sha256:" + sha256Hex(bytes);
}

}  // namespace ps::core
