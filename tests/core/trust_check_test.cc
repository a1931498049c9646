#include "core/trust_check.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/digest.h"
#include "test_support.h"

namespace ps::core {
namespace {

using testing::editManifest;
using testing::manifestJson;
using testing::signPlugin;
using testing::unsignedPlugin;

class TrustCheckTest : public ::testing::Test {
 protected:
  PrivateKey key_ = PrivateKey::generate();
  PrivateKey otherKey_ = PrivateKey::generate();
  KeyRing ring_ = KeyRing::of({key_.publicKey()});

  PluginFiles signedPlugin(std::map<std::string, std::string> extra = {
                               {"lib/util.py", "X = 1\n"}}) {
    return signPlugin(unsignedPlugin(manifestJson(), std::move(extra)), key_);
  }

  static Rejection rejectionOf(const PluginFiles& plugin, const TrustConfig& trust) {
    auto plan = checkPlugin(plugin, trust);
    EXPECT_FALSE(plan.ok());
    return plan.ok() ? Rejection{} : plan.rejection();
  }

  void expectRejected(const PluginFiles& plugin, const TrustConfig& trust, const std::string& rule,
                      const std::string& fragment) {
    Rejection rejection = rejectionOf(plugin, trust);
    EXPECT_EQ(rejection.rule, rule) << rejection.line();
    EXPECT_NE(rejection.message.find(fragment), std::string::npos) << rejection.line();
    EXPECT_EQ(rejection.line().find('\n'), std::string::npos);
  }
};

TEST_F(TrustCheckTest, AcceptsASignedPluginAndNamesTheSigner) {
  auto plan = checkPlugin(signedPlugin(), {nullptr, &ring_});
  ASSERT_TRUE(plan.ok()) << plan.rejection().line();
  EXPECT_EQ(plan->id, "demo");
  EXPECT_EQ(plan->version, "1.0.0");
  EXPECT_EQ(plan->permissions, std::vector<std::string>{"read_files"});
  EXPECT_EQ(plan->signerKeyId, key_.publicKey().keyId());
  ASSERT_EQ(plan->files.size(), 2u);
  EXPECT_EQ(plan->files[0].path, "lib/util.py");
  EXPECT_EQ(plan->files[1].path, "plugin.py");
  EXPECT_EQ(plan->files[1].digest, sha256Digest(testing::kPluginPy));
  EXPECT_FALSE(plan->policyConfigured);
}

TEST_F(TrustCheckTest, RejectsCodeChangedAfterSigning) {
  PluginFiles plugin = signedPlugin();
  plugin.files["plugin.py"] = "import os; os.system('curl evil')\n";
  expectRejected(plugin, {nullptr, &ring_}, "digest", "\"plugin.py\" has digest");
  expectRejected(plugin, {}, "digest", "\"plugin.py\" has digest");  // also without a key
}

TEST_F(TrustCheckTest, RejectsAFileAddedAfterSigning) {
  PluginFiles plugin = signedPlugin();
  plugin.files["sitecustomize.py"] = "print('hijack')\n";
  expectRejected(plugin, {nullptr, &ring_}, "digest", "\"sitecustomize.py\" is not listed");
}

TEST_F(TrustCheckTest, RejectsAFileRemovedAfterSigning) {
  PluginFiles plugin = signedPlugin();
  plugin.files.erase("lib/util.py");
  expectRejected(plugin, {nullptr, &ring_}, "digest",
                 "\"lib/util.py\" is listed in the manifest but missing");
}

TEST_F(TrustCheckTest, RejectsPermissionsChangedAfterSigning) {
  PluginFiles plugin = editManifest(signedPlugin(), [](nlohmann::json& m) {
    m["permissions"] = {"network", "read_files"};
  });
  expectRejected(plugin, {nullptr, &ring_}, "signature", "does not verify");
}

TEST_F(TrustCheckTest, RejectsADigestListEditedToMatchNewCode) {
  PluginFiles plugin = signedPlugin();
  plugin.files["plugin.py"] = "evil()\n";
  plugin = editManifest(
      plugin, [](nlohmann::json& m) { m["files"]["plugin.py"] = sha256Digest("evil()\n"); });
  expectRejected(plugin, {nullptr, &ring_}, "signature", "does not verify");
}

TEST_F(TrustCheckTest, RejectsAnUnknownKey) {
  PluginFiles plugin = signPlugin(unsignedPlugin(), otherKey_);
  expectRejected(plugin, {nullptr, &ring_}, "signature", "which is not a trusted key");
}

TEST_F(TrustCheckTest, AcceptsTheSecondKeyOfATwoKeyRing) {
  KeyRing two = KeyRing::of({key_.publicKey(), otherKey_.publicKey()});
  auto plan = checkPlugin(signPlugin(unsignedPlugin(), otherKey_), {nullptr, &two});
  ASSERT_TRUE(plan.ok()) << plan.rejection().line();
  EXPECT_EQ(plan->signerKeyId, otherKey_.publicKey().keyId());
}

TEST_F(TrustCheckTest, RejectsAStrippedSignatureWhileAKeyIsConfigured) {
  PluginFiles plugin =
      editManifest(signedPlugin(), [](nlohmann::json& m) { m.erase("signature"); });
  expectRejected(plugin, {nullptr, &ring_}, "signature",
                 "unsigned but a signing key is configured");
  expectRejected(unsignedPlugin(), {nullptr, &ring_}, "signature", "unsigned");
}

TEST_F(TrustCheckTest, RejectsABadSignatureWhileNoKeyIsConfigured) {
  PluginFiles garbage =
      editManifest(signedPlugin(), [](nlohmann::json& m) { m["signature"]["value"] = "@@@@"; });
  expectRejected(garbage, {}, "schema", "value");
  PluginFiles shortSignature = editManifest(
      signedPlugin(), [](nlohmann::json& m) { m["signature"]["value"] = base64Encode("abc"); });
  expectRejected(shortSignature, {}, "signature", "base64 of 64 bytes");
  PluginFiles wrongAlgorithm =
      editManifest(signedPlugin(), [](nlohmann::json& m) { m["signature"]["algorithm"] = "rsa"; });
  expectRejected(wrongAlgorithm, {}, "schema", "algorithm");
}

TEST_F(TrustCheckTest, RejectsGarbageBase64WithAKeyConfigured) {
  PluginFiles plugin = editManifest(signedPlugin(), [](nlohmann::json& m) {
    m["signature"]["value"] = std::string(86, 'A') + "==";
  });
  expectRejected(plugin, {nullptr, &ring_}, "signature", "");
}

TEST_F(TrustCheckTest, RejectsASignatureWithoutAFilesList) {
  PluginFiles plugin = editManifest(signedPlugin(), [](nlohmann::json& m) { m.erase("files"); });
  expectRejected(plugin, {}, "signature", "no files list");
}

TEST_F(TrustCheckTest, UnsignedPluginsWithoutFilesMayHoldOnlyManifestAndPluginPy) {
  EXPECT_TRUE(checkPlugin(unsignedPlugin(), {}).ok());
  expectRejected(unsignedPlugin(manifestJson(), {{"extra.py", ""}}), {}, "layout", "no files list");
  PluginFiles noEntry = unsignedPlugin();
  noEntry.files.erase("plugin.py");
  expectRejected(noEntry, {}, "layout", "no plugin.py");
  PluginFiles noManifest = unsignedPlugin();
  noManifest.files.erase("manifest.json");
  expectRejected(noManifest, {}, "layout", "no manifest.json");
}

TEST_F(TrustCheckTest, AppliesThePolicyAfterTheSignature) {
  auto policy = Policy::parse(R"({"plugins":{"demo":{"permissions":["read_files"],"signers":[")" +
                                  key_.publicKey().keyId() + R"("],"maxTimeoutSeconds":9}}})",
                              false);
  ASSERT_TRUE(policy.ok());
  auto plan = checkPlugin(signedPlugin(), {&*policy, &ring_});
  ASSERT_TRUE(plan.ok()) << plan.rejection().line();
  EXPECT_TRUE(plan->policyConfigured);
  EXPECT_EQ(plan->limits.maxTimeoutSeconds, 9);

  // Signed by another trusted key: the ring accepts it, the policy's signers do not.
  KeyRing two = KeyRing::of({key_.publicKey(), otherKey_.publicKey()});
  expectRejected(signPlugin(unsignedPlugin(), otherKey_), {&*policy, &two}, "policy",
                 "policy allows only");
  // signers set but no key configured: nothing verified, so refused.
  expectRejected(signedPlugin(), {&*policy, nullptr}, "policy", "no verified signature");
}

