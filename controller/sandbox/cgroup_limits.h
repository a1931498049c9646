#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "sandbox/sandbox_limits.h"
#include "sandbox/setup_result.h"

namespace ps::sandbox {

// A per-run cgroup (v1 hierarchies, as on this VM: pids required, memory when present) that caps
// the process count of the whole sandbox (fork bombs; RLIMIT_NPROC does not bind root) and its
// total memory, tmpfs included. Removed on destruction, once the sandbox's processes are gone.
class CgroupLimits {
 public:
  static constexpr const char* kDefaultRoot = "/sys/fs/cgroup";

  // True when a pids hierarchy exists under `root` and we may create groups in it.
  static bool available(const std::filesystem::path& root = kDefaultRoot);

  static SetupResult<std::unique_ptr<CgroupLimits>> create(
      const SandboxLimits& limits, const std::filesystem::path& root = kDefaultRoot);
  ~CgroupLimits();
  CgroupLimits(const CgroupLimits&) = delete;
  CgroupLimits& operator=(const CgroupLimits&) = delete;

  // Moves a process (the sandbox's init, before it forks) into every group.
  std::optional<SetupError> addProcess(pid_t pid) const;

  // Was the memory limit hit (the kernel's OOM killer acted in this group)?
  bool memoryLimitHit() const;

  const std::vector<std::filesystem::path>& groups() const { return groups_; }

 private:
  CgroupLimits() = default;
  std::vector<std::filesystem::path> groups_;
  std::optional<std::filesystem::path> memoryGroup_;
};

using CgroupLimitsPtr = std::unique_ptr<CgroupLimits>;

}  // namespace ps::sandbox
