// runCommand and waitFor without a cluster: the plumbing every integration test stands on.
#include <gtest/gtest.h>

#include <atomic>

#include "cluster_environment.h"

namespace ps::testing {
namespace {

using namespace std::chrono_literals;

TEST(RunCommand, CapturesStdoutStderrAndStatus) {
  const CommandResult result = runCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(result.exitCode, 3);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_FALSE(result.ok());
}

TEST(RunCommand, PassesArgumentsWithoutAShell) {
  const CommandResult result = runCommand({"printf", "%s|", "a b", "$HOME", ";rm"});
  ASSERT_TRUE(result.ok()) << result.err;
  EXPECT_EQ(result.out, "a b|$HOME|;rm|");
}

TEST(RunCommand, FeedsLargeStdinWhileReadingLargeOutput) {
  // 4 MiB each way: more than any pipe buffer, so a runner that writes all input first would hang.
  const std::string input(4 << 20, 'x');
  const CommandResult result = runCommand({"cat"}, input);
  ASSERT_TRUE(result.ok()) << result.err;
  EXPECT_EQ(result.out.size(), input.size());
  EXPECT_EQ(result.out, input);
}

TEST(RunCommand, SurvivesAChildThatIgnoresItsInput) {
  const CommandResult result = runCommand({"true"}, std::string(1 << 20, 'y'));
  EXPECT_EQ(result.exitCode, 0);
}

TEST(RunCommand, ReportsDeathBySignal) {
  EXPECT_EQ(runCommand({"sh", "-c", "kill -9 $$"}).exitCode, 128 + 9);
}

TEST(RunCommand, ReportsAMissingProgram) {
  const CommandResult result = runCommand({"/nonexistent/program"});
  EXPECT_NE(result.exitCode, 0);
  EXPECT_FALSE(result.ok());
}

TEST(RunCommand, RefusesAnEmptyCommandLine) {
  const CommandResult result = runCommand({});
  EXPECT_EQ(result.exitCode, -1);
  EXPECT_NE(result.err.find("no program"), std::string::npos);
}

TEST(RunCommand, ABackgroundDaemonDoesNotHoldTheOutputOpen) {
  // cluster.sh up leaves daemons behind; their output goes to logs, so runCommand must return
  // as soon as the script itself exits.
  const auto start = std::chrono::steady_clock::now();
  const CommandResult result =
      runCommand({"sh", "-c", "sleep 5 >/dev/null 2>&1 </dev/null & echo started"});
  EXPECT_EQ(result.out, "started\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(WaitFor, SucceedsOnceThePredicateHolds) {
  int calls = 0;
  EXPECT_TRUE(waitFor([&] { return ++calls == 3; }, 5s, "the third call"));
  EXPECT_EQ(calls, 3);
}

TEST(WaitFor, ExplainsWhatNeverHappened) {
  const auto start = std::chrono::steady_clock::now();
  const ::testing::AssertionResult result =
      waitFor([] { return false; }, 200ms, "the moon to turn blue");
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("waiting for the moon to turn blue"),
            std::string::npos)
      << result.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(WaitFor, ChecksAtLeastOnceWithAZeroTimeout) {
  int calls = 0;
  EXPECT_TRUE(waitFor([&] { return ++calls > 0; }, 0ms, "one check"));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace ps::testing
