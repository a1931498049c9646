#include "sandbox/tool_runner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace ps::sandbox {
namespace {

namespace fs = std::filesystem;

class ToolRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ps-tool-runner-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path makeFile(const std::string& name, fs::perms perms) {
    fs::path file = dir_ / name;
    std::ofstream(file) << "#!/bin/false\n";
    fs::permissions(file, perms);
    return file;
  }
  fs::path dir_;
};

TEST_F(ToolRunnerTest, AcceptsTheSystemPythonAndResolvesItsSymlink) {
  auto runner = ToolRunner::create("/usr/bin/python3");
  ASSERT_TRUE(runner) << runner.error().message;
  EXPECT_EQ(runner->interpreter(), fs::canonical("/usr/bin/python3"));
  EXPECT_FALSE(fs::is_symlink(runner->interpreter()));
}

TEST_F(ToolRunnerTest, AlwaysRunsIsolatedPluginPyWithArgs) {
  auto runner = ToolRunner::create("/usr/bin/python3");
  ASSERT_TRUE(runner);
  auto argv = runner->argv({"--limit", "20"});
  ASSERT_EQ(argv.size(), 5u);
  EXPECT_EQ(argv[1], "-I");
  EXPECT_EQ(argv[2], "plugin.py");
  EXPECT_EQ(argv[3], "--limit");
}

TEST_F(ToolRunnerTest, EnvironmentIsTheFixedMinimalSet) {
  auto env = ToolRunner::environment();
  EXPECT_NE(std::find(env.begin(), env.end(), "PATH=/usr/bin"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "HOME=/tmp"), env.end());
  for (const auto& var : env) {
    EXPECT_NE(var.rfind("LD_", 0), 0u) << var;
  }
}

TEST_F(ToolRunnerTest, RefusesRelativePaths) {
  auto runner = ToolRunner::create("python3");
  ASSERT_FALSE(runner);
  EXPECT_NE(runner.error().message.find("not an absolute path"), std::string::npos);
}

TEST_F(ToolRunnerTest, RefusesMissingFilesDirectoriesAndNonExecutables) {
  EXPECT_FALSE(ToolRunner::create(dir_ / "missing"));
  EXPECT_FALSE(ToolRunner::create(dir_));
  EXPECT_FALSE(
      ToolRunner::create(makeFile("plain", fs::perms::owner_read | fs::perms::owner_write)));
}

TEST_F(ToolRunnerTest, RefusesFilesOthersMayWrite) {
  auto file = makeFile("shared", fs::perms::owner_all | fs::perms::others_write);
  auto runner = ToolRunner::create(file);
  ASSERT_FALSE(runner);
  EXPECT_NE(runner.error().message.find("another user"), std::string::npos);
}

TEST_F(ToolRunnerTest, RefusesADirectoryOthersMayWrite) {
  auto file = makeFile("interp", fs::perms::owner_all);
  fs::permissions(dir_, fs::perms::all);  // 0777, without sticky bit
  auto runner = ToolRunner::create(file);
  EXPECT_FALSE(runner);
}

TEST_F(ToolRunnerTest, ResolvesASymlinkToWhatItPointsAt) {
  fs::create_symlink("/usr/bin/python3", dir_ / "py");
  auto runner = ToolRunner::create(dir_ / "py");
  ASSERT_TRUE(runner) << runner.error().message;
  EXPECT_EQ(runner->interpreter(), fs::canonical("/usr/bin/python3"));
}

TEST_F(ToolRunnerTest, EnvironmentVariableChoosesTheInterpreter) {
  setenv(ToolRunner::kInterpreterEnv, "relative/python", 1);
  EXPECT_FALSE(ToolRunner::fromEnvironment());
  unsetenv(ToolRunner::kInterpreterEnv);
  auto runner = ToolRunner::fromEnvironment();
  ASSERT_TRUE(runner);
  EXPECT_EQ(runner->interpreter(), fs::canonical(ToolRunner::kDefaultInterpreter));
}

}  // namespace
}  // namespace ps::sandbox
