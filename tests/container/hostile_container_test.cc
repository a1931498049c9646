// The local sandbox's hostile plugins (tests/sandbox/hostile/*.py), run in the container level and
// checked from the host side with the same HostWatch (sentinel process, loopback listeners,
// planted secret, processes outliving the run). Where the container legitimately differs from the
// local root (its /etc, /run, /sys), the expectation says so.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "container_fixture.h"
#include "host_watch.h"

namespace ps::container {
namespace {

using sandbox::RunOutcome;
using sandbox::testing::HostWatch;
using testing::PluginRun;
using testing::RunOptions;

const std::filesystem::path kHostileDir =
    std::filesystem::path(PS_SOURCE_DIR) / "tests/sandbox/hostile";

std::string readSource(const std::string& name) {
  std::ifstream in(kHostileDir / (name + ".py"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class HostileContainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& environment = testing::ImageEnvironment::get();
    if (!environment.skipReason().empty()) GTEST_SKIP() << environment.skipReason();
    ASSERT_TRUE(environment.failure().empty()) << environment.failure();
    std::random_device random;
    marker_ = "ps-marker-" + std::to_string(random());
  }

  PluginRun runHostile(const std::string& name, RunOptions options = {}) {
    std::string source = readSource(name);
    EXPECT_FALSE(source.empty()) << "missing " << name << ".py";
    options.args.push_back(marker_);
    auto run = testing::runInContainer(testing::ImageEnvironment::get().sandbox(), source, options);
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
  }

  void expectContained(const PluginRun& run) {
    EXPECT_EQ(run.result.outcome, RunOutcome::kExited) << run.result.setupError;
    EXPECT_EQ(run.result.exitCode, 0) << run.out << run.err;
    EXPECT_EQ(run.out.find("LEAK"), std::string::npos) << run.out;
    expectHostIntact(run);
  }

  HostWatch host_;
  std::string marker_;
};

RunOptions withArgs(std::vector<std::string> args) {
  return testing::withArgs(std::move(args));
}

TEST_F(HostileContainerTest, NetworkReachesNothing) {
  auto run = runHostile(
      "network", withArgs({std::to_string(host_.tcpPort()), std::to_string(host_.udpPort())}));
  // --network none leaves the container its own loopback, up (the local sandbox's is down), so
  // a UDP datagram to 127.0.0.1 is sent, into the container's own namespace: the plugin counts
  // that as a leak, the host side proves it is not one (nothing arrived on the host's listener).
  EXPECT_EQ(run.result.exitCode, 3) << run.out;
  EXPECT_NE(run.out.find("OK tcp:"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("interfaces ['lo']"), std::string::npos) << run.out;
  std::string leaks = run.out.substr(run.out.find("LEAK"));
  EXPECT_EQ(leaks, "LEAK udp sendto succeeded\n") << run.out;
  expectHostIntact(run);
}

TEST_F(HostileContainerTest, HostFilesEnvironmentAndDescriptorsDoNotLeak) {
  auto run = runHostile("read_host", withArgs({host_.secretFile(), PS_SOURCE_DIR, host_.token()}));
  expectContained(run);
  // The engine adds /etc (hostname, mtab), /run (.containerenv) and /sys, all read-only.
  EXPECT_NE(run.out.find("root ['dev', 'etc', 'input', 'lib', 'lib64', 'proc', 'run', 'sandbox', "
                         "'sys', 'tmp', 'usr']"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("env ['HOME', 'LANG', 'LC_ALL', 'PATH', 'PYTHONDONTWRITEBYTECODE', "
                         "'PYTHONUNBUFFERED', 'TMPDIR']"),
            std::string::npos)
      << run.out;
}

TEST_F(HostileContainerTest, WritesOnlyToItsOwnTmp) {
  std::string hostTarget = (kHostileDir / "ESCAPED.txt").string();
  auto run = runHostile("write_anywhere", withArgs({hostTarget}));
  expectContained(run);
  EXPECT_NE(run.out.find("tmp writable fine"), std::string::npos) << run.out;
  EXPECT_FALSE(std::filesystem::exists(hostTarget));
}

TEST_F(HostileContainerTest, CannotSeeOrSignalHostProcesses) {
  auto run = runHostile("processes", withArgs({std::to_string(host_.sentinel())}));
  expectContained(run);
}

TEST_F(HostileContainerTest, CannotStartOtherPrograms) {
  RunOptions options;
  options.limits.tmpBytes = 32ull << 20;  // room for the copy of the interpreter it tries to run
  options.limits.maxFileBytes = 32ull << 20;
  auto run = runHostile("exec_programs", options);
  expectContained(run);
  EXPECT_NE(run.out.find("OK exec from /tmp"), std::string::npos) << run.out;
}

TEST_F(HostileContainerTest, ForkBombHitsTheProcessLimit) {
  RunOptions options;
  options.limits.maxProcesses = 12;
  auto run = runHostile("fork_bomb", options);
  expectContained(run);
  EXPECT_NE(run.out.find("fork refused after"), std::string::npos) << run.out;
  EXPECT_LT(run.result.duration, std::chrono::seconds(10));
}

TEST_F(HostileContainerTest, MemoryBombIsRefused) {
  RunOptions options;
  options.limits.memoryBytes = 96ull << 20;
  auto run = runHostile("memory_bomb", options);
  EXPECT_NE(run.result.outcome, RunOutcome::kSetupFailed) << run.result.setupError;
  if (run.result.outcome == RunOutcome::kExited) {
    auto at = run.out.find("refused after MiB ");
    ASSERT_NE(at, std::string::npos) << run.out;
    EXPECT_LE(std::stoi(run.out.substr(at + 18)), 96);
  } else {
    EXPECT_EQ(run.result.exitCode, 128 + SIGKILL);
  }
  expectHostIntact(run);
}

TEST_F(HostileContainerTest, CpuLoopIsKilledAtTheWallClockLimit) {
  RunOptions options;
  options.limits.wallTime = std::chrono::milliseconds(1500);  // the launcher rounds up to 2 s
  auto run = runHostile("cpu_loop", options);
  EXPECT_EQ(run.result.outcome, RunOutcome::kTimedOut);
  EXPECT_EQ(run.result.exitCode, 124);
  EXPECT_LT(run.result.duration, std::chrono::seconds(6));
  expectHostIntact(run);
}

TEST_F(HostileContainerTest, CpuLimitEndsALoopThatIgnoresSigxcpu) {
  RunOptions options;
  options.limits.cpuTime = std::chrono::seconds(1);
  auto run = runHostile("cpu_loop", options);
  EXPECT_EQ(run.result.exitCode, 124) << outcomeName(run.result.outcome);
  EXPECT_LT(run.result.duration, std::chrono::seconds(10));
  expectHostIntact(run);
}

TEST_F(HostileContainerTest, OutputFloodIsCutAndDrainedQuickly) {
  RunOptions options;
  options.limits.outputBytes = 1 << 20;
  auto run = runHostile("output_flood", options);
  expectContained(run);
  // The launcher cuts inside the container; we see what it forwarded and its tail of stdout.
  EXPECT_LE(run.out.size(), 1u << 20);
  EXPECT_NE(run.err.find("[output truncated after 1048576 bytes]"), std::string::npos);
  EXPECT_TRUE(run.result.output.tailCut);
  const auto& tail = run.result.output.stdoutTail;
  ASSERT_GE(tail.size(), 11u);
  EXPECT_EQ(tail.substr(tail.size() - 11), "\nlast line\n");
  EXPECT_LT(run.result.duration, std::chrono::seconds(10));
}

TEST_F(HostileContainerTest, FillingTmpStopsAtItsSize) {
  RunOptions options;
  options.limits.tmpBytes = 2 << 20;
  auto run = runHostile("fill_tmp", options);
  expectContained(run);
  auto at = run.out.find("tmp full after ");
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_LE(std::stoll(run.out.substr(at + 15)), 2 << 20);
  EXPECT_NE(run.out.find("ENOSPC"), std::string::npos);
}

TEST_F(HostileContainerTest, DaemonDiesWithThePlugin) {
  auto run = runHostile("daemon");
  expectContained(run);
  EXPECT_NE(run.out.find("daemon started"), std::string::npos);
  EXPECT_LT(run.result.duration, std::chrono::seconds(5));
}

TEST_F(HostileContainerTest, CannotCreateNamespacesOrReachKernelSurface) {
  auto run = runHostile("namespaces");
  expectContained(run);
}

}  // namespace
}  // namespace ps::container
