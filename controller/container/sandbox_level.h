#pragma once

#include <optional>
#include <string>
#include <variant>

#include "container/container_sandbox.h"
#include "sandbox/local_sandbox.h"
#include "sandbox/run_result.h"
#include "sandbox/setup_result.h"

namespace ps::container {

// What `pluginctl run --sandbox local|container [--python P] [--image REF] [--engine E]` asked for.
struct LevelChoice {
  std::string level = "local";        // "local" (the default) or "container"
  std::optional<std::string> python;  // local only: the interpreter to confine
  std::optional<std::string> image;   // container only: default kDefaultImage
  std::optional<std::string> engine;  // container only: "podman" or "docker"
};

// Either isolation level behind one call: both take the same request and give the same result
// and exit codes, so the pipeline before them (checks, verified copy) is shared.
class SandboxLevel {
 public:
  // Fails closed: an unknown level, a flag of the other level, no engine or no image is a
  // SetupError (exit 126), never a quiet switch to the other level.
  static sandbox::SetupResult<SandboxLevel> create(const LevelChoice& choice);

  sandbox::RunResult run(const sandbox::SandboxRequest& request) const;

 private:
  explicit SandboxLevel(std::variant<sandbox::LocalSandbox, ContainerSandbox> level)
      : level_(std::move(level)) {}
  std::variant<sandbox::LocalSandbox, ContainerSandbox> level_;
};

}  // namespace ps::container
