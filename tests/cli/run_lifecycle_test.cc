// `pluginctl run` as a process: a closed output pipe (issue 13 item 5), a killed pluginctl whose
// leftovers the next run sweeps (item 5), and interpreters the sandbox must refuse (item 9).
#include <signal.h>
#include <spawn.h>

#include "pluginctl_process.h"

extern char** environ;

namespace ps::cli::testing {
namespace {

const char* const kCgroupParents[] = {"/sys/fs/cgroup/pids/plugin-sandbox",
                                      "/sys/fs/cgroup/memory/plugin-sandbox"};

// Entries under `dir` whose name starts with "run-<pid>-".
std::vector<fs::path> ownedBy(const fs::path& dir, pid_t pid) {
  std::vector<fs::path> found;
  std::error_code ec;
  const std::string prefix = "run-" + std::to_string(pid) + "-";
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) found.push_back(entry.path());
  }
  return found;
}

std::vector<fs::path> cgroupsOf(pid_t pid) {
  std::vector<fs::path> found;
  for (const char* parent : kCgroupParents) {
    for (auto& group : ownedBy(parent, pid)) found.push_back(group);
  }
  return found;
}

bool usesCgroups() {
  return geteuid() == 0 && fs::exists("/sys/fs/cgroup/pids/cgroup.procs");
}

class RunLifecycleTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    unprivileged_ = GetParam();
    if (unprivileged_ && geteuid() != 0) GTEST_SKIP() << "not root: the default case is this one";
    base_ = scratch_ / "sandbox-dir";
    fs::create_directories(base_);
    ::chmod(base_.c_str(), 0700);
    if (unprivileged_) {
      ASSERT_EQ(::chown(base_.c_str(), 65534, 65534), 0);
    }
  }
  std::string pluginctl(const std::string& arguments) const {
    return "env -u PLUGIN_POLICY_FILE -u PLUGIN_SIGNING_KEY PLUGIN_SANDBOX_DIR=" +
           quote(base_.string()) + " " + asUser(unprivileged_) + quote(PLUGINCTL_PATH) + " " +
           arguments;
  }
  bool cgroupsInUse() const { return usesCgroups() && !unprivileged_; }

  bool unprivileged_ = false;
  ScratchDir scratch_;
  fs::path base_;
};

TEST_P(RunLifecycleTest, PipedIntoHeadItFinishesAndLeavesNothingBehind) {
  const fs::path plugin = writePlugin(scratch_ / "flood",
                                      "import sys\n"
                                      "for i in range(20000):\n"
                                      "    print('x' * 100)\n"
                                      "print('done', file=sys.stderr)\n");
  const fs::path pidFile = scratch_ / "pid";
  const fs::path status = scratch_ / "status";
  const std::string command =
      "bash -c " + quote("(echo $BASHPID > " + quote(pidFile.string()) + "; exec " +
                         pluginctl("run " + plugin.string() + " --timeout 30") + " 2>" +
                         quote((scratch_ / "err").string()) + ") | head -c 100 >/dev/null; " +
                         "echo ${PIPESTATUS[0]} > " + quote(status.string()));
  ASSERT_EQ(shell(command), 0);
  const pid_t pid = static_cast<pid_t>(std::stol(slurp(pidFile)));
  const std::string err = slurp(scratch_ / "err");
  EXPECT_EQ(slurp(status), "0\n") << "141 = died of SIGPIPE; stderr:\n" << err;
  EXPECT_NE(err.find("done\n"), std::string::npos) << "the plugin ran to its end:\n" << err;
  EXPECT_NE(err.find("pluginctl: probe 1.0.0: exited, exit 0"), std::string::npos) << err;
  EXPECT_EQ(ownedBy(base_, pid), std::vector<fs::path>{});
  EXPECT_EQ(cgroupsOf(pid), std::vector<fs::path>{});
}

