#include "api/plugin_config_map.h"

#include <gtest/gtest.h>

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
