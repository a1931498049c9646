#include "sandbox/local_sandbox.h"

#include <gtest/gtest.h>

#include "sandbox_fixture.h"

namespace ps::sandbox {
namespace {

using testing::runPlugin;

TEST(LocalSandboxTest, RunsPythonIsolatedInItsSandboxRoot) {
  auto run = runPlugin(
      "import os, sys\n"
      "print('isolated', sys.flags.isolated)\n"
      "print('cwd', os.getcwd())\n"
      "print('files', sorted(os.listdir('.')))\n"
      "print('uid', os.getuid())\n");
  ASSERT_EQ(run.result.outcome, RunOutcome::kExited) << run.result.setupError << run.err;
  EXPECT_EQ(run.result.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("isolated 1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("cwd /sandbox"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("files ['manifest.json', 'plugin.py']"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("uid 65534"), std::string::npos) << run.out;
  EXPECT_EQ(run.result.output.stdoutTail, run.out);
}

}  // namespace
}  // namespace ps::sandbox