TEST_P(RunLifecycleTest, TheNextRunSweepsWhatAKilledPluginctlLeft) {
  const fs::path sleeper = writePlugin(scratch_ / "sleeper", "import time\ntime.sleep(60)\n");
  const std::string command = pluginctl("run " + sleeper.string() + " --timeout 90") + " 2>" +
                              quote((scratch_ / "err").string());
  pid_t pid = 0;
  const char* argv[] = {"sh", "-c", nullptr, nullptr};
  const std::string execCommand = "exec " + command;
  argv[2] = execCommand.c_str();
  ASSERT_EQ(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  // setpriv execs pluginctl, and sh execs setpriv: the pid stays pluginctl's.
  const bool started = waitFor(
      [&] { return !ownedBy(base_, pid).empty() && (!cgroupsInUse() || !cgroupsOf(pid).empty()); },
      std::chrono::seconds(20));
  // Give the sandbox a moment past its set-up so that the plugin is really running.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_TRUE(started) << slurp(scratch_ / "err");
  ASSERT_FALSE(ownedBy(base_, pid).empty()) << "a SIGKILLed pluginctl cannot clean up";
  if (cgroupsInUse()) {
    ASSERT_FALSE(cgroupsOf(pid).empty());
  }

  // Its sandbox dies with it (PR_SET_PDEATHSIG); then the next run sweeps the rest.
  const fs::path quick = writePlugin(scratch_ / "quick", "print('hi')\n");
  const bool swept = waitFor(
      [&] {
        EXPECT_EQ(shell(pluginctl("run " + quick.string() + " --timeout 30") + " >/dev/null 2>" +
                        quote((scratch_ / "err2").string())),
                  0)
            << slurp(scratch_ / "err2");
        return ownedBy(base_, pid).empty() && cgroupsOf(pid).empty();
      },
      std::chrono::seconds(10));
  EXPECT_TRUE(swept) << "left: " << ownedBy(base_, pid).size() << " run directories, "
                     << cgroupsOf(pid).size() << " cgroups";
}

INSTANTIATE_TEST_SUITE_P(RootAndUnprivileged, RunLifecycleTest, ::testing::Values(false, true),
                         [](const auto& param) { return param.param ? "Unprivileged" : "Root"; });

// A copy of the system interpreter outside /tmp: the binary and the standard library's files are
// hard links (nothing is copied, nothing of the original changes), its directories are new.
class InterpreterTreeRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "hard links to root's interpreter need root";
    const fs::path system = fs::canonical("/usr/bin/python3");
    const fs::path stdlib = system.parent_path().parent_path() / "lib" / system.filename();
    char pattern[] = "/var/tmp/ps-interp-run-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    prefix_ = pattern;
    ::chmod(prefix_.c_str(), 0755);
    fs::create_directories(prefix_ / "bin");
    fs::create_directories(prefix_ / "lib");
    interpreter_ = prefix_ / "bin" / system.filename();
    ASSERT_EQ(
        shell("ln " + quote(system.string()) + " " + quote(interpreter_.string()) + " && cp -al " +
              quote(stdlib.string()) + " " + quote((prefix_ / "lib" / system.filename()).string())),
        0);
    stdlib_ = prefix_ / "lib" / system.filename();
    plugin_ = writePlugin(scratch_ / "plain", "print('plugin ran')\n");
  }
  void TearDown() override {
    std::error_code ignored;
    if (!prefix_.empty()) fs::remove_all(prefix_, ignored);
  }
  int run(const std::string& interpreter) {
    return shell("env -u PLUGIN_POLICY_FILE -u PLUGIN_SIGNING_KEY PLUGIN_SANDBOX_PYTHON=" +
                 quote(interpreter) + " " + quote(PLUGINCTL_PATH) + " run " + plugin_.string() +
                 " --timeout 30 >" + quote((scratch_ / "out").string()) + " 2>" +
                 quote((scratch_ / "err").string()));
  }
  std::string out() const { return slurp(scratch_ / "out"); }
  std::string err() const { return slurp(scratch_ / "err"); }

  ScratchDir scratch_;
  fs::path prefix_, interpreter_, stdlib_, plugin_;
};

TEST_F(InterpreterTreeRunTest, AWritableStandardLibraryIsRefusedBeforeAnythingRuns) {
  ASSERT_EQ(run(interpreter_.string()), 0) << "the intact copy is a working interpreter: " << err();
  EXPECT_EQ(out(), "plugin ran\n");

  // Another user may now write the standard library: their sitecustomize.py would run in every
  // sandbox (it did before this check).
  fs::remove(stdlib_ / "sitecustomize.py");
  spit(stdlib_ / "sitecustomize.py", "print('sitecustomize ran')\n");
  ASSERT_EQ(::chmod(stdlib_.c_str(), 0777), 0);
  EXPECT_EQ(run(interpreter_.string()), 126);
  EXPECT_EQ(out(), "") << "neither sitecustomize.py nor the plugin may run";
  EXPECT_NE(
      err().find("pluginctl: the sandbox could not be set up: interpreter: " + stdlib_.string() +
                 " (on the interpreter's sys.path) is writable by another "
                 "user"),
      std::string::npos)
      << err();

  // Any parent of it will do as well.
  ASSERT_EQ(::chmod(stdlib_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod((prefix_ / "lib").c_str(), 0777), 0);
  EXPECT_EQ(run(interpreter_.string()), 126);
  EXPECT_NE(err().find((prefix_ / "lib").string() + " (on the interpreter's sys.path) is writable"),
            std::string::npos)
      << err();
  EXPECT_EQ(out(), "");
}

TEST_F(InterpreterTreeRunTest, AnInterpreterUnderTmpIsRefusedWithAClearLine) {
  char pattern[] = "/tmp/ps-interp-tmp-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path tmpPrefix = pattern;
  ::chmod(tmpPrefix.c_str(), 0755);
  fs::create_directories(tmpPrefix / "bin");
  const fs::path inTmp = tmpPrefix / "bin" / interpreter_.filename();
  ASSERT_EQ(shell("ln " + quote(interpreter_.string()) + " " + quote(inTmp.string())), 0);
  const int status = run(inTmp.string());
  const std::string message = err();
  fs::remove_all(tmpPrefix);
  EXPECT_EQ(status, 126);
  EXPECT_NE(message.find("interpreter: " + inTmp.string() +
                         " is under /tmp, which every sandbox replaces with its own empty tmpfs"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace ps::cli::testing
