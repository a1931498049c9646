#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace ps::sandbox {

// The smallest memory limit any level gives a run, whatever was asked: the interpreter does not
// start in less (the launcher's --memory refuses less, too).
inline constexpr uint64_t kMinMemoryBytes = 16ull << 20;

// Resource limits of one run. Defaults suit a small analysis plugin; policy limits and command-line
// flags may only lower the timeout and memory (effectiveLimits in the CLI, clampRunLimits in the
// controller), and withTimeoutAndMemory() turns what is left into these limits.
struct SandboxLimits {
  std::chrono::milliseconds wallTime{60'000};  // whole PID namespace killed after this (exit 124)
  std::chrono::seconds cpuTime{60};            // RLIMIT_CPU of each process
  uint64_t memoryBytes = 512ull << 20;         // memory cgroup when available, RLIMIT_AS always
  uint64_t maxProcesses = 64;           // pids cgroup, else RLIMIT_NPROC in our user namespace
  uint64_t maxOpenFiles = 256;          // RLIMIT_NOFILE
  uint64_t maxFileBytes = 64ull << 20;  // RLIMIT_FSIZE
  uint64_t tmpBytes = 64ull << 20;      // size of the private /tmp tmpfs
  uint64_t outputBytes = 8ull << 20;    // stdout+stderr forwarded before the cut marker
};

// `limits` with a timeout (wall-clock and CPU time alike, at least 1 s) and a memory limit (at
// least kMinMemoryBytes) that were already lowered to every ceiling.
inline SandboxLimits withTimeoutAndMemory(SandboxLimits limits, int64_t timeoutSeconds,
                                          int64_t memoryBytes) {
  const auto timeout = std::chrono::seconds(std::max<int64_t>(timeoutSeconds, 1));
  limits.wallTime = timeout;
  limits.cpuTime = timeout;
  limits.memoryBytes =
      std::max(static_cast<uint64_t>(std::max<int64_t>(memoryBytes, 0)), kMinMemoryBytes);
  return limits;
}

}  // namespace ps::sandbox
