#pragma once

#include <string>
#include <vector>

#include "sandbox/output_pump.h"

namespace ps::launcher {

// The environment variable that overrides the termination-message path (the flag wins over it).
inline constexpr const char* kTerminationLogEnv = "PLUGIN_SANDBOX_TERMINATION_LOG";
inline constexpr const char* kDefaultTerminationLog = "/dev/termination-log";

// The whole entrypoint of the sandbox image, minus main():
//   plugin-launcher [--root DIR] [--expect NAME=sha256:HEX]... [--termination-log PATH]
//                   [--python PATH] [--timeout S] [--cpu-seconds S] [--memory BYTES (the Pod limit;
//                   RLIMIT_AS 4x)]
//                   [--max-processes N] [--max-open-files N] [--max-file-bytes BYTES]
//                   [--output-bytes BYTES] [--await-network-isolation S] [-- PLUGIN ARGS...]
// With --expect (the Pod builder pins every verified file so), the root must hold exactly those
// files with those digests (verified_volume.h) and the plugin runs from a private copy of the
// bytes checked; otherwise (the container level mounts a verified copy itself) from the root.
// With --await-network-isolation (the Pod builder passes it unless the policy grants `network`)
// the plugin starts only once the Pod is cut off (network_isolation.h), else 126.
// Runs the plugin, writes the termination message (the stdout tail, or why it could not start),
// and returns the exit status: the plugin's own, 124 timed out, 126 not started (including a
// volume that differs from the pinned files), 128+N signal N, 2 for a bad command line.
int runLauncher(const std::vector<std::string>& argv, sandbox::OutputSinks sinks = {});

}  // namespace ps::launcher
