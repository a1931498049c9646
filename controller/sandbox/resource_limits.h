#pragma once

#include "sandbox/sandbox_limits.h"

namespace ps::sandbox {

// How processes are counted: the pids cgroup where we can create one, else RLIMIT_NPROC, which
// since Linux 5.14 counts per (user namespace, uid) and so binds a plugin that runs as its own
// uid in its own user namespace (never as root, where it would not bind at all).
enum class ProcessLimit { kPidsCgroup, kNprocInOwnUserNamespace };

// Applies the rlimits to the calling process. Async-signal-safe (called between fork and exec):
// returns 0 or the errno of the first failing setrlimit.
int applyResourceLimits(const SandboxLimits& limits, ProcessLimit processLimit);

}  // namespace ps::sandbox
