#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "container/container_engine.h"
#include "container/container_sandbox.h"
#include "container/engine_process.h"
#include "core/digest.h"
#include "core/plugin_files.h"
#include "sandbox/sandbox_root.h"

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

// The engine and the image, found (or the image built) once per test binary. Tests skip, saying
// why, only when no engine exists at all; an engine without a buildable image is a failure.
class ImageEnvironment {
 public:
  static ImageEnvironment& get() {
    static ImageEnvironment environment;
    return environment;
  }
  const std::string& skipReason() const { return skipReason_; }
  const std::string& failure() const { return failure_; }
  const ContainerSandbox& sandbox() const { return *sandbox_; }

 private:
  ImageEnvironment() {
    const char* path = std::getenv("PATH");
    auto engine = findEngine(std::nullopt, path != nullptr ? path : "");
    if (!engine) {
      skipReason_ =
          "no container engine on PATH (install podman and runc): " + engine.error().message;
      return;
    }
    auto sandbox = ContainerSandbox::create({});
    if (!sandbox || !holdsThisLauncher(sandbox.value()) ||
        std::getenv("PS_REBUILD_IMAGE") != nullptr) {
      std::string build =
          std::string("'") + PS_SOURCE_DIR + "/sandbox-image/build.sh' '" + PS_BINARY_DIR + "' >&2";
      if (std::system(build.c_str()) != 0) {
        failure_ = "sandbox-image/build.sh failed";
        return;
      }
      sandbox = ContainerSandbox::create({});
    }
    if (!sandbox) {
      failure_ = sandbox.error().message;
      return;
    }
    sandbox_.emplace(std::move(sandbox.value()));
  }
  // Whether the image was built from this build's launcher (build.sh labels it with the digest),
  // so that tests never pass on a stale image.
  static bool holdsThisLauncher(const ContainerSandbox& sandbox) {
    std::ifstream in(std::string(PS_BINARY_DIR) + "/bin/plugin-launcher", std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto label = runQuiet({sandbox.engine().binary.string(), "image", "inspect", "--format",
                           "{{index .Labels \"dev.plugins.sandbox.launcher-digest\"}}",
                           sandbox.config().image});
    return label && label->output == core::sha256Digest(bytes.str()) + "\n";
  }

  std::string skipReason_, failure_;
  std::optional<ContainerSandbox> sandbox_;
};

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
