#pragma once

#include <string>

#include "container/container_command.h"
#include "container/container_engine.h"
#include "sandbox/local_sandbox.h"
#include "sandbox/run_result.h"
#include "sandbox/setup_result.h"

namespace ps::container {

// The container isolation level: the same request and result as sandbox::LocalSandbox, run in the
// sandbox image by Podman (with runc) or Docker. The image's launcher applies the same limits,
// seccomp filter and ToolRunner inside; the engine adds its own namespaces, cgroup limits, a
// read-only root, no capabilities and no network. Fails closed: no engine, or no image, is a
// SetupError (exit 126), never a silent fall back to the local level.
class ContainerSandbox {
 public:
  // Finds the engine on PATH and checks that the image is present locally (no registry is asked).
  static sandbox::SetupResult<ContainerSandbox> create(ContainerConfig config);

  // request.mountPoint is not used: the engine builds the root from the image.
  sandbox::RunResult run(const sandbox::SandboxRequest& request) const;

  const Engine& engine() const { return engine_; }
  const ContainerConfig& config() const { return config_; }

 private:
  ContainerSandbox(Engine engine, ContainerConfig config)
      : engine_(std::move(engine)), config_(std::move(config)) {}
  Engine engine_;
  ContainerConfig config_;
};

}  // namespace ps::container
