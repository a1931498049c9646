#include "core/trust_check_memo.h"

#include <gtest/gtest.h>

#include "core/trust_check.h"
#include "test_support.h"

namespace ps::core {
namespace {

using testing::manifestJson;
using testing::signPlugin;
using testing::unsignedPlugin;

class TrustCheckMemoTest : public ::testing::Test {
 protected:
  PrivateKey key_ = PrivateKey::generate();
  KeyRing ring_ = KeyRing::of({key_.publicKey()});
  Policy policy_ = *Policy::parse(R"({"plugins":{"demo":{"permissions":["read_files"]}}})", false);
  TrustCheckMemo memo_;

  PluginFiles signedPlugin(const std::string& extra = "X = 1\n") {
    return signPlugin(unsignedPlugin(manifestJson(), {{"lib/util.py", extra}}), key_);
  }
  TrustConfig trust() { return {&policy_, &ring_, &memo_}; }
};

TEST_F(TrustCheckMemoTest, ARepeatedCheckOfTheSameBytesIsAnsweredFromTheMemo) {
  const PluginFiles plugin = signedPlugin();
  auto first = checkPlugin(plugin, trust());
  ASSERT_TRUE(first.ok()) << first.rejection().line();
  EXPECT_EQ(memo_.size(), 1u);
  EXPECT_EQ(memo_.hits(), 0u);
  auto second = checkPlugin(plugin, trust());
  ASSERT_TRUE(second.ok()) << second.rejection().line();
  EXPECT_EQ(memo_.hits(), 1u);  // answered before any parse or signature verify
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->signerKeyId, first->signerKeyId);
  EXPECT_EQ(second->permissions, first->permissions);
  ASSERT_EQ(second->files.size(), first->files.size());
  EXPECT_EQ(second->files[0].digest, first->files[0].digest);
  EXPECT_TRUE(second->policyConfigured);
}

TEST_F(TrustCheckMemoTest, ChangedBytesAreCheckedAgainAndRejected) {
  PluginFiles plugin = signedPlugin();
  ASSERT_TRUE(checkPlugin(plugin, trust()).ok());
  plugin.files["plugin.py"] += "import os\n";
  auto changed = checkPlugin(plugin, trust());
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.rejection().rule, "digest");
  EXPECT_EQ(memo_.hits(), 0u);
  EXPECT_EQ(memo_.size(), 1u);  // rejections are not kept
}

TEST_F(TrustCheckMemoTest, AnotherPolicyOrKeyRingIsCheckedAgain) {
  const PluginFiles plugin = signedPlugin();
  ASSERT_TRUE(checkPlugin(plugin, trust()).ok());
  Policy narrower = *Policy::parse(R"({"plugins":{"demo":{"permissions":[]}}})", false);
  auto denied = checkPlugin(plugin, {&narrower, &ring_, &memo_});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.rejection().rule, "policy");
  KeyRing otherRing = KeyRing::of({PrivateKey::generate().publicKey()});
  auto untrusted = checkPlugin(plugin, {&policy_, &otherRing, &memo_});
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.rejection().rule, "signature");
  auto unconfigured = checkPlugin(plugin, {nullptr, nullptr, &memo_});
  ASSERT_TRUE(unconfigured.ok());
  EXPECT_FALSE(unconfigured->signerKeyId.has_value());  // not the remembered signed verdict
  EXPECT_FALSE(unconfigured->policyConfigured);
  EXPECT_EQ(memo_.hits(), 0u);
}

TEST_F(TrustCheckMemoTest, TheSamePolicyReloadedStillHits) {
  const PluginFiles plugin = signedPlugin();
  ASSERT_TRUE(checkPlugin(plugin, trust()).ok());
  Policy reloaded = *Policy::parse("plugins:\n  demo:\n    permissions: [read_files]\n", true);
  KeyRing reloadedRing = KeyRing::of({key_.publicKey()});
  ASSERT_TRUE(checkPlugin(plugin, {&reloaded, &reloadedRing, &memo_}).ok());
  EXPECT_EQ(memo_.hits(), 1u);
}

TEST_F(TrustCheckMemoTest, IsBoundedAndEvictsTheLeastRecentlyUsed) {
  TrustCheckMemo small(2);
  const TrustConfig config{&policy_, &ring_, &small};
  const PluginFiles a = signedPlugin("A = 1\n"), b = signedPlugin("B = 1\n"),
                    c = signedPlugin("C = 1\n");
  ASSERT_TRUE(checkPlugin(a, config).ok());
  ASSERT_TRUE(checkPlugin(b, config).ok());
  ASSERT_TRUE(checkPlugin(a, config).ok());  // a is now the most recent
  EXPECT_EQ(small.hits(), 1u);
  ASSERT_TRUE(checkPlugin(c, config).ok());  // evicts b
  EXPECT_EQ(small.size(), 2u);
  ASSERT_TRUE(checkPlugin(a, config).ok());
  EXPECT_EQ(small.hits(), 2u);
  ASSERT_TRUE(checkPlugin(b, config).ok());
  EXPECT_EQ(small.hits(), 2u);  // b was checked again
}

TEST_F(TrustCheckMemoTest, KeysTellPathsAndContentApart) {
  PluginFiles one, two;
  one.files = {{"a", "bc"}};
  two.files = {{"ab", "c"}};
  EXPECT_NE(trustCheckKey(one, &policy_, &ring_), trustCheckKey(two, &policy_, &ring_));
  EXPECT_NE(trustCheckKey(one, &policy_, &ring_), trustCheckKey(one, nullptr, &ring_));
  EXPECT_NE(trustCheckKey(one, &policy_, &ring_), trustCheckKey(one, &policy_, nullptr));
  EXPECT_EQ(trustCheckKey(one, &policy_, &ring_), trustCheckKey(one, &policy_, &ring_));
}

}  // namespace
}  // namespace ps::core
