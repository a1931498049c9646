#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "container/container_engine.h"
#include "container/container_sandbox.h"
#include "container/engine_process.h"
#include "core/digest.h"
#include "core/plugin_files.h"
#include "docker_daemon.h"
#include "sandbox/sandbox_root.h"

namespace ps::container {

// GoogleTest names the parameter of a failed case with this ("podman", "docker").
inline void PrintTo(EngineKind kind, std::ostream* out) {
  *out << engineName(kind);
}

}  // namespace ps::container

namespace ps::container::testing {

inline std::string kImage() {
  return kDefaultImage;
}

// Limits small enough that every hostile case ends in seconds.
inline sandbox::SandboxLimits smallLimits() {
  sandbox::SandboxLimits limits;
  limits.wallTime = std::chrono::seconds(10);
  limits.cpuTime = std::chrono::seconds(10);
  limits.memoryBytes = 256ull << 20;
  limits.maxProcesses = 16;
  limits.tmpBytes = 4ull << 20;
  limits.maxFileBytes = 8ull << 20;
  limits.outputBytes = 1ull << 20;
  return limits;
}

struct RunOptions {
  sandbox::SandboxLimits limits = smallLimits();
  std::optional<std::filesystem::path> input;
  bool network = false;
  std::vector<std::string> args;
  int wakeFd = -1;  // readable = stop the run (pluginctl's interrupt pipe)
};

inline RunOptions withArgs(std::vector<std::string> args) {
  RunOptions options;
  options.args = std::move(args);
  return options;
}
inline RunOptions withLimits(const sandbox::SandboxLimits& limits) {
  RunOptions options;
  options.limits = limits;
  return options;
}
inline RunOptions withInput(const std::filesystem::path& input) {
  RunOptions options;
  options.input = input;
  return options;
}

struct PluginRun {
  sandbox::RunResult result;
  std::string out, err;
};

inline std::string drainMemfd(int fd) {
  std::string text;
  char buffer[65536];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return text;
}

// The engines every container test runs under: each suite is parametrized over them.
inline const EngineKind kEnginesUnderTest[] = {EngineKind::kPodman, EngineKind::kDocker};

inline std::string engineTestName(const ::testing::TestParamInfo<EngineKind>& info) {
  return std::string(engineName(info.param));
}

// One engine and the image in it, set up once per test binary. Podman: the image is checked (or
// built with sandbox-image/build.sh) in the host's store; tests skip, saying why, only when
// podman is not on PATH. Docker: a daemon of the tests' own (DockerDaemon) is started, the
// archive make images writes (build/images/sandbox.tar) is loaded with docker load (rebuilt
// first when missing or holding another launcher build); no docker.io, or a daemon that does
// not start, is a failure, never a skip. The daemon is stopped when the tests end.
class ImageEnvironment {
 public:
  static ImageEnvironment& get(EngineKind kind);
  // Stops the Docker daemon and removes its state (a GoogleTest environment calls it).
  static void tearDownAll();

  const std::string& skipReason() const { return skipReason_; }
  const std::string& failure() const { return failure_; }
  const ContainerSandbox& sandbox() const { return *sandbox_; }
  EngineKind kind() const { return kind_; }

 private:
  explicit ImageEnvironment(EngineKind kind);
  void setUpPodman();
  void setUpDocker();
  bool loadArchive(const std::string& archive);

  EngineKind kind_;
  std::string skipReason_, failure_;
  std::unique_ptr<DockerDaemon> daemon_;
  std::optional<ContainerSandbox> sandbox_;
};

// Whether the image was built from this build's launcher (build.sh labels it with the digest),
// so that tests never pass on a stale image.
bool holdsThisLauncher(const ContainerSandbox& sandbox);

// A suite's SetUp: skips or fails the test as the engine's environment says (GoogleTest runs
// no test body after a skip or a fatal failure in SetUp, even one raised in a helper).
inline void requireEngine(EngineKind kind) {
  auto& environment = ImageEnvironment::get(kind);
  if (!environment.skipReason().empty()) GTEST_SKIP() << environment.skipReason();
  ASSERT_TRUE(environment.failure().empty()) << environment.failure();
}

// Copies a one-file plugin into a fresh, verified sandbox root (the local sandbox's own code)
// and runs it in the container level.
inline PluginRun runInContainer(const ContainerSandbox& box, const std::string& source,
                                const RunOptions& options = {}) {
  core::PluginFiles plugin;
  plugin.files["manifest.json"] = R"({"id":"test","version":"1.0.0","permissions":[]})";
  plugin.files["plugin.py"] = source;
  std::vector<core::VerifiedFile> verified{{"plugin.py", core::sha256Digest(source)}};
  PluginRun run;
  auto base = sandbox::SandboxRoot::privateBase();
  if (!base) {
    run.result = sandbox::RunResult::setupFailed(base.error().message);
    return run;
  }
  auto root = sandbox::SandboxRoot::create(plugin, verified, base.value());
  if (!root) {
    run.result = sandbox::RunResult::setupFailed(root.error().message);
    return run;
  }
  int outFd = memfd_create("out", MFD_CLOEXEC), errFd = memfd_create("err", MFD_CLOEXEC);
  sandbox::SandboxRequest request{root.value()->pluginDir(),
                                  root.value()->mountPoint(),
                                  options.input,
                                  options.args,
                                  options.network,
                                  options.limits,
                                  sandbox::OutputSinks{outFd, errFd},
                                  options.wakeFd};
  run.result = box.run(request);
  run.out = drainMemfd(outFd);
  run.err = drainMemfd(errFd);
  return run;
}

}  // namespace ps::container::testing
