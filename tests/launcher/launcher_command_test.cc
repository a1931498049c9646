#include "launcher/launcher_command.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "launcher/termination_message.h"

namespace ps::launcher {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A sandbox root holding one plugin.py, a termination-log path and files that catch the output.
class LauncherCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("launcher-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "root");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void plugin(const std::string& source) { std::ofstream(dir_ / "root" / "plugin.py") << source; }

  // Runs the launcher as the image would, with `extra` flags before `--` and plugin args after.
  int launch(std::vector<std::string> extra = {}, std::vector<std::string> pluginArgs = {},
             const std::string& python = "/usr/bin/python3") {
    std::vector<std::string> argv{"plugin-launcher",
                                  "--root",
                                  (dir_ / "root").string(),
                                  "--termination-log",
                                  terminationLog().string(),
                                  "--python",
                                  python};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (!pluginArgs.empty()) {
      argv.push_back("--");
      argv.insert(argv.end(), pluginArgs.begin(), pluginArgs.end());
    }
    int out = open((dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = open((dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int status = runLauncher(argv, {out, err});
    close(out);
    close(err);
    return status;
  }

  fs::path terminationLog() const { return dir_ / "termination-log"; }
  std::string stdoutText() const { return readFile(dir_ / "stdout"); }
  std::string stderrText() const { return readFile(dir_ / "stderr"); }
  std::string message() const { return readFile(terminationLog()); }

  fs::path dir_;
};

TEST_F(LauncherCommandTest, ResultReachesStdoutAndTheTerminationMessage) {
  plugin("import json\nprint(json.dumps({'todo': 3}))\n");
  EXPECT_EQ(launch(), 0) << stderrText();
  EXPECT_EQ(stdoutText(), "{\"todo\": 3}\n");
  EXPECT_EQ(message(), "{\"todo\": 3}\n");
}

TEST_F(LauncherCommandTest, ExitStatusIsThePlugins) {
  plugin("import sys\nprint('partial')\nsys.exit(3)\n");
  EXPECT_EQ(launch(), 3);
  EXPECT_EQ(message(), "partial\n");
}

TEST_F(LauncherCommandTest, DeathBySignalIs128PlusN) {
  plugin("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n");
  EXPECT_EQ(launch(), 128 + SIGKILL);
}

TEST_F(LauncherCommandTest, ArgumentsArePassedAndCwdIsTheRoot) {
  plugin("import os, sys\nprint(os.getcwd(), sys.argv[1:])\n");
  EXPECT_EQ(launch({}, {"--limit", "20"}), 0) << stderrText();
  EXPECT_EQ(stdoutText(), fs::canonical(dir_ / "root").string() + " ['--limit', '20']\n");
}

TEST_F(LauncherCommandTest, EnvironmentIsNotPassedThrough) {
  setenv("PS_LAUNCHER_TEST_SECRET", "leak", 1);
  setenv("LD_PRELOAD", "/nonexistent.so", 1);
  plugin("import os\nprint(sorted(os.environ))\n");
  int status = launch();
  unsetenv("PS_LAUNCHER_TEST_SECRET");
  unsetenv("LD_PRELOAD");
  EXPECT_EQ(status, 0) << stderrText();
  EXPECT_EQ(stdoutText().find("PS_LAUNCHER_TEST_SECRET"), std::string::npos) << stdoutText();
  EXPECT_EQ(stdoutText().find("LD_PRELOAD"), std::string::npos) << stdoutText();
}

TEST_F(LauncherCommandTest, WallClockLimitKillsWith124) {
  plugin("import time\nprint('started', flush=True)\ntime.sleep(60)\n");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(launch({"--timeout", "1"}), 124);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(stderrText().find("time limit"), std::string::npos) << stderrText();
  EXPECT_EQ(message(), "started\n");
}

TEST_F(LauncherCommandTest, CpuLimitStopsABusyLoop) {
  plugin("while True:\n    pass\n");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(launch({"--cpu-seconds", "1", "--timeout", "30"}), 124);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(LauncherCommandTest, CpuLimitStopsALoopThatIgnoresSigxcpu) {
  plugin("import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n");
  EXPECT_EQ(launch({"--cpu-seconds", "1", "--timeout", "30"}), 124);
}

TEST_F(LauncherCommandTest, LongOutputIsCutToTheLast4KiBWithAMarker) {
  plugin("for i in range(100000):\n    print('line', i)\nprint('END')\n");
  EXPECT_EQ(launch(), 0) << stderrText();
  std::string text = message();
  EXPECT_LE(text.size(), kMaxTerminationMessageBytes);
  EXPECT_EQ(text.rfind(kCutMarker, 0), 0u);
  EXPECT_EQ(text.substr(text.size() - 4), "END\n");
}

TEST_F(LauncherCommandTest, OutputFloodIsCappedWhileThePluginRunsToTheEnd) {
  plugin("import sys\nfor _ in range(4096):\n    sys.stdout.write('x' * 1024)\nprint('\\ndone')\n");
  EXPECT_EQ(launch({"--output-bytes", "65536"}), 0) << stderrText();
  EXPECT_LE(stdoutText().size(), 65536u);
  EXPECT_NE(stderrText().find("[output truncated after"), std::string::npos);
  EXPECT_NE(message().find("done"), std::string::npos);
}

TEST_F(LauncherCommandTest, OrphansDoNotOutliveTheRun) {
  // The plugin double-forks a daemon in its own session that would otherwise sleep for a minute,
  // prints the daemon's pid, and exits at once.
  plugin(
      "import os, sys, time\n"
      "if os.fork() == 0:\n"
      "    os.setsid()\n"
      "    pid = os.fork()\n"
      "    if pid == 0:\n"
      "        time.sleep(60)\n"
      "        os._exit(0)\n"
      "    print(pid, flush=True)\n"
      "    os._exit(0)\n"
      "os.wait()\n");
  EXPECT_EQ(launch({"--timeout", "30"}), 0) << stderrText();
  pid_t daemon = static_cast<pid_t>(std::stol(stdoutText()));
  ASSERT_GT(daemon, 1);
  errno = 0;
  EXPECT_EQ(kill(daemon, 0), -1) << "daemon " << daemon << " still exists";
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(LauncherCommandTest, MissingPluginIsASetupFailureExplainedInTheMessage) {
  EXPECT_EQ(launch(), 126);
  EXPECT_NE(message().find("no plugin.py"), std::string::npos) << message();
}

TEST_F(LauncherCommandTest, UntrustedInterpreterIsRefused) {
  plugin("print('never')\n");
  fs::copy_file("/usr/bin/python3", dir_ / "python3");
  fs::permissions(dir_ / "python3", fs::perms::all);  // world-writable
  EXPECT_EQ(launch({}, {}, (dir_ / "python3").string()), 126);
  EXPECT_EQ(stdoutText(), "");
  EXPECT_NE(message().find("interpreter"), std::string::npos) << message();
}

TEST_F(LauncherCommandTest, BadCommandLineIsUsageError) {
  plugin("print('never')\n");
  EXPECT_EQ(launch({"--timeout", "0"}), 2);
  EXPECT_EQ(launch({"--no-such-flag"}), 2);
  EXPECT_EQ(stdoutText(), "");
}

TEST_F(LauncherCommandTest, TerminationLogComesFromTheEnvironmentWhenNoFlag) {
  plugin("print('via env')\n");
  setenv(kTerminationLogEnv, (dir_ / "from-env").c_str(), 1);
  std::vector<std::string> argv{"plugin-launcher", "--root", (dir_ / "root").string(), "--python",
                                "/usr/bin/python3"};
  int status = runLauncher(argv, {-1, -1});
  unsetenv(kTerminationLogEnv);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(readFile(dir_ / "from-env"), "via env\n");
}

}  // namespace
}  // namespace ps::launcher
