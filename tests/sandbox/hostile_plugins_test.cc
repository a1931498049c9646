// Hostile plugins (tests/sandbox/hostile/*.py) must be contained; each is also checked from the
// host side (HostWatch). The same binary runs as root and, under ctest, as uid 65534.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "host_watch.h"
#include "sandbox_fixture.h"

namespace ps::sandbox {
namespace {

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
    EXPECT_EQ(run.result.outcome, RunOutcome::kExited) << run.result.setupError;
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
  EXPECT_FALSE(std::filesystem::exists(hostTarget));
}

TEST_F(HostilePluginTest, CannotSeeOrSignalHostProcesses) {
  RunOptions options;
  options.args = {std::to_string(host_.sentinel())};
  auto run = runHostile("processes", options);
  expectContained(run);
}

TEST_F(HostilePluginTest, CannotStartOtherPrograms) {
  auto run = runHostile("exec_programs");
  expectContained(run);
}

TEST_F(HostilePluginTest, ForkBombHitsTheProcessLimit) {
  RunOptions options;
  options.limits.maxProcesses = 12;
  auto run = runHostile("fork_bomb", options);
  expectContained(run);
  EXPECT_NE(run.out.find("fork refused after"), std::string::npos) << run.out;
  EXPECT_LT(run.result.duration, std::chrono::seconds(8));
}

TEST_F(HostilePluginTest, MemoryBombIsRefused) {
  RunOptions options;
  options.limits.memoryBytes = 96ull << 20;
  auto run = runHostile("memory_bomb", options);
  EXPECT_NE(run.result.outcome, RunOutcome::kSetupFailed) << run.result.setupError;
  // Either Python's MemoryError (RLIMIT_AS) or the cgroup's OOM kill (signal 9) ends it.
  if (run.result.outcome == RunOutcome::kExited) {
    auto at = run.out.find("refused after MiB ");
    ASSERT_NE(at, std::string::npos) << run.out;
    EXPECT_LE(std::stoi(run.out.substr(at + 18)), 96);
  } else {
    EXPECT_EQ(run.result.exitCode, 128 + SIGKILL);
  }
  expectHostIntact(run);
}

TEST_F(HostilePluginTest, CpuLoopIsKilledAtTheWallClockLimit) {
  RunOptions options;
  options.limits.wallTime = std::chrono::milliseconds(1500);
  auto run = runHostile("cpu_loop", options);
  EXPECT_EQ(run.result.outcome, RunOutcome::kTimedOut);
  EXPECT_EQ(run.result.exitCode, 124);
  EXPECT_LT(run.result.duration, std::chrono::seconds(4));
  expectHostIntact(run);
}

TEST_F(HostilePluginTest, CpuLimitEndsALoopThatIgnoresSigxcpu) {
  RunOptions options;
  options.limits.cpuTime = std::chrono::seconds(1);
  auto run = runHostile("cpu_loop", options);
  EXPECT_EQ(run.result.exitCode, 124) << outcomeName(run.result.outcome);
  // 2 s of CPU; on a saturated machine the 10 s wall clock ends it, also as 124.
  EXPECT_LT(run.result.duration, std::chrono::seconds(12));
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
  EXPECT_LT(run.result.duration, std::chrono::seconds(10));
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
  EXPECT_LT(run.result.duration, std::chrono::seconds(5));
}

TEST_F(HostilePluginTest, CannotCreateNamespacesOrReachKernelSurface) {
  auto run = runHostile("namespaces");
  expectContained(run);
}

}  // namespace
}  // namespace ps::sandbox
