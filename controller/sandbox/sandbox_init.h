#pragma once

#include <cstdint>

#include "sandbox/mount_plan.h"
#include "sandbox/resource_limits.h"
#include "sandbox/sandbox_limits.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/tool_runner.h"

namespace ps::sandbox {

// The plugin's uid and gid inside the sandbox ("nobody"): never root, so nothing that needs
// privilege works, and RLIMIT_NPROC binds.
inline constexpr unsigned kSandboxId = 65534;

// What init reports about the plugin once it exited.
struct PluginExit {
  int waitStatus = 0;
  int64_t cpuMillis = 0;  // user + system CPU time: tells a CPU-limit SIGKILL from others
};

// Where this process keeps its command line and environment (from /proc/self/stat). Init is a
// clone of the supervisor, so its /proc/1/cmdline would show the supervisor's argv (host paths,
// inline key text): init blanks both areas first. Empty when /proc/self/stat cannot be read.
struct ProcessTextAreas {
  uintptr_t argStart = 0, argEnd = 0, envStart = 0, envEnd = 0;
  static ProcessTextAreas ofThisProcess();
};

// Everything the sandbox's init needs, prepared by the supervisor before clone.
struct InitPlan {
  const MountPlan* mounts = nullptr;
  const ToolRunner::PreparedExec* exec = nullptr;
  const SeccompProgram* seccomp = nullptr;
  SandboxLimits limits;
  ProcessLimit processLimit = ProcessLimit::kPidsCgroup;
  bool switchToSandboxId = false;  // true without a user namespace (the map already did it)
  int syncRead = -1;               // one byte from the supervisor: ids mapped, cgroups joined
  int errorWrite = -1;             // setup failures, one line each
  int statusWrite = -1;            // the plugin's PluginExit

  int stdoutWrite = -1, stderrWrite = -1;
  ProcessTextAreas textAreas;
};

// Runs as PID 1 of the new PID namespace: assembles the root, starts the plugin through the
// ToolRunner, reaps every orphan, and exits when the plugin exits — which makes the kernel kill
// whatever the plugin left behind. Only system calls after clone; never returns.
[[noreturn]] void runSandboxInit(const InitPlan& plan);

}  // namespace ps::sandbox
