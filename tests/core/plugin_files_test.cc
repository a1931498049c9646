#include "core/plugin_files.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "test_support.h"

namespace ps::core {
namespace {

using testing::TempDir;
using testing::writeFile;

class PluginDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(dir_ / "manifest.json", "{}");
    writeFile(dir_ / "plugin.py", "print(1)\n");
  }
  Rejection rejectionOf(const PluginDirLimits& limits = {}) {
    auto result = readPluginDir(dir_.path(), limits);
    EXPECT_FALSE(result.ok());
    return result.ok() ? Rejection{} : result.rejection();
  }
  TempDir dir_;
};

TEST_F(PluginDirTest, ReadsEveryFileWithRelativePaths) {
  writeFile(dir_ / "lib" / "helper.py", "x = 1\n");
  auto plugin = readPluginDir(dir_.path());
  ASSERT_TRUE(plugin.ok()) << plugin.rejection().line();
  EXPECT_EQ(plugin->files.size(), 3u);
  EXPECT_EQ(plugin->files.at("lib/helper.py"), "x = 1\n");
  EXPECT_EQ(plugin->files.at("plugin.py"), "print(1)\n");
}

TEST_F(PluginDirTest, RejectsASymlinkedFile) {
  ASSERT_EQ(::symlink("/etc/passwd", (dir_ / "passwd").c_str()), 0);
  auto rejection = rejectionOf();
  EXPECT_EQ(rejection.rule, "layout");
  EXPECT_NE(rejection.message.find("symlink"), std::string::npos) << rejection.line();
}

TEST_F(PluginDirTest, RejectsASymlinkedDirectory) {
  ASSERT_EQ(::symlink("/etc", (dir_ / "etc").c_str()), 0);
  EXPECT_NE(rejectionOf().message.find("symlink"), std::string::npos);
}

TEST_F(PluginDirTest, RejectsTheDirectoryItselfBeingASymlink) {
  TempDir other;
  ASSERT_EQ(::symlink(dir_.path().c_str(), (other / "link").c_str()), 0);
  auto result = readPluginDir(other / "link");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.rejection().rule, "layout");
}

TEST_F(PluginDirTest, RejectsAHardLink) {
  TempDir outside;
  writeFile(outside / "secret", "s");
  ASSERT_EQ(::link((outside / "secret").c_str(), (dir_ / "secret.txt").c_str()), 0);
  EXPECT_NE(rejectionOf().message.find("hard link"), std::string::npos);
}

TEST_F(PluginDirTest, RejectsAFifoWithoutBlocking) {
  ASSERT_EQ(::mkfifo((dir_ / "pipe").c_str(), 0600), 0);
  EXPECT_NE(rejectionOf().message.find("not a regular file"), std::string::npos);
}

TEST_F(PluginDirTest, RejectsASocket) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = (dir_ / "sock").string();
  ASSERT_LT(path.size(), sizeof(address.sun_path));
  std::copy(path.begin(), path.end(), address.sun_path);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
  EXPECT_EQ(rejectionOf().rule, "layout");
}

TEST_F(PluginDirTest, RejectsHiddenAndNonAsciiNames) {
  writeFile(dir_ / ".env", "TOKEN=1");
  EXPECT_NE(rejectionOf().message.find("not an allowed file name"), std::string::npos);
  std::filesystem::remove(dir_ / ".env");
  writeFile(dir_ / "pl\xc3\xbcgin.py", "");
  EXPECT_NE(rejectionOf().message.find("not an allowed file name"), std::string::npos);
}

TEST_F(PluginDirTest, EnforcesSizeAndCountLimits) {
  PluginDirLimits limits;
  limits.maxFileBytes = 4;
  EXPECT_NE(rejectionOf(limits).message.find("the limit is 4"), std::string::npos);
  limits = {};
  limits.maxFiles = 1;
  EXPECT_NE(rejectionOf(limits).message.find("more than 1 files"), std::string::npos);
  limits = {};
  limits.maxTotalBytes = 10;
  EXPECT_NE(rejectionOf(limits).message.find("larger than 10"), std::string::npos);
}

// Issue 13 item 10: empty directories cost nothing against the file limits and were all walked.
TEST_F(PluginDirTest, BoundsEntriesWhileListingAndDirectoriesWhileWalking) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(::mkdir((dir_ / ("d" + std::to_string(i))).c_str(), 0755), 0);
  }
  Rejection flat = rejectionOf();
  EXPECT_EQ(flat.rule, "layout");
  EXPECT_EQ(flat.message, "more than 512 entries (files and directories) in the plugin directory");
}

TEST_F(PluginDirTest, BoundsDirectoriesAcrossTheTree) {
  // 13 + 13 x 4 = 65 directories and 67 entries, depth 2: only the directory bound stops it.
  for (int i = 0; i < 13; ++i) {
    for (int j = 0; j < 4; ++j) {
      std::filesystem::create_directories(dir_ / ("a" + std::to_string(i)) /
                                          ("b" + std::to_string(j)));
    }
  }
  Rejection tree = rejectionOf();
  EXPECT_EQ(tree.rule, "layout");
  EXPECT_EQ(tree.message, "more than 64 directories in the plugin directory");
  PluginDirLimits roomy;
  roomy.maxDirectories = 65;
  EXPECT_TRUE(readPluginDir(dir_.path(), roomy).ok());
  roomy.maxEntries = 66;  // 65 directories + manifest.json + plugin.py = 67
  EXPECT_NE(rejectionOf(roomy).message.find("more than 66 entries"), std::string::npos);
}

TEST_F(PluginDirTest, EnforcesDepthLimit) {
  std::filesystem::path deep = dir_.path();
  for (int i = 0; i < 12; ++i) deep /= "d";
  writeFile(deep / "x.py", "");
  EXPECT_NE(rejectionOf().message.find("nested deeper"), std::string::npos);
}

TEST_F(PluginDirTest, MissingDirectoryIsARejection) {
  auto result = readPluginDir(dir_ / "nope");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.rejection().rule, "layout");
}

TEST(SafeRelativePath, AllowsOnlyStrictAsciiRelativePaths) {
  EXPECT_TRUE(isSafeRelativePath("plugin.py"));
  EXPECT_TRUE(isSafeRelativePath("lib/a_b-c.1.py"));
  for (const char* path : {"", "/abs", "../up", "a/../b", "a//b", "a/", ".hidden", "a/.git/x",
                           "a b", "a\\b", "\xc3\xa9"}) {
    EXPECT_FALSE(isSafeRelativePath(path)) << path;
  }
  EXPECT_FALSE(isSafeRelativePath(std::string(256, 'a')));
}

}  // namespace
}  // namespace ps::core
