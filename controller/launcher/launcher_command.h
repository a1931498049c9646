#pragma once

#include <string>
#include <vector>

#include "sandbox/output_pump.h"

namespace ps::launcher {

// The environment variable that overrides the termination-message path (the flag wins over it).
inline constexpr const char* kTerminationLogEnv = "PLUGIN_SANDBOX_TERMINATION_LOG";
inline constexpr const char* kDefaultTerminationLog = "/dev/termination-log";

// The whole entrypoint of the sandbox image, minus main():
//   plugin-launcher [--root DIR] [--termination-log PATH] [--python PATH] [--timeout S]
//                   [--cpu-seconds S] [--memory BYTES] [--max-processes N] [--max-open-files N]
//                   [--max-file-bytes BYTES] [--output-bytes BYTES] [-- PLUGIN ARGS...]
// Runs the plugin, writes the termination message (the stdout tail, or why it could not start),
// and returns the exit status: the plugin's own, 124 timed out, 126 not started, 128+N signal N,
// 2 for a bad command line.
int runLauncher(const std::vector<std::string>& argv, sandbox::OutputSinks sinks = {});

}  // namespace ps::launcher
