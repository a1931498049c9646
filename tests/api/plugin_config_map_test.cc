#include "api/plugin_config_map.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

std::string rejectionOf(const json& configMap, const core::PluginDirLimits& limits = {}) {
  const auto files = pluginFilesFromConfigMap(configMap, limits);
  return files ? "accepted" : files.rejection().line();
}

TEST(PluginConfigMapTest, ReadsDataAndBinaryData) {
  const auto files =
      pluginFilesFromConfigMap({{"data", {{"manifest.json", "{}"}, {"plugin.py", "print(1)\n"}}},
                                {"binaryData", {{"blob.bin", "AAEC"}}}});
  ASSERT_TRUE(files.ok()) << files.rejection().line();
  EXPECT_EQ(files->files.size(), 3u);
  EXPECT_EQ(files->files.at("plugin.py"), "print(1)\n");
  EXPECT_EQ(files->files.at("blob.bin"), std::string("\x00\x01\x02", 3));
}

TEST(PluginConfigMapTest, EmptyConfigMapIsEmptyPlugin) {
  const auto files = pluginFilesFromConfigMap(json::object());
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->files.empty());
}

// Found by config_map_fuzz: a key with a newline made a two-line rejection, and a key cut at 64
// bytes inside a character made invalid UTF-8 (which a condition message and an Event carry).
TEST(PluginConfigMapTest, RejectionShowsAKeyAsOneShortLineOfValidUtf8) {
  std::string accented;
  for (int i = 0; i < 40; ++i) accented += "\xc3\xa9";  // 80 bytes of "é", cut at 64 bytes
  const std::string cut = rejectionOf({{"data", {{"a\n/" + accented, "x"}}}});
  EXPECT_EQ(cut.find('\n'), std::string::npos) << cut;
  EXPECT_NE(cut.find("key \"a\\x0a/\xc3\xa9"), std::string::npos) << cut;
  EXPECT_NE(cut.find("...\" is not a safe file name"), std::string::npos) << cut;
  EXPECT_EQ(core::sanitizeUtf8(cut), cut);
  const std::string huge(100000, 'k');
  EXPECT_LT(rejectionOf({{"data", {{huge, 5}}}}).size(), 200u);  // was the whole key
}

TEST(PluginConfigMapTest, RejectsUnsafeOrBrokenEntries) {
  EXPECT_NE(rejectionOf({{"data", {{"..", "x"}}}}).find("rejected: layout: "), std::string::npos);
  EXPECT_NE(rejectionOf({{"data", {{".hidden", "x"}}}}).find("not a safe file name"),
            std::string::npos);
  EXPECT_NE(rejectionOf({{"data", {{"a/b.py", "x"}}}}).find("not a safe file name"),
            std::string::npos);
  EXPECT_NE(rejectionOf({{"data", {{"a.py", 5}}}}).find("not a string"), std::string::npos);
  EXPECT_NE(rejectionOf({{"binaryData", {{"a.bin", "!!!"}}}}).find("not valid base64"),
            std::string::npos);
  EXPECT_NE(rejectionOf({{"data", {{"a", "x"}}}, {"binaryData", {{"a", "eA=="}}}})
                .find("in both data and binaryData"),
            std::string::npos);
  EXPECT_NE(rejectionOf({{"data", "x"}}).find("data is not a map"), std::string::npos);
  EXPECT_NE(rejectionOf(json::array()).find("not an object"), std::string::npos);
}

TEST(PluginConfigMapTest, EnforcesTheDirectoryLimits) {
  core::PluginDirLimits limits;
  limits.maxFiles = 2;
  limits.maxFileBytes = 10;
  limits.maxTotalBytes = 15;
  EXPECT_NE(rejectionOf({{"data", {{"a", "1"}, {"b", "2"}, {"c", "3"}}}}, limits)
                .find("more than 2 files"),
            std::string::npos);
  EXPECT_NE(rejectionOf({{"data", {{"a", std::string(11, 'x')}}}}, limits).find("larger than 10"),
            std::string::npos);
  EXPECT_NE(
      rejectionOf({{"data", {{"a", std::string(8, 'x')}, {"b", std::string(8, 'x')}}}}, limits)
          .find("more than 15 bytes"),
      std::string::npos);
}

}  // namespace
}  // namespace ps::reconcile
