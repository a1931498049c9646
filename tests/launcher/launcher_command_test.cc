#include "launcher/launcher_command.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/utf8.h"
#include "fake_config_map_volume.h"
#include "launcher/verified_volume.h"
#include "sandbox/termination_message.h"

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

// --memory is the Pod's cgroup limit; RLIMIT_AS is only a backstop four times above it, so a
// memory hog meets the cgroup's OOM kill rather than a MemoryError at the limit itself.
TEST_F(LauncherCommandTest, MemoryFlagLeavesTheAddressSpaceFourTimesAboveIt) {
  plugin("import resource\nprint(*resource.getrlimit(resource.RLIMIT_AS))\n");
  EXPECT_EQ(launch({"--memory", std::to_string(64ull << 20)}), 0) << stderrText();
  EXPECT_EQ(stdoutText(), std::to_string(256ull << 20) + " " + std::to_string(256ull << 20) + "\n");
}

TEST_F(LauncherCommandTest, AllocatingTheMemoryFlagTwiceOverIsNotAMemoryError) {
  plugin("b = bytearray(128 << 20)\nprint(len(b))\n");
  EXPECT_EQ(launch({"--memory", std::to_string(64ull << 20)}), 0) << stderrText();
  EXPECT_EQ(stdoutText(), std::to_string(128ull << 20) + "\n");
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
  // The CPU limit, not the wall clock, ends it: no "time limit" line. On 2 loaded cores one CPU
  // second took over 10 s of wall time (seen), so the wall clock is far away rather than tight.
  plugin("while True:\n    pass\n");
  EXPECT_EQ(launch({"--cpu-seconds", "1", "--timeout", "120"}), 124);
  EXPECT_EQ(stderrText().find("time limit"), std::string::npos) << stderrText();
}

TEST_F(LauncherCommandTest, CpuLimitStopsALoopThatIgnoresSigxcpu) {
  plugin("import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n");
  EXPECT_EQ(launch({"--cpu-seconds", "1", "--timeout", "30"}), 124);
}

