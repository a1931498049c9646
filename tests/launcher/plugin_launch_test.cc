#include "launcher/plugin_launch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/exit_codes.h"

namespace ps::launcher {
namespace {

namespace fs = std::filesystem;
using sandbox::SandboxOutcome;

// launchPlugin itself, below the command line: what the RunResult says for each way a run ends.
class PluginLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("plugin-launch-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    spec_.root = root_;
    spec_.interpreter = "/usr/bin/python3";
    devNull_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
  }
  void TearDown() override {
    close(devNull_);
    fs::remove_all(root_);
  }

  void plugin(const std::string& source) { std::ofstream(root_ / "plugin.py") << source; }
  sandbox::RunResult launch() { return launchPlugin(spec_, {devNull_, devNull_}); }

  fs::path root_;
  LaunchSpec spec_;
  int devNull_ = -1;
};

TEST_F(PluginLaunchTest, ExitCodeAndStdoutTailAreThePlugins) {
  plugin("print('found 3')\nraise SystemExit(7)\n");
  auto result = launch();
  EXPECT_EQ(result.outcome, SandboxOutcome::kExited) << result.setupError;
  EXPECT_EQ(result.exitCode, 7);
  EXPECT_EQ(result.output.stdoutTail, "found 3\n");
  EXPECT_TRUE(result.setupError.empty());
}

TEST_F(PluginLaunchTest, DeathBySignalNamesTheSignal) {
  plugin("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n");
  auto result = launch();
  EXPECT_EQ(result.outcome, SandboxOutcome::kSignaled);
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_EQ(result.exitCode, exitCodeForSignal(SIGTERM));
}

TEST_F(PluginLaunchTest, TheWallClockIsADeadlineTheCpuLimitIsNot) {
  plugin("import time\ntime.sleep(60)\n");
  spec_.limits.wallTime = std::chrono::seconds(1);
  auto slept = launch();
  EXPECT_EQ(slept.outcome, SandboxOutcome::kTimedOut);
  EXPECT_EQ(slept.exitCode, kExitTimedOut);
  EXPECT_TRUE(slept.deadlineReached);

  plugin("while True:\n    pass\n");
  spec_.limits.wallTime = std::chrono::seconds(120);
  spec_.limits.cpuTime = std::chrono::seconds(1);
  auto spun = launch();
  EXPECT_EQ(spun.outcome, SandboxOutcome::kTimedOut);
  EXPECT_EQ(spun.exitCode, kExitTimedOut);
  EXPECT_FALSE(spun.deadlineReached);
}

TEST_F(PluginLaunchTest, APluginThatClosesItsOutputIsStillWaitedFor) {
  plugin(
      "import os, time\nprint('bye', flush=True)\nos.close(1)\nos.close(2)\ntime.sleep(1)\n"
      "raise SystemExit(5)\n");
  auto result = launch();
  EXPECT_EQ(result.exitCode, 5);
  EXPECT_EQ(result.output.stdoutTail, "bye\n");
}

TEST_F(PluginLaunchTest, NoPluginIsASetupFailureThatSaysWhy) {
  auto result = launch();
  EXPECT_EQ(result.outcome, SandboxOutcome::kSetupFailed);
  EXPECT_EQ(result.exitCode, kExitSetupFailed);
  EXPECT_NE(result.setupError.find("no plugin.py"), std::string::npos) << result.setupError;
}

TEST_F(PluginLaunchTest, AMissingInterpreterIsASetupFailure) {
  plugin("print('ran')\n");
  spec_.interpreter = root_ / "no-such-python3";
  auto result = launch();
  EXPECT_EQ(result.outcome, SandboxOutcome::kSetupFailed);
  EXPECT_FALSE(result.setupError.empty());
  EXPECT_EQ(result.output.stdoutTail, "");
}

}  // namespace
}  // namespace ps::launcher
