#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "sandbox/setup_result.h"
#include "sandbox/unique_fd.h"

namespace ps::container {

// A running engine client (`podman run ...`) whose stdout and stderr we read.
struct EngineProcess {
  pid_t pid = -1;
  sandbox::UniqueFd stdoutRead, stderrRead;
  sandbox::UniqueFd exited;  // pidfd: readable once the process has exited
};

// Starts argv[0] with stdin on /dev/null and both output streams on fresh pipes. The engine client
// gets our environment (it needs PATH, XDG_RUNTIME_DIR, ...); the container gets none of it,
// because `run` is never given -e/--env.
sandbox::SetupResult<EngineProcess> spawnEngine(const std::vector<std::string>& argv);

// Waits for a spawned engine process; returns its exit code (128+N when signalled).
int waitForEngine(pid_t pid);

struct QuietResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr, at most a few KiB
};

// Runs a short engine command (kill, image inspect) to completion, keeping what it printed.
sandbox::SetupResult<QuietResult> runQuiet(const std::vector<std::string>& argv);

}  // namespace ps::container
