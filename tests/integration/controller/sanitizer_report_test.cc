// ControllerProcess turns a sanitizer report of the process it started into a test failure, and
// says nothing when there is none: sanitizer_probe (built with ASan+UBSan+LSan) stands in for
// the controller. No cluster needed.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "controller_process.h"

namespace ps::testing {
namespace {

class SanitizerReportTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("PS_CONTROLLER_BINARY", PS_SANITIZER_PROBE, 1); }
  void TearDown() override { unsetenv("PS_CONTROLLER_BINARY"); }

  std::string logFile() const {
    return (std::filesystem::temp_directory_path() /
            ("sanitizer-probe-" + std::to_string(getpid()) + ".log"))
        .string();
  }
  // Starts the probe in `mode`, lets it do its thing, stops it as a test would.
  void runProbe(const std::string& mode) {
    ControllerProcess probe({mode}, {}, logFile());
    usleep(300'000);
    probe.stop();
  }
};

TEST_F(SanitizerReportTest, AHeapOverflowFailsTheTestWithTheReport) {
  // UBSan's object-size check or ASan, whichever sees the store first.
  EXPECT_NONFATAL_FAILURE(runProbe("overflow"), "sanitizer report from");
}

TEST_F(SanitizerReportTest, UndefinedBehaviourFailsTheTestWithTheReport) {
  EXPECT_NONFATAL_FAILURE(runProbe("undefined"), "runtime error: signed integer overflow");
}

TEST_F(SanitizerReportTest, ALeakFailsTheTestWithTheReport) {
  EXPECT_NONFATAL_FAILURE(runProbe("leak"), "LeakSanitizer: detected memory leaks");
}

TEST_F(SanitizerReportTest, ACleanRunFailsNothingAndLeavesNoReport) {
  runProbe("clean");
  EXPECT_EQ(takeSanitizerReports(logFile()), "");
}

TEST_F(SanitizerReportTest, TheBinaryComesFromTheEnvironmentWhenSet) {
  EXPECT_EQ(ControllerProcess::binary(), PS_SANITIZER_PROBE);
  unsetenv("PS_CONTROLLER_BINARY");
  EXPECT_EQ(ControllerProcess::binary(), PS_CONTROLLER_BINARY);
}

}  // namespace
}  // namespace ps::testing