TEST_F(LauncherCommandTest, LongOutputIsCutToTheLast4KiBWithAMarker) {
  plugin("for i in range(100000):\n    print('line', i)\nprint('END')\n");
  EXPECT_EQ(launch(), 0) << stderrText();
  std::string text = message();
  EXPECT_LE(text.size(), sandbox::kMaxTerminationMessageBytes);
  EXPECT_EQ(text.rfind(core::kTruncationMarker, 0), 0u);
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

// --await-network-isolation: a reachable "API server" (a loopback listener named by the
// Service variables the kubelet sets) keeps the plugin from running: 126 and the reason, in the
// termination message; no variables at all is 126 too, never a run without the check.
TEST_F(LauncherCommandTest, PluginDoesNotStartWhileThePodCanStillReachTheNetwork) {
  plugin("print('the plugin ran')\n");
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(listener, 64), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", std::to_string(ntohs(address.sin_port)).c_str(), 1);
  EXPECT_EQ(launch({"--await-network-isolation", "1"}), 126);
  EXPECT_EQ(message().rfind("no network: the deny-all NetworkPolicy is not in effect", 0), 0u)
      << message();
  EXPECT_EQ(stdoutText().find("the plugin ran"), std::string::npos);

  close(listener);  // now refused: isolated, so the plugin runs
  EXPECT_EQ(launch({"--await-network-isolation", "1"}), 0) << stderrText();
  EXPECT_EQ(stdoutText(), "the plugin ran\n");

  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  EXPECT_EQ(launch({"--await-network-isolation", "1"}), 126);
  EXPECT_NE(message().find("KUBERNETES_SERVICE_HOST/PORT are not set"), std::string::npos)
      << message();
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

// The Pod's case: the plugin ConfigMap at the root, its verified digests pinned with --expect.
class PinnedLauncherTest : public LauncherCommandTest {
 protected:
  void SetUp() override {
    LauncherCommandTest::SetUp();
    fs::remove(dir_ / "root");
    volume_.emplace(dir_ / "root");
    // Copies go under the test's own directory, not the shared /tmp/plugin-sandbox-<uid>.
    setenv("PLUGIN_SANDBOX_DIR", (dir_ / "copies").c_str(), 1);
  }
  void TearDown() override {
    unsetenv("PLUGIN_SANDBOX_DIR");
    LauncherCommandTest::TearDown();
  }

  std::vector<std::string> expectFlags(const std::map<std::string, std::string>& files) {
    std::vector<std::string> flags;
    for (const auto& [name, bytes] : files) {
      flags.insert(flags.end(), {"--expect", name + "=" + core::sha256Digest(bytes)});
    }
    return flags;
  }

  std::map<std::string, std::string> files_ = {
      {"manifest.json", "{\"id\": \"example\"}\n"},
      {"plugin.py",
       "import os, sys\n"
       "sys.path.insert(0, os.getcwd())\n"
       "import helper\n"
       "print(helper.VALUE, os.getcwd() != sys.argv[1])\n"},
      {"helper.py", "VALUE = 'verified'\n"}};
  std::optional<testing::FakeConfigMapVolume> volume_;  // made in SetUp, once dir_ is known
};

TEST_F(PinnedLauncherTest, ExactMatchRunsFromAPrivateCopy) {
  volume_->publish(files_);
  const std::string root = (dir_ / "root").string();
  EXPECT_EQ(launch(expectFlags(files_), {root}), 0) << stderrText();
  EXPECT_EQ(stdoutText(), "verified True\n");
  EXPECT_EQ(message(), "verified True\n");
  EXPECT_TRUE(fs::is_empty(dir_ / "copies")) << "the private copy outlived the run";
}

TEST_F(PinnedLauncherTest, ChangedPluginIsRefusedWith126AndNeverRuns) {
  auto pins = expectFlags(files_);
  files_["plugin.py"] = "open('" + (dir_ / "ran").string() + "', 'w').write('x')\n";
  volume_->publish(files_);
  EXPECT_EQ(launch(pins, {"x"}), 126);
  EXPECT_EQ(message().rfind("plugin changed after the check: plugin.py digest differs", 0), 0u)
      << message();
  EXPECT_NE(stderrText().find("plugin.py digest differs"), std::string::npos) << stderrText();
  EXPECT_EQ(stdoutText(), "");
  EXPECT_FALSE(fs::exists(dir_ / "ran"));
}

TEST_F(PinnedLauncherTest, AddedModuleIsRefused) {
  auto pins = expectFlags(files_);
  files_["json.py"] = "print('shadowed the standard library')\n";
  volume_->publish(files_);
  EXPECT_EQ(launch(pins, {"x"}), 126);
  EXPECT_EQ(message(), "plugin changed after the check: unexpected file \"json.py\"");
}

TEST_F(PinnedLauncherTest, MissingPinnedFileIsRefused) {
  auto pins = expectFlags(files_);
  files_.erase("helper.py");
  volume_->publish(files_);
  EXPECT_EQ(launch(pins, {"x"}), 126);
  EXPECT_EQ(message(), "plugin changed after the check: helper.py is missing");
}

TEST_F(PinnedLauncherTest, SwapDuringTheRunDoesNotChangeWhatIsImported) {
  // The plugin itself plays the kubelet refreshing the volume (a new ..data with a different
  // helper.py) before it imports helper: what it imports is still the verified copy.
  files_["swap.py"] =
      "import os\n"
      "def swap(root):\n"
      "    os.mkdir(os.path.join(root, '..new'))\n"
      "    with open(os.path.join(root, '..new', 'helper.py'), 'w') as f:\n"
      "        f.write(\"VALUE = 'swapped'\\n\")\n"
      "    os.symlink('..new', os.path.join(root, '..tmp'))\n"
      "    os.rename(os.path.join(root, '..tmp'), os.path.join(root, '..data'))\n";
  files_["plugin.py"] =
      "import os, sys\n"
      "sys.path.insert(0, os.getcwd())\n"
      "import swap\n"
      "swap.swap(sys.argv[1])\n"
      "with open(os.path.join(sys.argv[1], 'helper.py')) as f:\n"
      "    print('volume', f.read().strip())\n"
      "import helper\n"
      "print('imported', helper.VALUE)\n";
  volume_->publish(files_);
  const std::string root = (dir_ / "root").string();
  EXPECT_EQ(launch(expectFlags(files_), {root}), 0) << stderrText();
  EXPECT_EQ(stdoutText(), "volume VALUE = 'swapped'\nimported verified\n");
}

TEST_F(PinnedLauncherTest, MalformedPinIsAUsageError) {
  volume_->publish(files_);
  EXPECT_EQ(launch({"--expect", "plugin.py=sha256:00"}), 2);
  EXPECT_NE(stderrText().find("64 lowercase hex"), std::string::npos) << stderrText();
  EXPECT_EQ(launch({"--expect", "../plugin.py=" + core::sha256Digest("")}), 2);
  EXPECT_EQ(stdoutText(), "");
}

TEST_F(PinnedLauncherTest, EachExpectTakesOneValue) {
  // A word after --expect NAME=DIGEST is not another pin: it stays the plugin's argument (the
  // Pod builder puts plugin arguments after "--" anyway).
  volume_->publish(files_);
  auto pins = expectFlags(files_);
  pins.insert(pins.begin() + 2, "stray");
  EXPECT_EQ(launch(pins), 0) << stderrText();
  EXPECT_EQ(stdoutText(), "verified True\n");  // argv[1] was "stray", not the root
}

}  // namespace
}  // namespace ps::launcher
