#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/sandbox_limits.h"
#include "sandbox/setup_result.h"

namespace ps::sandbox {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// Where this host lets a run have a cgroup of its own: the v1 hierarchies (hybrid hosts, pids
// required, memory when present) or a delegated parent in the unified v2 hierarchy (cgroup_v2.h).
struct CgroupHost {
  enum class Layout { kNone, kV1, kV2 };
  Layout layout = Layout::kNone;
  std::filesystem::path root;    // where the hierarchies are mounted
  std::filesystem::path parent;  // kV2: the prepared parent of the run groups
  std::string unavailable;       // kNone: the step that failed, in words

  // Looks at `root` once per run; on v2 this prepares the parent (cgroup_v2::delegatedParent).
  static CgroupHost find(const std::filesystem::path& root = kCgroupRoot);
  bool usable() const { return layout != Layout::kNone; }
};

// A per-run cgroup that caps the process count of the whole sandbox (fork bombs; RLIMIT_NPROC
// does not bind root) and its total memory, tmpfs included (v2: memory.max with no swap).
// Removed on destruction, once the sandbox's processes are gone.
class CgroupLimits {
 public:
  static SetupResult<std::unique_ptr<CgroupLimits>> create(const SandboxLimits& limits,
                                                           const CgroupHost& host);
  ~CgroupLimits();
  CgroupLimits(const CgroupLimits&) = delete;
  CgroupLimits& operator=(const CgroupLimits&) = delete;

  // Moves a process (the sandbox's init, before it forks) into every group.
  SetupStatus addProcess(pid_t pid) const;

  // Was the memory limit hit (the kernel's OOM killer acted in this group)?
  bool memoryLimitHit() const;

  const std::vector<std::filesystem::path>& groups() const { return groups_; }

 private:
  CgroupLimits() = default;
  std::vector<std::filesystem::path> groups_;
  std::optional<std::filesystem::path> memoryGroup_;
  bool unified_ = false;  // memoryGroup_ reports through memory.events, not memory.failcnt
};

using CgroupLimitsPtr = std::unique_ptr<CgroupLimits>;

}  // namespace ps::sandbox
