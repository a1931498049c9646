#include "launcher/verified_volume.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/digest.h"
#include "fake_config_map_volume.h"

namespace ps::launcher {
namespace {

namespace fs = std::filesystem;
using testing::FakeConfigMapVolume;

const std::map<std::string, std::string> kPlugin = {
    {"manifest.json", "{\"id\": \"techdebt\"}\n"},
    {"plugin.py", "import helper\nprint(helper.VALUE)\n"},
    {"helper.py", "VALUE = 42\n"}};

ExpectedFiles pinned(const std::map<std::string, std::string>& files) {
  ExpectedFiles expected;
  for (const auto& [name, bytes] : files) expected[name] = core::sha256Digest(bytes);
  return expected;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class VerifiedVolumeTest : public ::testing::Test {
 protected:
  static fs::path testDir() {
    return fs::temp_directory_path() /
           ("verified-volume-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void SetUp() override {
    fs::remove_all(dir_);
    volume_.publish(kPlugin);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The one-line refusal for reading the volume against the original pins.
  std::string refusal(const core::PluginDirLimits& limits = {}) {
    auto read = readVerifiedVolume(volume_.root(), pinned(kPlugin), limits);
    EXPECT_FALSE(read.ok()) << "the volume was accepted";
    if (read.ok()) return "";
    EXPECT_EQ(read.error().message.find('\n'), std::string::npos) << read.error().message;
    return read.error().message;
  }

  // Replaces one published file by something a kubelet never writes.
  fs::path plant(const std::string& name) {
    fs::path file = volume_.dataDir() / name;
    fs::remove(file);
    return file;
  }

  const fs::path dir_ = testDir();
  FakeConfigMapVolume volume_{dir_ / "volume"};
};

TEST_F(VerifiedVolumeTest, ExactMatchIsReadThroughTheKubeletSymlinks) {
  ASSERT_TRUE(fs::is_symlink(volume_.root() / "plugin.py"));  // the layout is the kubelet's
  auto read = readVerifiedVolume(volume_.root(), pinned(kPlugin));
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->files, kPlugin);
}

TEST_F(VerifiedVolumeTest, PlainFilesMatchToo) {
  fs::path plain = dir_ / "plain";
  fs::create_directories(plain);
  for (const auto& [name, bytes] : kPlugin) std::ofstream(plain / name) << bytes;
  auto read = readVerifiedVolume(plain, pinned(kPlugin));
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->files, kPlugin);
}

TEST_F(VerifiedVolumeTest, OneChangedByteIsRefused) {
  auto changed = kPlugin;
  changed["plugin.py"][0] = 'I';
  volume_.publish(changed);
  const std::string why = refusal();
  EXPECT_EQ(why.rfind("plugin changed after the check: plugin.py digest differs (pinned " +
                          core::sha256Digest(kPlugin.at("plugin.py")) + ", found " +
                          core::sha256Digest(changed.at("plugin.py")) + ")",
                      0),
            0u)
      << why;
}

TEST_F(VerifiedVolumeTest, ChangedManifestIsRefused) {
  auto changed = kPlugin;
  changed["manifest.json"] = "{\"id\": \"other\"}\n";
  volume_.publish(changed);
  EXPECT_NE(refusal().find("manifest.json digest differs"), std::string::npos);
}

TEST_F(VerifiedVolumeTest, AddedFileIsRefused) {
  // A json.py next to plugin.py would shadow the standard library's for `import json`.
  auto added = kPlugin;
  added["json.py"] = "print('owned')\n";
  volume_.publish(added);
  EXPECT_EQ(refusal(), "plugin changed after the check: unexpected file \"json.py\"");
}

TEST_F(VerifiedVolumeTest, MissingFileIsRefused) {
  auto fewer = kPlugin;
  fewer.erase("helper.py");
  volume_.publish(fewer);
  EXPECT_EQ(refusal(), "plugin changed after the check: helper.py is missing");
}

TEST_F(VerifiedVolumeTest, DanglingSymlinkIsMissing) {
  fs::remove(plant("helper.py"));
  EXPECT_EQ(refusal(), "plugin changed after the check: helper.py is missing");
}

TEST_F(VerifiedVolumeTest, HiddenFilesCountButKubeletEntriesDoNot) {
  std::ofstream(volume_.root() / ".hidden.py") << "x = 1\n";
  EXPECT_EQ(refusal(), "plugin changed after the check: unexpected file \".hidden.py\"");
  fs::remove(volume_.root() / ".hidden.py");
  std::ofstream(volume_.root() / "..2026_11_28_99_99_99.0") << "kubelet's own\n";
  EXPECT_TRUE(readVerifiedVolume(volume_.root(), pinned(kPlugin)).ok());
}

TEST_F(VerifiedVolumeTest, AbsoluteSymlinkOutOfTheVolumeIsRefused) {
  std::ofstream(dir_ / "outside.py") << kPlugin.at("plugin.py");  // even the right bytes
  fs::create_symlink(dir_ / "outside.py", plant("plugin.py"));
  EXPECT_EQ(refusal(), "plugin changed after the check: plugin.py leads outside the plugin volume");
}

TEST_F(VerifiedVolumeTest, RelativeSymlinkOutOfTheVolumeIsRefused) {
  std::ofstream(dir_ / "outside.py") << kPlugin.at("plugin.py");
  fs::remove(volume_.root() / "plugin.py");
  fs::create_symlink("../outside.py", volume_.root() / "plugin.py");
  EXPECT_EQ(refusal(), "plugin changed after the check: plugin.py leads outside the plugin volume");
}

TEST_F(VerifiedVolumeTest, DataLinkPointingOutOfTheVolumeIsRefused) {
  fs::create_directories(dir_ / "elsewhere");
  for (const auto& [name, bytes] : kPlugin) std::ofstream(dir_ / "elsewhere" / name) << bytes;
  fs::remove(volume_.root() / "..data");
  fs::create_symlink("../elsewhere", volume_.root() / "..data");
  EXPECT_NE(refusal().find("leads outside the plugin volume"), std::string::npos);
}

TEST_F(VerifiedVolumeTest, ProcMagicLinkIsRefused) {
  fs::create_symlink("/proc/self/root/etc/passwd", plant("plugin.py"));
  EXPECT_NE(refusal().find("plugin.py leads outside the plugin volume"), std::string::npos);
}

TEST_F(VerifiedVolumeTest, SymlinkLoopIsRefused) {
  fs::create_symlink("helper.py", plant("helper.py"));
  EXPECT_EQ(refusal(), "plugin changed after the check: helper.py is a symlink loop");
}

TEST_F(VerifiedVolumeTest, DirectoryWhereAFileShouldBeIsRefused) {
  fs::create_directory(plant("helper.py"));
  EXPECT_EQ(refusal(), "plugin changed after the check: helper.py is not a regular file");
}

TEST_F(VerifiedVolumeTest, FifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo(plant("helper.py").c_str(), 0644), 0);
  EXPECT_EQ(refusal(), "plugin changed after the check: helper.py is not a regular file");
}

TEST_F(VerifiedVolumeTest, HardLinkIsRefused) {
  std::ofstream(dir_ / "other.py") << kPlugin.at("helper.py");
  fs::create_hard_link(dir_ / "other.py", plant("helper.py"));
  EXPECT_EQ(refusal(), "plugin changed after the check: helper.py is a hard link");
}

TEST_F(VerifiedVolumeTest, HugeFileIsRefusedBeforeItIsRead) {
  // 8 GiB, sparse: reading it would take the launcher's memory; the size alone refuses it.
  fs::path huge = plant("helper.py");
  { std::ofstream create(huge); }
  fs::resize_file(huge, std::uintmax_t{8} << 30);
  EXPECT_EQ(refusal(), "plugin changed after the check: helper.py is larger than 4194304 bytes");
}

TEST_F(VerifiedVolumeTest, FileOverTheConfiguredLimitIsRefused) {
  core::PluginDirLimits limits;
  limits.maxFileBytes = 16;  // plugin.py is 36 bytes
  EXPECT_NE(refusal(limits).find("is larger than 16 bytes"), std::string::npos);
}

TEST_F(VerifiedVolumeTest, TotalOverTheLimitIsRefused) {
  core::PluginDirLimits limits;
  limits.maxTotalBytes = 40;  // each file fits, all three do not
  EXPECT_EQ(refusal(limits),
            "plugin changed after the check: the files add up to more than 40 bytes");
}

TEST_F(VerifiedVolumeTest, TooManyEntriesAreRefused) {
  for (int i = 0; i < 20; ++i) std::ofstream(volume_.root() / ("f" + std::to_string(i)));
  core::PluginDirLimits limits;
  limits.maxFiles = 8;
  EXPECT_EQ(refusal(limits),
            "plugin changed after the check: more than 8 files in the plugin volume");
}

TEST_F(VerifiedVolumeTest, HostileNameIsShownOnOneLine) {
  std::ofstream(volume_.root() / "evil\nname\x01\"x\".py") << "";
  EXPECT_EQ(refusal(),
            "plugin changed after the check: unexpected file \"evil\\x0aname\\x01\\x22x\\x22.py\"");
}

TEST_F(VerifiedVolumeTest, MissingRootIsASetupError) {
  auto read = readVerifiedVolume(dir_ / "nowhere", pinned(kPlugin));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("nowhere"), std::string::npos) << read.error().message;
}

TEST_F(VerifiedVolumeTest, CopyHoldsTheCheckedBytesAfterTheVolumeChanges) {
  fs::create_directories(dir_ / "base");
  auto copy = copyVerifiedVolume(volume_.root(), pinned(kPlugin), dir_ / "base");
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  auto swapped = kPlugin;
  swapped["plugin.py"] = "print('swapped')\n";
  swapped["json.py"] = "print('owned')\n";
  volume_.publish(swapped);
  const fs::path copied = (*copy)->pluginDir();
  EXPECT_EQ(readFile(copied / "plugin.py"), kPlugin.at("plugin.py"));
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(copied)) {
    EXPECT_TRUE(entry.is_regular_file() && !entry.is_symlink()) << entry.path();
    files[entry.path().filename().string()] = readFile(entry.path());
  }
  EXPECT_EQ(files, kPlugin);
}

TEST_F(VerifiedVolumeTest, NoCopyIsMadeOfAChangedVolume) {
  fs::create_directories(dir_ / "base");
  auto changed = kPlugin;
  changed["helper.py"] = "VALUE = 0\n";
  volume_.publish(changed);
  auto copy = copyVerifiedVolume(volume_.root(), pinned(kPlugin), dir_ / "base");
  ASSERT_FALSE(copy.ok());
  EXPECT_NE(copy.error().message.find("helper.py digest differs"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir_ / "base"));
}

}  // namespace
}  // namespace ps::launcher
