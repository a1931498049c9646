#include "core/ed25519.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "core/digest.h"

namespace ps::core {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

BioPtr memoryBio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bioContents(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// Name of the key's algorithm for messages ("RSA", "EC", ...).
std::string keyTypeName(EVP_PKEY* key) {
  const char* name = EVP_PKEY_get0_type_name(key);
  return name ? name : "unknown";
}

std::string spkiDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

}  // namespace

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

PublicKey::PublicKey(EvpPkeyPtr key)
    : key_(std::move(key)), keyId_(sha256Digest(spkiDer(key_.get()))) {}

Result<PublicKey> PublicKey::fromPem(std::string_view pem) {
  BioPtr bio = memoryBio(pem);
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return reject("key", "PEM block is not a readable public key (SubjectPublicKeyInfo)");
  if (!EVP_PKEY_is_a(key.get(), "ED25519")) {
    return reject("key", "key is " + keyTypeName(key.get()) + ", only Ed25519 keys are accepted");
  }
  return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::fromRaw(std::string_view raw32) {
  if (raw32.size() != 32) return reject("key", "an Ed25519 public key is 32 bytes");
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw32.data()), 32));
  if (!key) return reject("key", "not a valid Ed25519 public key");
  return PublicKey(std::move(key));
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1)
    return false;
  // Only 1 is success: other values mean "bad signature" or "error", both a refusal.
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string PublicKey::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  return bioContents(bio.get());
}

std::string PublicKey::raw() const {
  std::string out(32, '\0');
  std::size_t length = out.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(out.data()), &length);
  return out;
}

PrivateKey::PrivateKey(EvpPkeyPtr key) : key_(std::move(key)) {}

PrivateKey PrivateKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) throw std::runtime_error("Ed25519 key generation failed");  // not expected
  return PrivateKey(EvpPkeyPtr(key));
}

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
  BioPtr bio = memoryBio(pem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return reject("key", "not a readable (unencrypted PKCS#8) private key");
  if (!EVP_PKEY_is_a(key.get(), "ED25519")) {
    return reject("key", "key is " + keyTypeName(key.get()) + ", only Ed25519 keys are accepted");
  }
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::fromPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return reject("key", "cannot read private key file \"" + path + "\"");
  std::ostringstream text;
  text << in.rdbuf();
  auto key = fromPem(text.str());
  if (!key) return reject("key", "\"" + path + "\": " + key.rejection().message);
  return key;
}

Result<PrivateKey> PrivateKey::fromSeed(std::string_view seed32) {
  if (seed32.size() != 32) return reject("key", "an Ed25519 private key seed is 32 bytes");
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed32.data()), 32));
  if (!key) return reject("key", "not a valid Ed25519 seed");
  return PrivateKey(std::move(key));
}

std::string PrivateKey::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  std::size_t length = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw std::runtime_error("Ed25519 signing failed");  // not expected with a valid key
  }
  return signature;
}

PublicKey PrivateKey::publicKey() const {
  std::string raw(32, '\0');
  std::size_t length = raw.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &length);
  return PublicKey::fromRaw(raw).value();
}

std::string PrivateKey::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bioContents(bio.get());
}

}  // namespace ps::core
