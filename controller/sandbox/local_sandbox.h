#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/output_pump.h"
#include "sandbox/run_result.h"
#include "sandbox/runtime_layout.h"
#include "sandbox/sandbox_init.h"
#include "sandbox/sandbox_limits.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/setup_result.h"
#include "sandbox/tool_runner.h"

namespace ps::sandbox {

struct SandboxRequest {
  std::filesystem::path pluginDir;   // the verified copy (SandboxRoot::pluginDir())
  std::filesystem::path mountPoint;  // an empty directory for the new root (SandboxRoot)
  std::optional<std::filesystem::path> inputDir;  // only when read_files was granted
  std::vector<std::string> args;
  bool network = false;  // only when policy granted "network"
  SandboxLimits limits;
  OutputSinks sinks;
  int wakeFd = -1;  // readable = stop the run (pluginctl's interrupt pipe)
};

// Runs `python -I plugin.py` in a fresh kernel sandbox: mount, PID, IPC, UTS, cgroup and (unless
// network is granted) network namespaces; a user namespace when not root; a read-only root with
// only the interpreter, its libraries and standard library; seccomp; limits. Fails closed: when
// any part cannot be had, the plugin does not run (kSetupFailed, exit 126).
class LocalSandbox {
 public:
  static SetupResult<LocalSandbox> create(ToolRunner runner);

  RunResult run(const SandboxRequest& request) const;

  const ToolRunner& runner() const { return runner_; }

 private:
  LocalSandbox(ToolRunner runner, RuntimeLayout layout, SeccompProgram seccomp)
      : runner_(std::move(runner)),
        layout_(std::move(layout)),
        seccomp_(std::move(seccomp)),
        textAreas_(ProcessTextAreas::ofThisProcess()) {}
  ToolRunner runner_;
  RuntimeLayout layout_;
  SeccompProgram seccomp_;
  ProcessTextAreas textAreas_;  // what init blanks: our argv and environment
};

}  // namespace ps::sandbox
