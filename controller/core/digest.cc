#include "core/digest.h"

// SHA256_Init/Update/Final are deprecated in OpenSSL 3 but kept: the one-shot SHA256() goes through
// EVP_Q_digest, whose first call loads openssl.cnf and builds the provider's algorithm tables
// (1-5 ms measured here, before every `pluginctl run`); the low-level calls are the same
// (SHA-NI/AVX2) code without that start-up.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <array>

namespace ps::core {

std::string sha256Hex(std::string_view bytes) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> hash{};
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, bytes.data(), bytes.size());
  SHA256_Final(hash.data(), &context);
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
