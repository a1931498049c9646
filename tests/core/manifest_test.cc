#include "core/manifest.h"

#include <gtest/gtest.h>

#include "core/base64.h"

namespace ps::core {
namespace {

Rejection rejectionOf(std::string_view bytes) {
  auto result = parseManifest(bytes);
  EXPECT_FALSE(result.ok()) << bytes.substr(0, 120);
  return result.ok() ? Rejection{} : result.rejection();
}

void expectRejected(std::string_view bytes, const std::string& rule, const std::string& fragment) {
  Rejection rejection = rejectionOf(bytes);
  EXPECT_EQ(rejection.rule, rule) << rejection.line();
  EXPECT_NE(rejection.message.find(fragment), std::string::npos) << rejection.line();
}

const std::string kSignature = R"("signature":{"keyid":"sha256:)" + std::string(64, 'a') +
                               R"(","algorithm":"ed25519","value":")" +
                               base64Encode(std::string(64, 'x')) + R"("})";

TEST(Manifest, AcceptsTheMinimalForm) {
  auto manifest = parseManifest(R"({"id":"techdebt","version":"1.2.0","permissions":[]})");
  ASSERT_TRUE(manifest.ok()) << manifest.rejection().line();
  EXPECT_EQ(manifest->id, "techdebt");
  EXPECT_EQ(manifest->version, "1.2.0");
  EXPECT_TRUE(manifest->permissions.empty());
  EXPECT_FALSE(manifest->files);
  EXPECT_FALSE(manifest->signature);
}

TEST(Manifest, AcceptsTheFullFormAndSortsPermissions) {
  auto manifest = parseManifest(R"({"id":"a-1","version":"1.0.0-rc.1","description":"d",
    "permissions":["read_files","network"],"files":{"plugin.py":"sha256:)" +
                                std::string(64, '0') + R"(","lib/x.py":"sha256:)" +
                                std::string(64, '1') + "\"}," + kSignature + "}");
  ASSERT_TRUE(manifest.ok()) << manifest.rejection().line();
  EXPECT_EQ(manifest->permissions, (std::vector<std::string>{"network", "read_files"}));
  EXPECT_EQ(manifest->files->size(), 2u);
  EXPECT_EQ(manifest->signature->value, std::string(64, 'x'));
}

TEST(Manifest, RejectsMissingRequiredFields) {
  expectRejected(R"({"version":"1.0.0","permissions":[]})", "schema", "id");
  expectRejected(R"({"id":"a","permissions":[]})", "schema", "version");
  expectRejected(R"({"id":"a","version":"1.0.0"})", "schema", "permissions");
}

TEST(Manifest, RejectsUnknownFieldsAndPermissions) {
  expectRejected(R"({"id":"a","version":"1.0.0","permissions":[],"entrypoint":"x.py"})", "schema",
                 "<root>");
  expectRejected(R"({"id":"a","version":"1.0.0","permissions":["root"]})", "schema",
                 "[permissions][0]");
  expectRejected(R"({"id":"a","version":"1.0.0","permissions":["read_files","read_files"]})",
                 "schema", "permissions");
}

TEST(Manifest, RejectsBadIdsBeforeAnyRegexSeesThem) {
  expectRejected(R"({"id":"Tech","version":"1.0.0","permissions":[]})", "schema", "id must be");
  expectRejected(R"({"id":"-x","version":"1.0.0","permissions":[]})", "schema", "id must be");
  expectRejected(R"({"id":"","version":"1.0.0","permissions":[]})", "schema", "id must be");
  expectRejected("{\"id\":\"t\xd0\xb5\x63hdebt\",\"version\":\"1.0.0\",\"permissions\":[]}",
                 "schema", "id must be");  // Cyrillic e
  expectRejected(R"({"id":")" + std::string(64, 'a') + R"(","version":"1.0.0","permissions":[]})",
                 "schema", "id must be");
}

TEST(Manifest, RejectsAOneMebibyteIdCleanly) {
  const std::string manifest =
      R"({"id":")" + std::string(1 << 20, 'a') + R"(","version":"1.0.0","permissions":[]})";
  expectRejected(manifest, "json", "limit is 1048576");  // over the size cap as a whole
  const std::string justUnder =
      R"({"id":")" + std::string((1 << 20) - 100, 'a') + R"(","version":"1.0.0","permissions":[]})";
  expectRejected(justUnder, "schema", "id must be");
}

TEST(Manifest, RejectsLongStringsBeforeSchemaPatterns) {
  const std::string manifest =
      R"({"id":"a","version":"1.0.0-)" + std::string(900000, 'a') + R"(","permissions":[]})";
  expectRejected(manifest, "schema", "longer than 1024 bytes");
}

TEST(Manifest, RejectsBadVersions) {
  expectRejected(R"({"id":"a","version":"1.0","permissions":[]})", "schema", "version");
  expectRejected(R"({"id":"a","version":"1.0.0-01","permissions":[]})", "schema",
                 "not a semantic version");
}

TEST(Manifest, RejectsHostileJson) {
  expectRejected(R"({"id":"a","id":"b","version":"1.0.0","permissions":[]})", "json",
                 "duplicate key");
  expectRejected("{\"id\":\"a\xff\",\"version\":\"1.0.0\",\"permissions\":[]}", "json", "UTF-8");
  expectRejected(std::string(200000, '[') + std::string(200000, ']'), "json", "deeper");
  expectRejected(std::string(32 << 20, ' '), "json", "limit is 1048576");
  expectRejected("[1,2]", "schema", "must be a JSON object");
}

TEST(Manifest, RejectsUnsafeFilePaths) {
  for (const char* path : {"../x.py", "/etc/passwd", "a//b", ".hidden", "a/./b", "a\\\\b", "sp ace",
                           "manifest.json"}) {
    const std::string manifest = R"({"id":"a","version":"1.0.0","permissions":[],"files":{")" +
                                 std::string(path) + R"(":"sha256:)" + std::string(64, '0') +
                                 "\"}}";
    auto result = parseManifest(manifest);
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_TRUE(result.rejection().rule == "schema" || result.rejection().rule == "layout")
        << result.rejection().line();
  }
}

TEST(Manifest, RejectsMalformedDigests) {
  expectRejected(
      R"({"id":"a","version":"1.0.0","permissions":[],"files":{"plugin.py":"sha256:ABC"}})",
      "schema", "plugin.py");
  expectRejected(R"({"id":"a","version":"1.0.0","permissions":[],"files":{"plugin.py":"md5:)" +
                     std::string(32, '0') + "\"}}",
                 "schema", "plugin.py");
}

TEST(Manifest, RejectsGarbageSignatures) {
  const std::string prefix =
      R"({"id":"a","version":"1.0.0","permissions":[],"signature":{"keyid":"sha256:)" +
      std::string(64, 'a') + R"(","algorithm":)";
  expectRejected(prefix + R"("rsa","value":"AAAA"}})", "schema", "algorithm");
  expectRejected(prefix + R"("ed25519","value":"not base64!"}})", "schema", "value");
  expectRejected(prefix + R"("ed25519","value":"AAAA"}})", "signature",
                 "base64 of 64 bytes");  // 3 bytes
  expectRejected(prefix + R"("ed25519","value":"Zh=="}})", "signature",
                 "base64 of 64 bytes");  // non-canonical
  expectRejected(
      R"({"id":"a","version":"1.0.0","permissions":[],"signature":{"keyid":"abc","algorithm":"ed25519","value":"AAAA"}})",
      "schema", "keyid");
}

}  // namespace
}  // namespace ps::core
