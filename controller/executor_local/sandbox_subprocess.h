#pragma once

#include <filesystem>
#include <string>

#include "executor_local/local_executor.h"

namespace ps::reconcile {

// The first argument that makes plugin-controller a sandbox subprocess instead of a controller.
inline constexpr const char* kSandboxSubprocessArg = "__sandbox-run";

// LocalSandbox creates its namespaces with a raw clone, and the child allocates before it execs:
// in the controller, where HTTP and informer threads may hold the allocator's lock at that moment,
// the child can deadlock. So each sandbox runs from a fresh single-threaded process: `binary`
// (plugin-controller itself) started with kSandboxSubprocessArg and the request as JSON; the
// request's wakeFd becomes the subprocess's stdin and the result comes back as JSON on its stdout.
// The subprocess dies with the executor thread that started it (PR_SET_PDEATHSIG).
SandboxRunner subprocessSandboxRunner(std::filesystem::path binary);

// The subprocess side: runs the sandbox described by `requestJson` (wake fd = stdin) and prints
// the result. Returns the process exit status (0 when a result was printed).
int runSandboxSubprocess(const std::string& requestJson);

}  // namespace ps::reconcile
