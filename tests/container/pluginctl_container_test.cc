// `pluginctl run --sandbox container` end to end: the built pluginctl binary, the repository's
// example plugins, policy and demo key, and the real image.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "container/engine_process.h"
#include "container_fixture.h"

namespace ps::container {
namespace {

namespace fs = std::filesystem;

const std::string kSource = PS_SOURCE_DIR;
const std::string kPluginctl = std::string(PS_BINARY_DIR) + "/bin/pluginctl";

class PluginctlContainerTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override { testing::requireEngine(GetParam()); }
  std::string engine() const { return std::string(engineName(GetParam())); }
  // pluginctl's exit status and what it printed (stdout then stderr, bounded).
  QuietResult pluginctl(std::vector<std::string> args) {
    args.insert(args.begin(), kPluginctl);
    auto done = runQuiet(args);
    EXPECT_TRUE(done) << (done ? "" : done.error().message);
    return done ? done.value() : QuietResult{};
  }
  std::vector<std::string> trusted(const std::string& plugin) {
    return {"run",       kSource + "/plugins/" + plugin,
            "--policy",  kSource + "/plugins/policy.json",
            "--key",     kSource + "/plugins/keys/demo.pub.pem",
            "--sandbox", "container",
            "--engine",  engine()};
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, PluginctlContainerTest,
                         ::testing::ValuesIn(testing::kEnginesUnderTest), testing::engineTestName);

TEST_P(PluginctlContainerTest, RunsTheExamplePlugin) {
  auto run = pluginctl(trusted("example"));
  EXPECT_EQ(run.exitCode, 0) << run.output;
  EXPECT_NE(run.output.find("Hello from the example plugin, running on Python 3.11"),
            std::string::npos)
      << run.output;
}

TEST_P(PluginctlContainerTest, RunsTechdebtOverReadOnlyInput) {
  auto args = trusted("techdebt");
  args.insert(args.end(), {"--input", kSource + "/plugins", "--json"});
  auto run = pluginctl(args);
  EXPECT_EQ(run.exitCode, 0) << run.output;
  EXPECT_NE(run.output.find("\"root\": \"/input\""), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("\"outcome\":\"exited\""), std::string::npos) << run.output;
}

TEST_P(PluginctlContainerTest, RejectionHappensBeforeAnyContainer) {
  auto dir = fs::temp_directory_path() / ("tampered-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::copy(kSource + "/plugins/example", dir);
  std::ofstream(dir / "plugin.py", std::ios::app) << "print('tampered')\n";
  auto args = trusted("example");
  args[1] = dir.string();
  auto run = pluginctl(args);
  fs::remove_all(dir);
  EXPECT_EQ(run.exitCode, 125) << run.output;
  EXPECT_NE(run.output.find("rejected: digest"), std::string::npos) << run.output;
}

TEST_P(PluginctlContainerTest, MissingImageIs126AndSaysHowToBuildIt) {
  auto args = trusted("example");
  args.insert(args.end(), {"--image", "localhost/plugin-sandbox/no-such-image:never"});
  auto run = pluginctl(args);
  EXPECT_EQ(run.exitCode, 126) << run.output;
  const char* fix = GetParam() == EngineKind::kDocker ? "docker load" : "make sandbox-image";
  EXPECT_NE(run.output.find(fix), std::string::npos) << run.output;
}

TEST_P(PluginctlContainerTest, TimeoutIs124) {
  auto dir = fs::temp_directory_path() / ("sleeper-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "manifest.json") << R"({"id":"sleeper","version":"1.0.0","permissions":[]})";
  std::ofstream(dir / "plugin.py")
      << "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n";
  auto policy = dir.string() + ".policy.json";
  std::ofstream(policy) << R"({"plugins":{"sleeper":{"permissions":[]}}})";
  auto run = pluginctl({"run", dir.string(), "--policy", policy, "--sandbox", "container",
                        "--engine", engine(), "--timeout", "2"});
  fs::remove_all(dir);
  fs::remove(policy);
  EXPECT_EQ(run.exitCode, 124) << run.output;
  EXPECT_NE(run.output.find("sleeping"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace ps::container
