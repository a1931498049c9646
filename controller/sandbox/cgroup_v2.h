#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/setup_result.h"

namespace ps::sandbox::cgroup_v2 {

// The unified hierarchy (cgroup v2): a run's group is made under a delegated parent, the caller's
// own cgroup (as systemd-run --scope -p Delegate=yes gives) or the one PLUGIN_SANDBOX_CGROUP_PARENT
// names. A cgroup that holds processes cannot pass controllers to children (the "no internal
// processes" rule), so the caller first moves itself into a leaf beside the run groups.

inline constexpr const char* kParentEnv = "PLUGIN_SANDBOX_CGROUP_PARENT";
// The leaf the supervisor moves itself into; its parent is then the one the run groups go under.
inline constexpr const char* kSupervisorLeaf = "plugin-sandbox-supervisor";

// Is `root` the mount point of a cgroup2 file system (and not, as on hybrid hosts, a tmpfs of v1
// hierarchies)?
bool isUnifiedHierarchy(const std::filesystem::path& root);

// The v2 path ("/user.slice/...") in the text of /proc/self/cgroup: the "0::" line.
std::optional<std::string> unifiedPathOf(std::string_view procSelfCgroup);

// Where the run groups go: `configured` (a path in the hierarchy, absolute or as `root`/...), else
// `ownPath` -- or its parent when the caller already sits in the supervisor leaf.
SetupResult<std::filesystem::path> parentFor(const std::filesystem::path& root,
                                             const std::string& ownPath,
                                             const std::optional<std::string>& configured);

// Makes `parent` able to hold run groups with the pids and (when delegated) memory
// controllers: moves the caller into the supervisor leaf when it sits in `parent` itself, and
// enables the controllers in parent's cgroup.subtree_control. Every failure names the step and
// the one-line fix.
SetupResult<std::filesystem::path> prepareParent(const std::filesystem::path& parent,
                                                 bool parentIsOwn);

// The parent this process's runs use right now: found (from the environment and
// /proc/self/cgroup) and prepared.
SetupResult<std::filesystem::path> delegatedParent(const std::filesystem::path& root);

// Kills every process left in a v2 group (cgroup.kill, Linux 5.14); a no-op where the file does
// not exist (v1 groups, older kernels), where the PID namespace's end is what kills them.
void killAll(const std::filesystem::path& group);

// The whole text of a cgroup (or /proc) file, nullopt when it cannot be read.
std::optional<std::string> readCgroupFile(const std::filesystem::path& file);

// Counters of memory.events (and v1's memory.oom_control, same "key value" lines) that mean the
// limit acted.
struct MemoryEvents {
  uint64_t max = 0;      // allocations that hit memory.max
  uint64_t oom = 0;      // the group ran out of memory
  uint64_t oomKill = 0;  // processes the OOM killer took
};
MemoryEvents parseMemoryEvents(std::string_view text);

// Controllers named in a cgroup.controllers / cgroup.subtree_control text.
bool listsController(std::string_view text, std::string_view controller);

}  // namespace ps::sandbox::cgroup_v2