TEST_F(TrustCheckTest, NetworkNeedsAnExplicitPolicyEntry) {
  PluginFiles plugin = unsignedPlugin(manifestJson("demo", "1.0.0", R"(["network"])"));
  expectRejected(plugin, {}, "policy", "requests \"network\"");
  auto policy = Policy::parse(R"({"plugins":{"demo":{"permissions":["network"]}}})", false);
  EXPECT_TRUE(checkPlugin(plugin, {&*policy, nullptr}).ok());
}

TEST_F(TrustCheckTest, IntegrityCheckIgnoresPolicy) {
  PluginFiles plugin =
      signPlugin(unsignedPlugin(manifestJson("demo", "1.0.0", R"(["network"])")), key_);
  auto plan = checkPluginIntegrity(plugin, &ring_);
  ASSERT_TRUE(plan.ok()) << plan.rejection().line();
  EXPECT_EQ(plan->permissions, std::vector<std::string>{"network"});
}

TEST_F(TrustCheckTest, ExamplePluginsInTheRepositoryPassWithTheShippedPolicyAndKey) {
  const std::filesystem::path plugins = std::filesystem::path(PS_SOURCE_DIR) / "plugins";
  auto policy = Policy::load(plugins / "policy.json");
  ASSERT_TRUE(policy.ok()) << policy.rejection().line();
  auto keys = KeyRing::fromPemFile((plugins / "keys" / "demo.pub.pem").string());
  ASSERT_TRUE(keys.ok()) << keys.rejection().line();
  for (const char* name : {"example", "techdebt"}) {
    auto files = readPluginDir(plugins / name);
    ASSERT_TRUE(files.ok()) << files.rejection().line();
    auto plan = checkPlugin(*files, {&*policy, &*keys});
    ASSERT_TRUE(plan.ok()) << name << ": " << plan.rejection().line();
    EXPECT_EQ(plan->id, name);
    EXPECT_EQ(plan->signerKeyId, keys->keys()[0].keyId());
  }
}

}  // namespace
}  // namespace ps::core
