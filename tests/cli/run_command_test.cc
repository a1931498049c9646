// `pluginctl run` (controller/cli/run_command.cc) end to end, without the binary.
#include "cli/run_command.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ps::cli {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = PS_SOURCE_DIR;

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("PLUGIN_POLICY_FILE");
    unsetenv("PLUGIN_SIGNING_KEY");
    dir_ = fs::temp_directory_path() / ("ps-run-test-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "plugin");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // An unsigned plugin with the given code and permissions.
  std::string makePlugin(const std::string& code, const std::string& permissions = "") {
    std::ofstream(dir_ / "plugin/plugin.py") << code;
    std::ofstream(dir_ / "plugin/manifest.json")
        << R"({"id":"probe","version":"1.0.0","permissions":[)" << permissions << "]}";
    return (dir_ / "plugin").string();
  }

  int run(RunOptions options) {
    out_.str("");
    err_.str("");
    int sink = open("/dev/null", O_WRONLY | O_CLOEXEC);
    int code = runRun(options, out_, err_, {sink, sink});
    close(sink);
    return code;
  }

  RunOptions signedTechdebt() {
    RunOptions options;
    options.dir = (kSource / "plugins/techdebt").string();
    options.trust.policy = (kSource / "plugins/policy.json").string();
    options.trust.key = (kSource / "plugins/keys/demo.pub.pem").string();
    return options;
  }

  fs::path dir_;
  std::ostringstream out_, err_;
};

TEST_F(RunCommandTest, SignedTechdebtRunsOverInputAndReportsJson) {
  auto options = signedTechdebt();
  options.input = (kSource / "controller/sandbox").string();
  options.json = true;
  ASSERT_EQ(run(options), 0) << out_.str() << err_.str();
  auto json = nlohmann::json::parse(out_.str());
  EXPECT_EQ(json["outcome"], "exited");
  EXPECT_EQ(json["exitCode"], 0);
  EXPECT_EQ(json["pluginID"], "techdebt");
  EXPECT_EQ(json["version"], "1.2.0");
  EXPECT_EQ(json["signedBy"],
            "sha256:6979484945b60886e63d56fb00865f52263f93983dc83b6766548ed039a73078");
  EXPECT_TRUE(json["durationMs"].is_number());
  EXPECT_FALSE(json["truncated"].get<bool>());
  EXPECT_NE(json["result"].get<std::string>().find("filesScanned"), std::string::npos);
}

TEST_F(RunCommandTest, InputForAPluginWithoutReadFilesIsRejected) {
  RunOptions options;
  options.dir = makePlugin("print('never')\n");
  options.input = dir_.string();
  EXPECT_EQ(run(options), 125);
  EXPECT_EQ(err_.str().rfind("rejected: policy: ", 0), 0u) << err_.str();
}

TEST_F(RunCommandTest, UnsignedPluginIsRejectedWhenAKeyIsConfigured) {
  RunOptions options;
  options.dir = makePlugin("print('never')\n");
  options.trust.key = (kSource / "plugins/keys/demo.pub.pem").string();
  EXPECT_EQ(run(options), 125);
  EXPECT_NE(err_.str().find("rejected: "), std::string::npos);
}

TEST_F(RunCommandTest, NetworkWithoutAPolicyIsRejected) {
  RunOptions options;
  options.dir = makePlugin("print('never')\n", R"("network")");
  EXPECT_EQ(run(options), 125);
}

TEST_F(RunCommandTest, PluginExitStatusIsPassedThrough) {
  RunOptions options;
  options.dir = makePlugin("import sys\nsys.exit(7)\n");
  EXPECT_EQ(run(options), 7) << err_.str();
  EXPECT_NE(err_.str().find("no policy configured"), std::string::npos);
}

TEST_F(RunCommandTest, DeathBySignalIs128PlusN) {
  RunOptions options;
  options.dir = makePlugin("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n");
  EXPECT_EQ(run(options), 128 + 15) << err_.str();
}

TEST_F(RunCommandTest, TimeoutIs124) {
  RunOptions options;
  options.dir = makePlugin("import time\ntime.sleep(60)\n");
  options.timeoutSeconds = 1;
  options.json = true;
  EXPECT_EQ(run(options), 124);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["outcome"], "timedOut");
}

TEST_F(RunCommandTest, BadInterpreterIs126) {
  RunOptions options;
  options.dir = makePlugin("print('never')\n");
  options.python = "python3";
  EXPECT_EQ(run(options), 126);
  EXPECT_NE(err_.str().find("could not be set up"), std::string::npos);
}

TEST_F(RunCommandTest, UnknownSandboxLevelOrForeignFlagIs126) {
  RunOptions options;
  options.dir = makePlugin("print('never')\n");
  options.sandbox = "chroot";
  EXPECT_EQ(run(options), 126);
  options.sandbox = "local";
  options.image = "some/image";
  EXPECT_EQ(run(options), 126);
  EXPECT_NE(err_.str().find("--image"), std::string::npos) << err_.str();
}

TEST_F(RunCommandTest, SigtermStopsTheRunRemovesItsRootAndExits143) {
  RunOptions options;
  options.dir = makePlugin("import time\nprint('up', flush=True)\ntime.sleep(60)\n");
  fs::path base = dir_ / "base";
  setenv("PLUGIN_SANDBOX_DIR", base.c_str(), 1);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  if (child == 0) {
    std::ostringstream out, err;
    _exit(runRun(options, out, err, {ready[1], -1}));
  }
  close(ready[1]);
  char byte;
  ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the plugin never started";
  EXPECT_FALSE(fs::is_empty(base));
  kill(child, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  close(ready[0]);
  unsetenv("PLUGIN_SANDBOX_DIR");
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 143);
  EXPECT_TRUE(fs::is_empty(base)) << "the sandbox root must be removed";
}

TEST_F(RunCommandTest, PolicyLimitsClampFlagsAndDefaults) {
  RunOptions options;
  core::PolicyLimits policy;
  auto limits = effectiveLimits(options, policy);
  EXPECT_EQ(limits.wallTime, std::chrono::seconds(60));
  options.timeoutSeconds = 600;  // a flag cannot raise the default
  options.memoryBytes = 64 << 20;
  policy.maxTimeoutSeconds = 5;
  limits = effectiveLimits(options, policy);
  EXPECT_EQ(limits.wallTime, std::chrono::seconds(5));
  EXPECT_EQ(limits.cpuTime, std::chrono::seconds(5));
  EXPECT_EQ(limits.memoryBytes, 64u << 20);
  policy.maxMemory = 32 << 20;
  EXPECT_EQ(effectiveLimits(options, policy).memoryBytes, 32u << 20);
}

}  // namespace
}  // namespace ps::cli
