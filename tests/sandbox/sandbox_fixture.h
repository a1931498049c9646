#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/plugin_files.h"
#include "core/trust_check.h"
#include "sandbox/local_sandbox.h"
#include "sandbox/sandbox_root.h"

namespace ps::sandbox::testing {

// A plugin run from the test's side: the result plus everything forwarded to stdout/stderr.
struct PluginRun {
  RunResult result;
  std::string out, err;
};

// The hostile plugins' folder; PS_SANDBOX_HOSTILE_DIR overrides it when the suite runs as an
// unprivileged user that cannot reach the source tree (run_unprivileged.sh copies it).
inline std::filesystem::path hostileDir() {
  const char* copy = std::getenv("PS_SANDBOX_HOSTILE_DIR");
  return copy != nullptr && *copy != '\0'
             ? std::filesystem::path(copy)
             : std::filesystem::path(PS_SOURCE_DIR) / "tests/sandbox/hostile";
}

// How much slower than this machine the host running the tests is: PS_TEST_TIME_SCALE (1 to 100,
// default 1). The cgroup v2 guest of tests/hosts runs under qemu's software emulation, ~10-40x
// slower, and sets it; the bounds it stretches are how long a test waits, never the limit a test
// proves (a 1.5 s wall-clock limit stays 1.5 s, only "ended within 4 s" becomes 4 s x scale).
inline int timeScale() {
  const char* text = std::getenv("PS_TEST_TIME_SCALE");
  const int scale = text != nullptr ? std::atoi(text) : 1;
  return scale < 1 ? 1 : (scale > 100 ? 100 : scale);
}
template <class Duration>
Duration scaled(Duration bound) {
  return bound * timeScale();
}

inline SandboxLimits smallLimits() {
  SandboxLimits limits;
  limits.wallTime = scaled(std::chrono::milliseconds(10'000));
  limits.cpuTime = scaled(std::chrono::seconds(10));
  limits.memoryBytes = 256ull << 20;
  limits.maxProcesses = 16;
  limits.tmpBytes = 4ull << 20;
  limits.maxFileBytes = 8ull << 20;
  limits.outputBytes = 1ull << 20;
  return limits;
}

inline std::string readMemfd(int fd) {
  std::string text;
  char buffer[65536];
  lseek(fd, 0, SEEK_SET);
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  close(fd);
  return text;
}

inline std::vector<core::VerifiedFile> verifiedFiles(const core::PluginFiles& plugin) {
  std::vector<core::VerifiedFile> verified;
  for (const auto& [path, bytes] : plugin.files) {
    if (path != "manifest.json") verified.push_back({path, core::sha256Digest(bytes)});
  }
  return verified;
}

struct RunOptions {
  SandboxLimits limits = smallLimits();
  std::optional<std::filesystem::path> input;
  bool network = false;
  std::vector<std::string> args;
  std::map<std::string, std::string> extraFiles;
};

// Copies a one-file plugin into a fresh sandbox root and runs it.
inline PluginRun runPlugin(const std::string& source, const RunOptions& options = {}) {
  core::PluginFiles plugin;
  plugin.files["manifest.json"] = R"({"id":"test","version":"1.0.0","permissions":[]})";
  plugin.files["plugin.py"] = source;
  for (const auto& [path, bytes] : options.extraFiles) plugin.files[path] = bytes;
  PluginRun run;
  auto runner = ToolRunner::fromEnvironment();
  if (!runner) {
    run.result = RunResult::setupFailed(runner.error().message);
    return run;
  }
  auto sandbox = LocalSandbox::create(runner.value());
  auto base = SandboxRoot::privateBase();
  if (!sandbox || !base) {
    run.result = RunResult::setupFailed(!sandbox ? sandbox.error().message : base.error().message);
    return run;
  }
  auto root = SandboxRoot::create(plugin, verifiedFiles(plugin), base.value());
  if (!root) {
    run.result = RunResult::setupFailed(root.error().message);
    return run;
  }
  int outFd = memfd_create("out", MFD_CLOEXEC), errFd = memfd_create("err", MFD_CLOEXEC);
  SandboxRequest request{root.value()->pluginDir(),
                         root.value()->mountPoint(),
                         options.input,
                         options.args,
                         options.network,
                         options.limits,
                         OutputSinks{outFd, errFd}};
  run.result = sandbox->run(request);
  run.out = readMemfd(outFd);
  run.err = readMemfd(errFd);
  return run;
}

}  // namespace ps::sandbox::testing
