#include "core/policy.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace ps::core {
namespace {

using testing::TempDir;
using testing::writeFile;

const std::string kKeyA = "sha256:" + std::string(64, 'a');
const std::string kKeyB = "sha256:" + std::string(64, 'b');

Policy parsePolicy(const std::string& text, bool yaml = false) {
  auto policy = Policy::parse(text, yaml);
  EXPECT_TRUE(policy.ok()) << (policy.ok() ? "" : policy.rejection().line());
  return policy.ok() ? std::move(*policy) : Policy{};
}

Rejection evaluationRejection(const Policy& policy, const std::string& id,
                              const std::string& version, std::vector<std::string> permissions,
                              std::optional<std::string> signer) {
  auto grant = policy.evaluate(id, version, permissions, signer);
  EXPECT_FALSE(grant.ok());
  return grant.ok() ? Rejection{} : grant.rejection();
}

TEST(Policy, SeedFormGrantsListedPermissions) {
  Policy policy = parsePolicy(R"({"plugins":{"techdebt":{"permissions":["read_files"]}}})");
  auto grant = policy.evaluate("techdebt", "1.0.0", {"read_files"}, std::nullopt);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->permissions, std::vector<std::string>{"read_files"});
  EXPECT_TRUE(policy.evaluate("techdebt", "1.0.0", {}, std::nullopt).ok());
}

TEST(Policy, RejectsAnUnlistedPlugin) {
  Policy policy = parsePolicy(R"({"plugins":{"techdebt":{"permissions":["read_files"]}}})");
  Rejection rejection = evaluationRejection(policy, "other", "1.0.0", {}, std::nullopt);
  EXPECT_EQ(rejection.line(), "rejected: policy: plugin \"other\" is not listed in the policy");
}

TEST(Policy, RejectsAnExtraPermissionWithTheDocumentedLine) {
  Policy policy = parsePolicy(R"({"plugins":{"techdebt":{"permissions":["read_files"]}}})");
  Rejection rejection =
      evaluationRejection(policy, "techdebt", "1.0.0", {"network", "read_files"}, std::nullopt);
  EXPECT_EQ(
      rejection.line(),
      "rejected: policy: plugin \"techdebt\" requests \"network\", policy grants [read_files]");
}

TEST(Policy, SignersBindAPluginToItsKeys) {
  Policy policy =
      parsePolicy(R"({"plugins":{"techdebt":{"permissions":[],"signers":[")" + kKeyA + R"("]}}})");
  EXPECT_TRUE(policy.evaluate("techdebt", "1.0.0", {}, kKeyA).ok());
  EXPECT_NE(evaluationRejection(policy, "techdebt", "1.0.0", {}, kKeyB)
                .message.find("policy allows only"),
            std::string::npos);
  EXPECT_NE(evaluationRejection(policy, "techdebt", "1.0.0", {}, std::nullopt)
                .message.find("no verified signature"),
            std::string::npos);
}

TEST(Policy, MinVersionRefusesARollback) {
  Policy policy =
      parsePolicy(R"({"plugins":{"techdebt":{"permissions":[],"minVersion":"1.2.0"}}})");
  EXPECT_TRUE(policy.evaluate("techdebt", "1.2.0", {}, std::nullopt).ok());
  EXPECT_TRUE(policy.evaluate("techdebt", "1.10.0", {}, std::nullopt).ok());
  EXPECT_NE(evaluationRejection(policy, "techdebt", "1.1.9", {}, std::nullopt)
                .message.find("older than the policy's minVersion 1.2.0"),
            std::string::npos);
  EXPECT_FALSE(policy.evaluate("techdebt", "1.2.0-rc.1", {}, std::nullopt).ok());
}

TEST(Policy, CarriesLimits) {
  Policy policy = parsePolicy(
      R"({"plugins":{"t":{"permissions":[],"maxTimeoutSeconds":30,"maxMemory":67108864}}})");
  auto grant = policy.evaluate("t", "1.0.0", {}, std::nullopt);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->limits.maxTimeoutSeconds, 30);
  EXPECT_EQ(grant->limits.maxMemory, 67108864);
}

TEST(Policy, WithoutPolicyEverythingButNetworkIsAllowed) {
  EXPECT_TRUE(evaluateWithoutPolicy("x", {"read_files"}).ok());
  auto network = evaluateWithoutPolicy("x", {"network"});
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.rejection().rule, "policy");
  EXPECT_NE(network.rejection().message.find("only an explicit policy entry grants"),
            std::string::npos);
}

void expectInvalid(const std::string& text, bool yaml, const std::string& rule) {
  auto policy = Policy::parse(text, yaml);
  ASSERT_FALSE(policy.ok()) << text;
  EXPECT_EQ(policy.rejection().rule, rule) << policy.rejection().line();
}

