#include "core/key_ring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_support.h"

namespace ps::core {
namespace {

using testing::TempDir;
using testing::writeFile;

TEST(KeyRing, LoadsOneOrMoreKeysFromText) {
  PrivateKey a = PrivateKey::generate(), b = PrivateKey::generate();
  auto ring = KeyRing::fromPemFileOrText(a.publicKey().pem() + "\n" + b.publicKey().pem());
  ASSERT_TRUE(ring.ok()) << ring.rejection().line();
  ASSERT_EQ(ring->keys().size(), 2u);
  EXPECT_NE(ring->find(a.publicKey().keyId()), nullptr);
  EXPECT_NE(ring->find(b.publicKey().keyId()), nullptr);
  EXPECT_EQ(ring->find("sha256:" + std::string(64, '0')), nullptr);
}

TEST(KeyRing, LoadsFromAFile) {
  TempDir dir;
  PrivateKey a = PrivateKey::generate();
  writeFile(dir / "keys.pem", "# comment lines outside blocks are ignored\n" + a.publicKey().pem());
  auto ring = KeyRing::fromPemFileOrText((dir / "keys.pem").string());
  ASSERT_TRUE(ring.ok()) << ring.rejection().line();
  EXPECT_NE(ring->find(a.publicKey().keyId()), nullptr);
}

void expectKeyRejection(const Result<KeyRing>& ring, const std::string& fragment) {
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.rejection().rule, "key");
  EXPECT_NE(ring.rejection().message.find(fragment), std::string::npos) << ring.rejection().line();
}

TEST(KeyRing, FailsClosedOnAnRsaOrEcKeyEvenBesideAGoodOne) {
  PrivateKey a = PrivateKey::generate();
  const std::string rsa = testing::generatedKeyPem("RSA", nullptr, false);
  expectKeyRejection(KeyRing::fromPemText(a.publicKey().pem() + rsa), "RSA");
  expectKeyRejection(KeyRing::fromPemText(rsa), "only Ed25519");
  expectKeyRejection(KeyRing::fromPemText(testing::generatedKeyPem("EC", "P-256", false)), "EC");
}

TEST(KeyRing, FailsClosedOnAPrivateKey) {
  expectKeyRejection(KeyRing::fromPemText(PrivateKey::generate().pem()), "private key");
}

TEST(KeyRing, FailsClosedOnMissingUnreadableOrEmptyFiles) {
  TempDir dir;
  expectKeyRejection(KeyRing::fromPemFileOrText((dir / "missing.pem").string()), "cannot read");
  writeFile(dir / "empty.pem", "");
  expectKeyRejection(KeyRing::fromPemFileOrText((dir / "empty.pem").string()), "empty");
  writeFile(dir / "text.pem", "not a key at all\n");
  expectKeyRejection(KeyRing::fromPemFileOrText((dir / "text.pem").string()), "no PEM public key");
  expectKeyRejection(KeyRing::fromPemFileOrText(""), "set but empty");
  expectKeyRejection(KeyRing::fromPemFileOrText(dir.path().string()), "");  // a directory
  if (::geteuid() != 0) {  // root reads anything: the mode check only means something for others
    writeFile(dir / "secret.pem", PrivateKey::generate().publicKey().pem());
    ::chmod((dir / "secret.pem").c_str(), 0);
    expectKeyRejection(KeyRing::fromPemFileOrText((dir / "secret.pem").string()), "cannot read");
  }
}

TEST(KeyRing, FailsClosedOnATruncatedBlock) {
  std::string pem = PrivateKey::generate().publicKey().pem();
  expectKeyRejection(KeyRing::fromPemText(pem.substr(0, pem.size() / 2)), "PEM block 1");
}

}  // namespace
}  // namespace ps::core
