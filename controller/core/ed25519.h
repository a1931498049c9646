#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace ps::core {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// An Ed25519 public key. Construction checks the key type: OpenSSL would happily initialise a
// verification with an RSA or EC key and a NULL digest, so only ED25519 gets in.
class PublicKey {
 public:
  // One PEM SubjectPublicKeyInfo block. Rule "key" for anything but Ed25519.
  static Result<PublicKey> fromPem(std::string_view pem);
  static Result<PublicKey> fromRaw(std::string_view raw32);

  // True only when OpenSSL returns 1 for a one-shot EVP_DigestVerify.
  bool verify(std::string_view message, std::string_view signature) const;

  const std::string& keyId() const { return keyId_; }  // "sha256:" + hex SHA-256(DER SPKI)
  std::string pem() const;
  std::string raw() const;  // the 32 public key bytes

 private:
  explicit PublicKey(EvpPkeyPtr key);
  std::shared_ptr<EVP_PKEY> key_;  // immutable after construction, so copies may share it
  std::string keyId_;
};

class PrivateKey {
 public:
  static PrivateKey generate();
  static Result<PrivateKey> fromPem(std::string_view pem);
  static Result<PrivateKey> fromPemFile(const std::string& path);
  static Result<PrivateKey> fromSeed(std::string_view seed32);

  std::string sign(std::string_view message) const;  // 64 bytes
  PublicKey publicKey() const;
  std::string pem() const;  // PKCS#8

 private:
  explicit PrivateKey(EvpPkeyPtr key);
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace ps::core
