#include "core/key_ring.h"

#include <fstream>
#include <sstream>

#include "core/digest.h"

namespace ps::core {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 1 << 20;
constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";

// The PEM blocks of `text`, each from its BEGIN line to the end of its END line.
std::vector<std::string_view> pemBlocks(std::string_view text) {
  std::vector<std::string_view> blocks;
  std::size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != std::string_view::npos) {
    std::size_t end = text.find(kEnd, pos);
    if (end == std::string_view::npos) {
      blocks.push_back(text.substr(pos));  // unterminated: parsing it will fail, as it should
      break;
    }
    std::size_t close = text.find("-----", end + kEnd.size());
    std::size_t stop = close == std::string_view::npos ? text.size() : close + 5;
    blocks.push_back(text.substr(pos, stop - pos));
    pos = stop;
  }
  return blocks;
}

}  // namespace

KeyRing KeyRing::of(std::vector<PublicKey> keys) {
  KeyRing ring;
  ring.keys_ = std::move(keys);
  std::string ids;
  for (const auto& key : ring.keys_) ids += key.keyId() + "\n";
  ring.digest_ = sha256Hex(ids);
  return ring;
}

Result<KeyRing> KeyRing::fromPemText(std::string_view pem) {
  auto blocks = pemBlocks(pem);
  if (blocks.empty()) return reject("key", "no PEM public key found");
  std::vector<PublicKey> keys;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].find("PRIVATE KEY") != std::string_view::npos) {
      return reject("key", "PEM block " + std::to_string(i + 1) +
                               " is a private key; the key ring takes public keys only");
    }
    auto key = PublicKey::fromPem(blocks[i]);
    if (!key)
      return reject("key", "PEM block " + std::to_string(i + 1) + ": " + key.rejection().message);
    keys.push_back(std::move(*key));
  }
  return of(std::move(keys));
}

Result<KeyRing> KeyRing::fromPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return reject("key", "cannot read key file \"" + path + "\"");
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return reject("key", "cannot read key file \"" + path + "\"");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes)
    return reject("key", "key file \"" + path + "\" is larger than 1 MiB");
  if (text.empty()) return reject("key", "key file \"" + path + "\" is empty");
  auto ring = fromPemText(text);
  if (!ring) return reject("key", "key file \"" + path + "\": " + ring.rejection().message);
  return ring;
}

Result<KeyRing> KeyRing::fromPemFileOrText(std::string_view pathOrPem) {
  if (pathOrPem.find(kBegin) != std::string_view::npos) return fromPemText(pathOrPem);
  if (pathOrPem.empty()) return reject("key", "signing key is set but empty");
  return fromPemFile(std::string(pathOrPem));
}

const PublicKey* KeyRing::find(std::string_view keyId) const {
  for (const auto& key : keys_) {
    if (key.keyId() == keyId) return &key;
  }
  return nullptr;
}

}  // namespace ps::core
