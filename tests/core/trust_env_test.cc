#include "core/trust_env.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "test_support.h"

namespace ps::core {
namespace {

using testing::TempDir;
using testing::writeFile;

// Sets or unsets the two variables for one test and restores them afterwards.
class TrustEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {kPolicyFileEnv, kSigningKeyEnv}) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    ::unsetenv(kPolicyFileEnv);
    ::unsetenv(kSigningKeyEnv);
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  std::vector<std::pair<std::string, std::string>> saved_;
  TempDir dir_;
};

TEST_F(TrustEnvTest, UnsetMeansNotConfigured) {
  auto trust = loadTrust(trustSourcesFromEnvironment());
  ASSERT_TRUE(trust.ok());
  EXPECT_EQ(trust->config().policy, nullptr);
  EXPECT_EQ(trust->config().keys, nullptr);
}

TEST_F(TrustEnvTest, ReadsPolicyFileAndKeyFromTheEnvironment) {
  PrivateKey key = PrivateKey::generate();
  writeFile(dir_ / "policy.yaml", "plugins:\n  demo:\n    permissions: [read_files]\n");
  writeFile(dir_ / "key.pem", key.publicKey().pem());
  ::setenv(kPolicyFileEnv, (dir_ / "policy.yaml").c_str(), 1);
  ::setenv(kSigningKeyEnv, (dir_ / "key.pem").c_str(), 1);
  auto trust = loadTrust(trustSourcesFromEnvironment());
  ASSERT_TRUE(trust.ok()) << trust.rejection().line();
  ASSERT_NE(trust->config().policy, nullptr);
  EXPECT_NE(trust->config().policy->find("demo"), nullptr);
  ASSERT_NE(trust->config().keys, nullptr);
  EXPECT_NE(trust->config().keys->find(key.publicKey().keyId()), nullptr);
}

TEST_F(TrustEnvTest, AcceptsInlinePemInTheKeyVariable) {
  PrivateKey key = PrivateKey::generate();
  ::setenv(kSigningKeyEnv, key.publicKey().pem().c_str(), 1);
  auto trust = loadTrust(trustSourcesFromEnvironment());
  ASSERT_TRUE(trust.ok()) << trust.rejection().line();
  EXPECT_NE(trust->keys->find(key.publicKey().keyId()), nullptr);
}

void expectFailsClosed(const std::string& rule) {
  auto trust = loadTrust(trustSourcesFromEnvironment());
  ASSERT_FALSE(trust.ok());
  EXPECT_EQ(trust.rejection().rule, rule) << trust.rejection().line();
}

TEST_F(TrustEnvTest, SetButBadKeyFailsClosed) {
  ::setenv(kSigningKeyEnv, "", 1);
  expectFailsClosed("key");
  ::setenv(kSigningKeyEnv, (dir_ / "missing.pem").c_str(), 1);
  expectFailsClosed("key");
  writeFile(dir_ / "empty.pem", "");
  ::setenv(kSigningKeyEnv, (dir_ / "empty.pem").c_str(), 1);
  expectFailsClosed("key");
}

TEST_F(TrustEnvTest, SetButBadPolicyFailsClosed) {
  ::setenv(kPolicyFileEnv, "", 1);
  expectFailsClosed("policy");
  ::setenv(kPolicyFileEnv, (dir_ / "missing.json").c_str(), 1);
  expectFailsClosed("policy");
  writeFile(dir_ / "bad.json", R"({"plugins":"all"})");
  ::setenv(kPolicyFileEnv, (dir_ / "bad.json").c_str(), 1);
  expectFailsClosed("policy");
}

TEST_F(TrustEnvTest, FlagsWinOverTheEnvironment) {
  TrustSources environment{std::string("env-policy"), std::string("env-key")};
  TrustSources merged =
      mergeTrustSources(TrustSources{std::string("flag-policy"), std::nullopt}, environment);
  EXPECT_EQ(merged.policyFile, "flag-policy");
  EXPECT_EQ(merged.signingKey, "env-key");
}

}  // namespace
}  // namespace ps::core
