// Hostile plugins (tests/sandbox/hostile/*.py) must be contained; each is also checked from the
// host side (HostWatch). The same binary runs as root and, under ctest, as uid 65534.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fstream>
#include <future>
#include <random>
#include <sstream>

#include "host_probe.h"
#include "host_watch.h"
#include "sandbox/cgroup_limits.h"
#include "sandbox_fixture.h"

namespace ps::sandbox {
namespace {

using testing::HostView;
using testing::HostWatch;
using testing::PluginRun;
using testing::RunOptions;

const std::filesystem::path kHostileDir = testing::hostileDir();

std::string readSource(const std::string& name) {
  std::ifstream in(kHostileDir / (name + ".py"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Names, sizes and modification times of a host directory, to prove it did not change.
std::string snapshot(const std::filesystem::path& dir) {
  std::string out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    out += entry.path().filename().string() + ":" + std::to_string(entry.file_size()) + ":" +
           std::to_string(entry.last_write_time().time_since_epoch().count()) + "\n";
  }
  return out;
}

class HostilePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    marker_ = "ps-marker-" + std::to_string(random());
    before_ = snapshot(kHostileDir);
  }

  PluginRun runHostile(const std::string& name, RunOptions options = {}) {
    options.args.push_back(marker_);
    auto run = testing::runPlugin(readSource(name), options);
    std::cerr << "--- " << name << " (" << outcomeName(run.result.outcome) << ", exit "
              << run.result.exitCode << ", " << run.result.duration.count() << " ms)\n"
              << run.out.substr(0, 2000) << run.err.substr(0, 2000) << run.result.setupError
              << "\n";
    return run;
  }

  void expectHostIntact(const PluginRun& run) {
    EXPECT_TRUE(host_.sentinelAlive());
    EXPECT_TRUE(host_.tcpReceivedNothing());
    EXPECT_TRUE(host_.udpReceivedNothing());
    EXPECT_EQ(HostWatch::processesWith(marker_), 0) << "a process outlived the run";
    EXPECT_EQ(run.out.find(host_.token()), std::string::npos);
    EXPECT_EQ(run.err.find(host_.token()), std::string::npos);
    EXPECT_EQ(snapshot(kHostileDir), before_) << "the repository changed";
    std::ifstream secret(host_.secretFile());
    std::string content;
    std::getline(secret, content);
    EXPECT_EQ(content, host_.token());
  }

  void expectContained(const PluginRun& run) {
    EXPECT_EQ(run.result.outcome, SandboxOutcome::kExited) << run.result.setupError;
    EXPECT_EQ(run.result.exitCode, 0) << run.out << run.err;
    EXPECT_EQ(run.out.find("LEAK"), std::string::npos) << run.out;
    expectHostIntact(run);
  }

  HostWatch host_;
  std::string marker_;
  std::string before_;
};

TEST_F(HostilePluginTest, NetworkReachesNothing) {
  RunOptions options;
  options.args = {std::to_string(host_.tcpPort()), std::to_string(host_.udpPort())};
  auto run = runHostile("network", options);
  expectContained(run);
  EXPECT_NE(run.out.find("interfaces ['lo']"), std::string::npos) << run.out;
  // The mechanism is the empty network namespace (its loopback is down), not a refused socket.
  EXPECT_NE(run.out.find("OK tcp: [Errno 101] Network is unreachable"), std::string::npos)
      << run.out;
}

TEST_F(HostilePluginTest, HostFilesEnvironmentAndDescriptorsDoNotLeak) {
  RunOptions options;
  options.args = {host_.secretFile(), PS_SOURCE_DIR, host_.token()};
  auto run = runHostile("read_host", options);
  expectContained(run);
  EXPECT_NE(run.out.find("root ['dev', 'lib', 'lib64', 'proc', 'sandbox', 'tmp', 'usr']"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("env ['HOME', 'LANG', 'LC_ALL', 'PATH', 'PYTHONDONTWRITEBYTECODE', "
                         "'PYTHONUNBUFFERED', 'TMPDIR']"),
            std::string::npos)
      << run.out;
}

TEST_F(HostilePluginTest, WritesOnlyToItsOwnTmp) {
  std::string hostTarget = (kHostileDir / "ESCAPED.txt").string();
  RunOptions options;
  options.args = {hostTarget};
  auto run = runHostile("write_anywhere", options);
  expectContained(run);
  EXPECT_NE(run.out.find("tmp writable fine"), std::string::npos) << run.out;
  // The read-only mounts, not the files' modes, refuse these: EROFS is checked first.
  for (const char* created :
       {"/sandbox/new.py", "/new", "/usr/lib/python3.11/new.py", "/dev/new"}) {
    EXPECT_NE(run.out.find(std::string("OK write ") + created + " EROFS"), std::string::npos)
        << created << "\n"
        << run.out;
  }
  for (const char* path : {"/sandbox/plugin.py", "/sandbox", "/usr/lib/python3.11/os.py",
                           "/usr/bin/python3.11", "/dev/null", "/"}) {
    for (const char* call : {"chmod", "utime"}) {
      EXPECT_NE(run.out.find(std::string("OK ") + call + " " + path + " EROFS"), std::string::npos)
          << call << " " << path << "\n"
          << run.out;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(hostTarget));
}

TEST_F(HostilePluginTest, CannotSeeOrSignalHostProcesses) {
  RunOptions options;
  options.args = {std::to_string(host_.sentinel())};
  auto run = runHostile("processes", options);
  expectContained(run);
}

// Writes `bytes` (hex) to a host file and runs it: proves the plugin's ELF is a real program, so
// its EACCES inside comes from the mount, not from a broken file.
int runOnHost(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  auto path = std::filesystem::temp_directory_path() / ("ps-elf-" + std::to_string(getpid()));
  std::ofstream(path, std::ios::binary) << bytes;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  pid_t child = fork();
  if (child == 0) {
    execl(path.c_str(), path.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  std::filesystem::remove(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Item 2 of issue 13: nothing written to /tmp (a file, an O_TMPFILE, a #! script) runs, through
// execve or the loader, and nothing from /tmp, the plugin copy or the input maps executable.
// The errno proves the mechanism: a noexec mount gives EACCES for execve and EPERM for mmap.
TEST_F(HostilePluginTest, CannotStartOtherPrograms) {
  RunOptions options;
  options.input = kHostileDir;
  options.args = {"/input/exec_programs.py"};
  auto run = runHostile("exec_programs", options);
  expectContained(run);
  for (const char* line :
       {"exec /tmp/elf EACCES", "exec /tmp/script EACCES", "exec O_TMPFILE EACCES",
        "loader exit 127", "mmap exec /tmp/elf EPERM", "mmap exec /sandbox/plugin.py EPERM",
        "mmap exec /input/exec_programs.py EPERM"}) {
    EXPECT_NE(run.out.find(line), std::string::npos) << line << "\n" << run.out;
  }
  auto at = run.out.find("elf ");
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_EQ(runOnHost(run.out.substr(at + 4, run.out.find('\n', at) - at - 4)), 42)
      << "the ELF the plugin wrote runs on the host";
}

// Seen from the host's /proc while the plugin waits: every mount is nosuid; only the
// interpreter's binds may execute; only /dev's device files act as devices; the private run
// directory and our pid appear nowhere; PID 1's command line is not ours; what runc masks (and
// /proc/cmdline) is covered by a mount.
TEST_F(HostilePluginTest, MountsSeenFromTheHostAreNoexecNodevAndNameNoHostPath) {
  RunOptions options;
  options.input = kHostileDir;
  auto observed = std::async(std::launch::async, [&] {
    return testing::observeFromHost(marker_, testing::scaled(std::chrono::seconds(10)));
  });
  auto run = runHostile("wait_for_host", options);
  HostView view = observed.get();
  ASSERT_TRUE(view.found) << run.out << run.err;
  EXPECT_NE(run.out.find("host looked"), std::string::npos) << run.out;
  for (const auto& mount : view.mounts()) {
    const bool runtime =
        mount.mountPoint.rfind("/usr/", 0) == 0 || mount.mountPoint.rfind("/lib", 0) == 0;
    const bool device = mount.mountPoint.rfind("/dev/", 0) == 0;
    EXPECT_TRUE(mount.has("nosuid")) << mount.mountPoint;
    EXPECT_EQ(mount.has("noexec"), !runtime) << mount.mountPoint << " " << mount.options;
    EXPECT_EQ(mount.has("nodev"), !device) << mount.mountPoint << " " << mount.options;
    // Writable: /tmp, and procfs itself as in runc (its /proc/sys and friends are read-only).
    EXPECT_TRUE(mount.has("ro") || mount.mountPoint == "/tmp" || mount.mountPoint == "/proc")
        << mount.mountPoint;
  }
  for (const char* point : {"/", "/tmp", "/sandbox", "/input", "/proc"}) {
    ASSERT_NE(view.at(point), nullptr) << point << "\n" << view.mountinfo;
  }
  EXPECT_EQ(view.at("/sandbox")->fsType, "tmpfs") << "the plugin is copied, not bound";
  auto base = SandboxRoot::privateBase();
  ASSERT_TRUE(base);
  EXPECT_EQ(view.mountinfo.find(base->string()), std::string::npos) << view.mountinfo;
  EXPECT_EQ(view.mountinfo.find("run-" + std::to_string(getpid())), std::string::npos);
  EXPECT_EQ(run.out.find(base->string()), std::string::npos) << run.out;
  const std::string self = HostWatch::cmdlineOf("/proc/self");
  EXPECT_EQ(view.parentCmdline.find(self.substr(0, self.find('\0'))), std::string::npos)
      << "PID 1 shows the supervisor's argv";
  EXPECT_EQ(view.parentCmdline.rfind("sandbox-init", 0), 0u) << view.parentCmdline;
  EXPECT_NE(run.out.find("pid1 comm read b'sandbox-init\\n'"), std::string::npos) << run.out;
  for (const char* masked : {"cmdline", "kcore", "keys", "timer_list", "sched_debug", "interrupts",
                             "latency_stats", "timer_stats", "config.gz"}) {
    const std::string path = std::string("/proc/") + masked;
    if (!std::filesystem::exists(path)) continue;
    EXPECT_NE(view.at(path), nullptr) << path << " is not masked";
    EXPECT_NE(run.out.find("masked " + path + " refused PermissionError"), std::string::npos)
        << run.out;
  }
  if (std::filesystem::exists("/proc/acpi")) {
    EXPECT_NE(run.out.find("masked /proc/acpi dir []"), std::string::npos) << run.out;
  }
  EXPECT_TRUE(view.at("/proc/sys") != nullptr && view.at("/proc/sys")->has("ro"));
}

// Item 3: a socket, FIFO or device in the input is refused before anything runs (a unix socket
// on a read-only mount still connects), naming the entry and the rule; nothing reached the
// listener.
TEST_F(HostilePluginTest, InputWithASocketOrFifoIsRefused) {
  const auto input = std::filesystem::temp_directory_path() / ("ps-input-" + marker_);
  std::filesystem::create_directories(input / "deep");
  const auto socketPath = input / "deep" / "agent.sock";
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socketPath.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  chmod(socketPath.c_str(), 0777);
  RunOptions options;
  options.input = input;
  options.args = {"/input/deep/agent.sock"};
  const std::string connect =
      "import socket, sys\n"
      "s = socket.socket(socket.AF_UNIX)\n"
      "s.connect(sys.argv[1])\n"
      "s.sendall(b'ESCAPED')\n"
      "print('LEAK connected')\n";
  auto run = testing::runPlugin(connect, [&] {
    auto withMarker = options;
    withMarker.args.push_back(marker_);
    return withMarker;
  }());
  EXPECT_EQ(run.result.outcome, SandboxOutcome::kSetupFailed) << run.out << run.err;
  EXPECT_EQ(run.result.setupError,
            "input: " + socketPath.string() +
                " is a unix socket; sockets, FIFOs and devices are refused in the input (rule "
                "input-no-special-files)");
  EXPECT_LT(accept4(listener, nullptr, nullptr, 0), 0) << "the plugin reached the socket";
  close(listener);
  std::filesystem::remove(socketPath);

  ASSERT_EQ(mkfifo((input / "deep" / "pipe").c_str(), 0666), 0);
  run = testing::runPlugin("print('LEAK ran')\n", options);
  EXPECT_EQ(run.result.outcome, SandboxOutcome::kSetupFailed);
  EXPECT_NE(run.result.setupError.find("/deep/pipe is a FIFO;"), std::string::npos)
      << run.result.setupError;
  std::filesystem::remove(input / "deep" / "pipe");

  if (mknod((input / "zero").c_str(), S_IFCHR | 0666, makedev(1, 5)) == 0) {  // root only
    run = testing::runPlugin("print('LEAK ran')\n", options);
    EXPECT_NE(run.result.setupError.find("/zero is a character device;"), std::string::npos)
        << run.result.setupError;
  }
  EXPECT_EQ(run.out, "");
  std::filesystem::remove_all(input);
}

// Item 3: the input path is resolved without following symlinks; a symlink in any component
// is refused in one line naming the rule, never followed to another host directory.
TEST_F(HostilePluginTest, InputPathThroughASymlinkIsRefused) {
  const auto base = std::filesystem::temp_directory_path() / ("ps-link-" + marker_);
  std::filesystem::create_directories(base / "real" / "sub");
  std::filesystem::create_directory_symlink(base / "real", base / "link");
  const char* list = "import os\nprint('LEAK listed', os.listdir('/input'))\n";
  for (const auto& input : {base / "link", base / "link" / "sub"}) {
    RunOptions options;
    options.input = input;
    auto run = testing::runPlugin(list, options);
    EXPECT_EQ(run.result.outcome, SandboxOutcome::kSetupFailed) << input << run.out;
    EXPECT_EQ(run.result.setupError,
              "input: " + input.string() +
                  " has a symlink in its path; the input is resolved without following symlinks "
                  "(rule input-no-symlinks): name the real directory");
    EXPECT_EQ(run.out, "");
  }
  RunOptions real;
  real.input = base / "real";
  auto run = testing::runPlugin("import os\nprint(os.listdir('/input'))\n", real);
  EXPECT_EQ(run.out, "['sub']\n") << run.result.setupError << run.err;
  std::filesystem::remove_all(base);
}

TEST_F(HostilePluginTest, ForkBombHitsTheProcessLimit) {
  RunOptions options;
  options.limits.maxProcesses = 12;
  auto run = runHostile("fork_bomb", options);
  expectContained(run);
  EXPECT_NE(run.out.find("fork refused after"), std::string::npos) << run.out;
  EXPECT_LT(run.result.duration, testing::scaled(std::chrono::seconds(8)));
}

TEST_F(HostilePluginTest, MemoryBombIsRefused) {
  RunOptions options;
  options.limits.memoryBytes = 96ull << 20;
  auto run = runHostile("memory_bomb", options);
  EXPECT_NE(run.result.outcome, SandboxOutcome::kSetupFailed) << run.result.setupError;
  // Either Python's MemoryError (RLIMIT_AS) or the cgroup's OOM kill (signal 9) ends it.
  if (run.result.outcome == SandboxOutcome::kExited) {
    auto at = run.out.find("refused after MiB ");
    ASSERT_NE(at, std::string::npos) << run.out;
    EXPECT_LE(std::stoi(run.out.substr(at + 18)), 96);
  } else {
    EXPECT_EQ(run.result.exitCode, 128 + SIGKILL);
  }
  expectHostIntact(run);
}

// RLIMIT_AS binds each process; only the run's cgroup caps what they hold together. Where the
// host gives no cgroup (unprivileged without a delegated v2 subtree) the total is not capped:
// the documented fallback, asserted so that a change of either shows.
TEST_F(HostilePluginTest, MemorySpreadOverProcessesIsCappedByTheCgroup) {
  const CgroupHost cgroups = CgroupHost::find();
  if (std::getenv("PS_EXPECT_CGROUP") != nullptr) {
    ASSERT_TRUE(cgroups.usable()) << cgroups.unavailable;
  }
  RunOptions options;
  options.limits.memoryBytes = 128ull << 20;
  auto run = runHostile("memory_across_processes", options);
  EXPECT_NE(run.result.outcome, SandboxOutcome::kSetupFailed) << run.result.setupError;
  if (cgroups.usable()) {
    EXPECT_TRUE(run.result.memoryLimitHit) << run.out;
    EXPECT_EQ(run.out.find("held 4 of 4"), std::string::npos) << run.out;
  } else {
    EXPECT_NE(run.out.find("held 4 of 4, killed 0"), std::string::npos) << run.out;
  }
  expectHostIntact(run);
}

// Files in the private /tmp are memory too: the cgroup charges them to the run, so a plugin cannot
// park more than its memory limit there (the tmpfs size alone would allow 256 MiB here).
TEST_F(HostilePluginTest, TmpFilesCountAgainstTheMemoryLimit) {
  const CgroupHost cgroups = CgroupHost::find();
  RunOptions options;
  options.limits.memoryBytes = 96ull << 20;
  options.limits.tmpBytes = 256ull << 20;
  options.limits.maxFileBytes = 16ull << 20;
  auto run = runHostile("tmp_over_memory", options);
  EXPECT_NE(run.result.outcome, SandboxOutcome::kSetupFailed) << run.result.setupError;
  if (cgroups.usable()) {
    EXPECT_TRUE(run.result.memoryLimitHit) << run.out;
    EXPECT_EQ(run.out.find("wrote MiB 192"), std::string::npos) << run.out;
  } else {
    EXPECT_NE(run.out.find("wrote MiB 192"), std::string::npos) << run.out;
  }
  expectHostIntact(run);
}

TEST_F(HostilePluginTest, CpuLoopIsKilledAtTheWallClockLimit) {
  RunOptions options;
  options.limits.wallTime = std::chrono::milliseconds(1500);
  auto run = runHostile("cpu_loop", options);
  EXPECT_EQ(run.result.outcome, SandboxOutcome::kTimedOut);
  EXPECT_EQ(run.result.exitCode, 124);
  EXPECT_LT(run.result.duration, testing::scaled(std::chrono::seconds(4)));
  expectHostIntact(run);
}

TEST_F(HostilePluginTest, CpuLimitEndsALoopThatIgnoresSigxcpu) {
  RunOptions options;
  options.limits.cpuTime = std::chrono::seconds(1);
  auto run = runHostile("cpu_loop", options);
  EXPECT_EQ(run.result.exitCode, 124) << outcomeName(run.result.outcome);
  // 2 s of CPU; on a saturated machine the 10 s wall clock ends it, also as 124.
  EXPECT_LT(run.result.duration, testing::scaled(std::chrono::seconds(12)));
  expectHostIntact(run);
}

TEST_F(HostilePluginTest, OutputFloodIsCutAndDrainedQuickly) {
  RunOptions options;
  options.limits.outputBytes = 1 << 20;
  auto run = runHostile("output_flood", options);
  expectContained(run);
  EXPECT_TRUE(run.result.output.truncated);
  EXPECT_EQ(run.result.output.totalBytes, (256ull << 20) + 11);
  EXPECT_LE(run.out.size(), 1u << 20);
  EXPECT_NE(run.err.find("[output truncated after 1048576 bytes]"), std::string::npos);
  EXPECT_EQ(run.result.output.stdoutTail.substr(run.result.output.stdoutTail.size() - 11),
            "\nlast line\n");
  EXPECT_LT(run.result.duration, testing::scaled(std::chrono::seconds(10)));
}

TEST_F(HostilePluginTest, FillingTmpStopsAtItsSize) {
  RunOptions options;
  options.limits.tmpBytes = 2 << 20;
  auto run = runHostile("fill_tmp", options);
  expectContained(run);
  auto at = run.out.find("tmp full after ");
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_LE(std::stoll(run.out.substr(at + 15)), 2 << 20);
  EXPECT_NE(run.out.find("ENOSPC"), std::string::npos);
}

TEST_F(HostilePluginTest, DaemonDiesWithThePlugin) {
  auto run = runHostile("daemon");
  expectContained(run);
  EXPECT_NE(run.out.find("daemon started"), std::string::npos);
  EXPECT_LT(run.result.duration, testing::scaled(std::chrono::seconds(5)));
}

TEST_F(HostilePluginTest, CannotCreateNamespacesOrReachKernelSurface) {
  auto run = runHostile("namespaces");
  expectContained(run);
}

}  // namespace
}  // namespace ps::sandbox
