#include "core/ed25519.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/digest.h"
#include "test_support.h"

namespace ps::core {
namespace {

using testing::fromHex;
using testing::TempDir;
using testing::toHex;

struct Rfc8032Vector {
  const char* secret;
  const char* publicKey;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, TEST 1-3.
const Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519, SignsRfc8032VectorsExactly) {
  for (const auto& vector : kVectors) {
    auto key = PrivateKey::fromSeed(fromHex(vector.secret));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(toHex(key->publicKey().raw()), vector.publicKey);
    EXPECT_EQ(toHex(key->sign(fromHex(vector.message))), vector.signature);
  }
}

TEST(Ed25519, VerifiesRfc8032VectorsAndRefusesTampering) {
  for (const auto& vector : kVectors) {
    auto key = PublicKey::fromRaw(fromHex(vector.publicKey));
    ASSERT_TRUE(key.ok());
    const std::string message = fromHex(vector.message);
    std::string signature = fromHex(vector.signature);
    EXPECT_TRUE(key->verify(message, signature));
    EXPECT_FALSE(key->verify(message + "x", signature));
    signature[10] = static_cast<char>(signature[10] ^ 1);
    EXPECT_FALSE(key->verify(message, signature));
    EXPECT_FALSE(key->verify(message, signature.substr(0, 63)));
    EXPECT_FALSE(key->verify(message, ""));
  }
}

TEST(Ed25519, KeyIdIsSha256OfTheDerSubjectPublicKeyInfo) {
  auto key = PublicKey::fromRaw(fromHex(kVectors[0].publicKey));
  ASSERT_TRUE(key.ok());
  // The DER SPKI of an Ed25519 key is a fixed 12-byte prefix and the 32 raw bytes.
  const std::string der = fromHex("302a300506032b6570032100") + fromHex(kVectors[0].publicKey);
  EXPECT_EQ(key->keyId(), sha256Digest(der));
}

TEST(Ed25519, PemRoundTrips) {
  PrivateKey key = PrivateKey::generate();
  auto again = PrivateKey::fromPem(key.pem());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->publicKey().keyId(), key.publicKey().keyId());
  auto publicKey = PublicKey::fromPem(key.publicKey().pem());
  ASSERT_TRUE(publicKey.ok());
  EXPECT_TRUE(publicKey->verify("m", key.sign("m")));
}

TEST(Ed25519, RefusesRsaAndEcKeys) {
  for (bool privateKey : {false, true}) {
    const std::string ec = testing::generatedKeyPem("EC", "P-256", privateKey);
    const std::string rsa = testing::generatedKeyPem("RSA", nullptr, privateKey);
    auto check = [&](const Rejection& rejection, const std::string& type) {
      EXPECT_EQ(rejection.rule, "key");
      EXPECT_NE(rejection.message.find(type), std::string::npos) << rejection.line();
    };
    if (privateKey) {
      check(PrivateKey::fromPem(ec).rejection(), "EC");
      check(PrivateKey::fromPem(rsa).rejection(), "RSA");
    } else {
      check(PublicKey::fromPem(ec).rejection(), "EC");
      check(PublicKey::fromPem(rsa).rejection(), "RSA");
    }
  }
}

TEST(Ed25519, RefusesGarbagePem) {
  EXPECT_FALSE(
      PublicKey::fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
  EXPECT_FALSE(PublicKey::fromRaw("short").ok());
  EXPECT_FALSE(PrivateKey::fromSeed("short").ok());
}

int run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str());
}

// Interoperability with the openssl command-line tool, both ways.
TEST(Ed25519, OpensslSignsAndWeVerify) {
  TempDir dir;
  ASSERT_EQ(run("openssl genpkey -algorithm ed25519 -out " + (dir / "k.pem").string()), 0);
  ASSERT_EQ(run("openssl pkey -in " + (dir / "k.pem").string() + " -pubout -out " +
                (dir / "k.pub").string()),
            0);
  const std::string payload = R"({"id":"x","permissions":[],"version":"1.0.0"})";
  testing::writeFile(dir / "payload", payload);
  ASSERT_EQ(run("openssl pkeyutl -sign -rawin -inkey " + (dir / "k.pem").string() + " -in " +
                (dir / "payload").string() + " -out " + (dir / "sig").string()),
            0);
  auto key = PublicKey::fromPem(testing::readFile(dir / "k.pub"));
  ASSERT_TRUE(key.ok());
  const std::string signature = testing::readFile(dir / "sig");
  EXPECT_TRUE(key->verify(payload, signature));
  EXPECT_FALSE(key->verify(payload + " ", signature));
}

TEST(Ed25519, WeSignAndOpensslVerifies) {
  TempDir dir;
  PrivateKey key = PrivateKey::generate();
  const std::string payload =
      R"({"files":{},"id":"y","permissions":["read_files"],"version":"2.0.0"})";
  testing::writeFile(dir / "k.pub", key.publicKey().pem());
  testing::writeFile(dir / "payload", payload);
  testing::writeFile(dir / "sig", key.sign(payload));
  const std::string verify = "openssl pkeyutl -verify -rawin -pubin -inkey " +
                             (dir / "k.pub").string() + " -in " + (dir / "payload").string() +
                             " -sigfile " + (dir / "sig").string();
  EXPECT_EQ(run(verify), 0);
  testing::writeFile(dir / "payload", payload + "x");
  EXPECT_NE(run(verify), 0);
  // And the key id matches openssl's DER output.
  ASSERT_EQ(run("openssl pkey -pubin -in " + (dir / "k.pub").string() + " -outform DER -out " +
                (dir / "k.der").string()),
            0);
  EXPECT_EQ(key.publicKey().keyId(), sha256Digest(testing::readFile(dir / "k.der")));
}

}  // namespace
}  // namespace ps::core
