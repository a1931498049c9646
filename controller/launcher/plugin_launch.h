#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/output_pump.h"
#include "sandbox/run_result.h"
#include "sandbox/sandbox_limits.h"

namespace ps::launcher {

// What the image's entrypoint runs: `python -I plugin.py ARGS...` in `root`, under `limits`.
struct LaunchSpec {
  std::filesystem::path root = "/sandbox";  // where the Pod mounts the plugin ConfigMap
  std::filesystem::path interpreter;        // empty: ToolRunner::fromEnvironment()
  sandbox::SandboxLimits limits;
  std::vector<std::string> args;
};

// Starts the plugin through the sandbox's ToolRunner, forwards its output live to `sinks`, and
// waits for it and everything it started. On the wall-clock limit, or when the plugin exits
// leaving children behind, those are killed: nothing outlives the run. The result is the local
// sandbox's (its exit code core/exit_codes.h's); `setupError` says why the plugin did not start.
sandbox::RunResult launchPlugin(const LaunchSpec& spec, sandbox::OutputSinks sinks);

}  // namespace ps::launcher
