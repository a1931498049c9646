#pragma once

#include <chrono>
#include <cstdint>

namespace ps::sandbox {

// Resource limits of one run. Defaults suit a small analysis plugin; policy limits and command-line
// flags may only lower the timeout and memory (see clampToPolicy in the CLI).
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

}  // namespace ps::sandbox