TEST(Policy, RejectsInvalidPolicies) {
  expectInvalid(R"({})", false, "schema");
  expectInvalid(R"({"plugins":{"t":{}}})", false, "schema");
  expectInvalid(R"({"plugins":{"t":{"permissions":["root"]}}})", false, "schema");
  expectInvalid(R"({"plugins":{"t":{"permissions":[],"signers":["abc"]}}})", false, "schema");
  expectInvalid(R"({"plugins":{"t":{"permissions":[],"minVersion":"1"}}})", false, "schema");
  expectInvalid(R"({"plugins":{"t":{"permissions":[],"maxTimeoutSeconds":0}}})", false, "schema");
  expectInvalid(R"({"plugins":{"Bad Id":{"permissions":[]}}})", false, "schema");
  expectInvalid(R"({"plugins":{"t":{"permissions":[]}},"extra":1})", false, "schema");
  expectInvalid(R"({"plugins":{"t":{"permissions":[]},"t":{"permissions":["network"]}}})", false,
                "json");
  expectInvalid("plugins:\n  t:\n    permissions: []\n  t:\n    permissions: [network]\n", true,
                "json");
}

// Issue 13 item 4: each of these aborted pluginctl and plugin-controller (std::out_of_range).
TEST(Policy, OutOfRangeNumbersAreRejectionsNotCrashes) {
  for (const char* number : {"1e400", "-1e999", "1e-400", "99999999999999999999", "1.5", "1e300",
                             "-9223372036854775809", "18446744073709551615"}) {
    for (const char* field : {"maxMemory", "maxTimeoutSeconds"}) {
      const std::string yaml =
          std::string("plugins:\n  t:\n    permissions: []\n    ") + field + ": " + number + "\n";
      auto policy = Policy::parse(yaml, true);
      ASSERT_FALSE(policy.ok()) << yaml;
      EXPECT_TRUE(policy.rejection().rule == "json" || policy.rejection().rule == "schema")
          << policy.rejection().line();
      const std::string json =
          std::string(R"({"plugins":{"t":{"permissions":[],")") + field + "\":" + number + "}}}";
      auto fromJson = Policy::parse(json, false);
      ASSERT_FALSE(fromJson.ok()) << json;
    }
  }
  TempDir dir;
  writeFile(dir / "p.yaml", "plugins:\n  t:\n    permissions: []\n    maxMemory: 1e400\n");
  auto loaded = Policy::load(dir / "p.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.rejection().line(),
            "rejected: policy: policy file \"" + (dir / "p.yaml").string() +
                "\": json: policy holds the number \"1e400\", which is outside the range of a "
                "64-bit float");
}

TEST(Policy, YamlFormUsesYaml12Scalars) {
  // `on`/`no` stay strings (YAML 1.1 would make them booleans and silently change meaning).
  const std::string yaml =
      "plugins:\n"
      "  techdebt:\n"
      "    permissions: [read_files]\n"
      "    minVersion: 1.2.0\n"
      "    maxTimeoutSeconds: 0x3c\n"
      "  on:\n"
      "    permissions: []\n"
      "  no:\n"
      "    permissions: []\n";
  Policy policy = parsePolicy(yaml, true);
  ASSERT_NE(policy.find("on"), nullptr);
  ASSERT_NE(policy.find("no"), nullptr);
  ASSERT_NE(policy.find("techdebt"), nullptr);
  EXPECT_EQ(policy.find("techdebt")->limits.maxTimeoutSeconds, 60);
  EXPECT_EQ(*policy.find("techdebt")->minVersion, "1.2.0");
  // A YAML 1.1 reader would see `permissions: yes` as true; here it is a string, which the schema
  // refuses.
  expectInvalid("plugins:\n  t:\n    permissions: yes\n", true, "schema");
}

TEST(Policy, LoadsJsonAndYamlFiles) {
  TempDir dir;
  writeFile(dir / "p.json", R"({"plugins":{"a":{"permissions":[]}}})");
  writeFile(dir / "p.yaml", "plugins:\n  b:\n    permissions: []\n");
  writeFile(dir / "p.conf", "plugins:\n  c:\n    permissions: []\n");
  EXPECT_NE(Policy::load(dir / "p.json")->find("a"), nullptr);
  EXPECT_NE(Policy::load(dir / "p.yaml")->find("b"), nullptr);
  EXPECT_NE(Policy::load(dir / "p.conf")->find("c"), nullptr);
}

TEST(Policy, LoadFailsClosedOnMissingEmptyOrInvalidFiles) {
  TempDir dir;
  auto missing = Policy::load(dir / "missing.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.rejection().rule, "policy");
  writeFile(dir / "empty.json", "");
  EXPECT_NE(Policy::load(dir / "empty.json").rejection().message.find("empty"), std::string::npos);
  writeFile(dir / "bad.json", R"({"plugins":{"a":{"permissions":["network"],"permissions":[]}}})");
  auto bad = Policy::load(dir / "bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.rejection().rule, "policy");
  EXPECT_NE(bad.rejection().message.find("duplicate key"), std::string::npos)
      << bad.rejection().line();
  writeFile(dir / "huge.json", std::string(2 << 20, ' '));
  EXPECT_FALSE(Policy::load(dir / "huge.json").ok());
}

}  // namespace
}  // namespace ps::core
