#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/ed25519.h"
#include "core/result.h"

namespace ps::core {

// The set of Ed25519 public keys trusted to sign plugins (several = rotation).
// Loading fails closed: an unreadable or empty file, a PEM block that is not an Ed25519 public
// key, or no key at all is a Rejection with rule "key", never an empty ring.
class KeyRing {
 public:
  // `pathOrPem` is PEM text when it contains "-----BEGIN", else a file path.
  static Result<KeyRing> fromPemFileOrText(std::string_view pathOrPem);
  static Result<KeyRing> fromPemText(std::string_view pem);
  static Result<KeyRing> fromPemFile(const std::string& path);
  static KeyRing of(std::vector<PublicKey> keys);

  // nullptr when no key has this keyid.
  const PublicKey* find(std::string_view keyId) const;
  const std::vector<PublicKey>& keys() const { return keys_; }
  // SHA-256 of the key ids in ring order: equal digests, equal rings.
  const std::string& digest() const { return digest_; }

 private:
  std::vector<PublicKey> keys_;
  std::string digest_;
};

}  // namespace ps::core
