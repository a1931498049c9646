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
  ASSERT_EQ(run.result.outcome, SandboxOutcome::kExited) << run.result.setupError << run.err;
  EXPECT_EQ(run.result.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("isolated 1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("cwd /sandbox"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("files ['manifest.json', 'plugin.py']"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("uid 65534"), std::string::npos) << run.out;
  EXPECT_EQ(run.result.output.stdoutTail, run.out);
}

TEST(LocalSandboxTest, MultiFilePluginImportsItsOwnModuleAfterAddingItsDirectory) {
  testing::RunOptions options;
  options.extraFiles["helper.py"] = "GREETING = 'from helper'\n";
  auto run = runPlugin(
      "import os, sys\n"
      "try:\n"
      "    import helper\n"
      "    print('imported without sys.path change')\n"
      "except ImportError:\n"
      "    print('not on sys.path')\n"
      "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
      "import helper\n"
      "print(helper.GREETING)\n",
      options);
  EXPECT_EQ(run.result.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("not on sys.path"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("from helper"), std::string::npos) << run.out;
}

TEST(LocalSandboxTest, TmpIsWritableAndHostnameIsOurs) {
  auto run = runPlugin(
      "import socket\n"
      "open('/tmp/x', 'w').write('ok')\n"
      "print(open('/tmp/x').read(), socket.gethostname())\n");
  EXPECT_EQ(run.result.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "ok sandbox\n");
}

TEST(LocalSandboxTest, InputIsVisibleReadOnlyOnlyWhenGiven) {
  const char* probe =
      "import os\n"
      "if not os.path.exists('/input'):\n"
      "    print('no input')\n"
      "else:\n"
      "    print('input', sorted(os.listdir('/input'))[:3])\n"
      "    try:\n"
      "        open('/input/new', 'w')\n"
      "        print('input writable')\n"
      "    except OSError:\n"
      "        print('input read-only')\n";
  auto without = runPlugin(probe);
  EXPECT_EQ(without.out, "no input\n") << without.err;
  testing::RunOptions options;
  options.input = testing::hostileDir();
  auto with = runPlugin(probe, options);
  EXPECT_EQ(with.out, "input ['cpu_loop.py', 'daemon.py', 'exec_programs.py']\ninput read-only\n")
      << with.err;
}

TEST(LocalSandboxTest, StandardLibraryExtensionsImport) {
  auto run = runPlugin("import json, ctypes, ssl, sqlite3, hashlib, socket, zlib\nprint('ok')\n");
  EXPECT_EQ(run.out, "ok\n") << run.err;
}

TEST(LocalSandboxTest, SetupFailureIs126AndNothingRuns) {
  auto runner = ToolRunner::create("/usr/bin/python3");
  ASSERT_TRUE(runner);
  auto sandbox = LocalSandbox::create(runner.value());
  ASSERT_TRUE(sandbox);
  SandboxRequest request;
  request.pluginDir = "/nonexistent/plugin";
  request.mountPoint = "/nonexistent/root";
  request.limits = testing::smallLimits();
  request.sinks = {-1, -1};
  auto result = sandbox->run(request);
  EXPECT_EQ(result.outcome, SandboxOutcome::kSetupFailed);
  EXPECT_EQ(result.exitCode, 126);
  EXPECT_NE(result.setupError.find("sandbox setup failed"), std::string::npos) << result.setupError;
}

}  // namespace
}  // namespace ps::sandbox
