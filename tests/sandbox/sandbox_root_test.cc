#include "sandbox/sandbox_root.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/digest.h"

namespace ps::sandbox {
namespace {

namespace fs = std::filesystem;

class SandboxRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("ps-root-test-" + std::to_string(getpid()));
    fs::create_directories(base_);
    fs::permissions(base_, fs::perms::owner_all);
    plugin_.files["manifest.json"] = "{}";
    plugin_.files["plugin.py"] = "print('hi')\n";
    plugin_.files["lib/helper.py"] = "X = 1\n";
    verified_ = {{"plugin.py", core::sha256Digest("print('hi')\n")},
                 {"lib/helper.py", core::sha256Digest("X = 1\n")}};
  }
  void TearDown() override { fs::remove_all(base_); }

  static std::string read(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path base_;
  core::PluginFiles plugin_;
  std::vector<core::VerifiedFile> verified_;
};

TEST_F(SandboxRootTest, WritesExactlyTheVerifiedBytesReadOnly) {
  auto root = SandboxRoot::create(plugin_, verified_, base_);
  ASSERT_TRUE(root) << root.error().message;
  EXPECT_EQ(read(root.value()->pluginDir() / "plugin.py"), "print('hi')\n");
  EXPECT_EQ(read(root.value()->pluginDir() / "lib/helper.py"), "X = 1\n");
  EXPECT_EQ(read(root.value()->pluginDir() / "manifest.json"), "{}");
  struct stat st {};
  ASSERT_EQ(stat((root.value()->pluginDir() / "plugin.py").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  EXPECT_TRUE(fs::is_directory(root.value()->mountPoint()));
  EXPECT_TRUE(fs::is_empty(root.value()->mountPoint()));
}

TEST_F(SandboxRootTest, IsRemovedOnDestruction) {
  fs::path dir;
  {
    auto root = SandboxRoot::create(plugin_, verified_, base_);
    ASSERT_TRUE(root);
    dir = root.value()->dir();
    EXPECT_TRUE(fs::exists(dir));
  }
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(SandboxRootTest, RemovesRootsOfDeadRunsButNotOfLiveOnes) {
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  fs::create_directories(base_ / ("run-" + std::to_string(dead) + "-abcdef/plugin"));
  fs::create_directories(base_ / ("run-" + std::to_string(getppid()) + "-abcdef/plugin"));
  auto root = SandboxRoot::create(plugin_, verified_, base_);
  ASSERT_TRUE(root);
  EXPECT_FALSE(fs::exists(base_ / ("run-" + std::to_string(dead) + "-abcdef")));
  EXPECT_TRUE(fs::exists(base_ / ("run-" + std::to_string(getppid()) + "-abcdef")));
  EXPECT_EQ(
      root.value()->dir().filename().string().rfind("run-" + std::to_string(getpid()) + "-", 0),
      0u);
}

TEST_F(SandboxRootTest, RefusesBytesThatDoNotMatchTheVerifiedDigest) {
  verified_[0].digest = core::sha256Digest("something else");
  auto root = SandboxRoot::create(plugin_, verified_, base_);
  ASSERT_FALSE(root);
  EXPECT_NE(root.error().message.find("does not match"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(base_)) << "a failed copy is removed too";
}

TEST_F(SandboxRootTest, RefusesUnverifiedAndMissingFiles) {
  plugin_.files["extra.py"] = "";
  EXPECT_FALSE(SandboxRoot::create(plugin_, verified_, base_));
  plugin_.files.erase("extra.py");
  verified_.push_back({"gone.py", core::sha256Digest("")});
  EXPECT_FALSE(SandboxRoot::create(plugin_, verified_, base_));
}

TEST_F(SandboxRootTest, RefusesUnsafePaths) {
  for (const char* path : {"../escape.py", "/etc/passwd", "a/../../b", ".hidden"}) {
    core::PluginFiles plugin = plugin_;
    plugin.files[path] = "x";
    auto verified = verified_;
    verified.push_back({path, core::sha256Digest("x")});
    auto root = SandboxRoot::create(plugin, verified, base_);
    EXPECT_FALSE(root) << path;
  }
  EXPECT_FALSE(fs::exists(base_.parent_path() / "escape.py"));
}

TEST_F(SandboxRootTest, PrivateBaseMustBeOursAndPrivate) {
  fs::path open = base_ / "open";
  fs::create_directories(open);
  fs::permissions(open, fs::perms::all);
  setenv("PLUGIN_SANDBOX_DIR", open.c_str(), 1);
  EXPECT_FALSE(SandboxRoot::privateBase());
  fs::create_directory_symlink(base_, base_ / "link");
  setenv("PLUGIN_SANDBOX_DIR", (base_ / "link").c_str(), 1);
  EXPECT_FALSE(SandboxRoot::privateBase()) << "a symlink is refused";
  setenv("PLUGIN_SANDBOX_DIR", (base_ / "fresh").c_str(), 1);
  auto fresh = SandboxRoot::privateBase();
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(fs::status(*fresh).permissions(), fs::perms::owner_all);
  unsetenv("PLUGIN_SANDBOX_DIR");
}

}  // namespace
}  // namespace ps::sandbox
