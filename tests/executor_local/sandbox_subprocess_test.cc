#include "executor_local/sandbox_subprocess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace ps::reconcile {
namespace {

namespace fs = std::filesystem;

// A stand-in for plugin-controller's subprocess mode: a script that checks its arguments and
// prints `answer`.
class SandboxSubprocessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sandbox-subprocess-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path script(const std::string& body) {
    const fs::path path = dir_ / "fake-controller";
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0700);
    return path;
  }
  sandbox::SandboxRequest request() {
    sandbox::SandboxRequest request;
    request.pluginDir = "/run/x/plugin";
    request.mountPoint = "/run/x/root";
    request.args = {"--limit", "20"};
    request.limits.wallTime = std::chrono::seconds(7);
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    wakeRead_ = fds[0];
    wakeWrite_ = fds[1];
    request.wakeFd = wakeRead_;
    return request;
  }
  fs::path dir_;
  int wakeRead_ = -1, wakeWrite_ = -1;
};

TEST_F(SandboxSubprocessTest, TheRequestGoesOutAndTheResultComesBackByteForByte) {
  // Fails (no JSON) unless it was called with the subprocess argument and the request.
  auto binary = script(
      "[ \"$1\" = __sandbox-run ] || exit 1\n"
      "echo \"$2\" | grep -q '\"wallTimeMs\":7000' || exit 1\n"
      "echo \"$2\" | grep -q '\"args\":\\[\"--limit\",\"20\"\\]' || exit 1\n"
      "echo '{\"outcome\":0,\"exitCode\":3,\"signal\":0,\"setupError\":\"\","
      "\"stdoutTail\":[104,255,10],\"tailCut\":true,\"truncated\":false,\"totalBytes\":9,"
      "\"durationMs\":12,\"memoryLimitHit\":false}'\n");
  auto result = subprocessSandboxRunner(binary)(request());
  EXPECT_EQ(result.outcome, sandbox::SandboxOutcome::kExited) << result.setupError;
  EXPECT_EQ(result.exitCode, 3);
  EXPECT_EQ(result.output.stdoutTail, std::string("h\xff\n"));  // not valid UTF-8: kept as is
  EXPECT_TRUE(result.output.tailCut);
  EXPECT_EQ(result.output.totalBytes, 9u);
  EXPECT_EQ(result.duration, std::chrono::milliseconds(12));
  close(wakeRead_);
  close(wakeWrite_);
}

TEST_F(SandboxSubprocessTest, ASubprocessWithoutAResultIsASetupFailure) {
  auto binary = script("echo 'not json'\nexit 3\n");
  auto result = subprocessSandboxRunner(binary)(request());
  EXPECT_EQ(result.outcome, sandbox::SandboxOutcome::kSetupFailed);
  EXPECT_EQ(result.exitCode, ps::kExitSetupFailed);
  EXPECT_NE(result.setupError.find("without a result"), std::string::npos);
  close(wakeRead_);
  close(wakeWrite_);
}

TEST_F(SandboxSubprocessTest, AMissingBinaryIsASetupFailure) {
  auto result = subprocessSandboxRunner(dir_ / "does-not-exist")(request());
  EXPECT_EQ(result.outcome, sandbox::SandboxOutcome::kSetupFailed);
  close(wakeRead_);
  close(wakeWrite_);
}

TEST_F(SandboxSubprocessTest, TheWakePipeIsTheSubprocesssStdin) {
  // Prints a result only once stdin has a byte: the executor's "stop" reaches the subprocess.
  auto binary = script(
      "head -c 1 > /dev/null\n"
      "echo '{\"outcome\":4,\"exitCode\":130,\"signal\":2,\"setupError\":\"\","
      "\"stdoutTail\":[],\"tailCut\":false,\"truncated\":false,\"totalBytes\":0,"
      "\"durationMs\":1,\"memoryLimitHit\":false}'\n");
  auto req = request();
  ASSERT_EQ(write(wakeWrite_, "x", 1), 1);
  auto result = subprocessSandboxRunner(binary)(req);
  EXPECT_EQ(result.outcome, sandbox::SandboxOutcome::kInterrupted) << result.setupError;
  close(wakeRead_);
  close(wakeWrite_);
}

}  // namespace
}  // namespace ps::reconcile
