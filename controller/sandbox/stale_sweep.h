#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ps::sandbox {

// Run directories and cgroups outlive a supervisor that was killed (SIGKILL, or SIGPIPE before
// pluginctl ignored it): its sandbox dies with it through PR_SET_PDEATHSIG, but nobody removes what
// it made. The next run sweeps them. An owner is a process identified by its pid AND its start time
// (clock ticks since boot, /proc/PID/stat field 22): a pid alone may have been reused by a live
// process, and then the leftover of the dead one would look owned (or, the other way round, a
// reused pid would make a live run's leftovers look stale).
struct OwnerId {
  pid_t pid = 0;
  uint64_t startTicks = 0;
  bool operator==(const OwnerId&) const = default;
};

// This process.
OwnerId currentOwner();

// The start time of a live process, nullopt when no process has that pid.
std::optional<uint64_t> processStartTicks(pid_t pid);

// Is the owner still running (same pid, same start time)?
bool ownerAlive(const OwnerId& owner);

// "run-<pid>-<start>-": the prefix of every run directory and cgroup this process makes.
std::string ownedNamePrefix();

// The owner named by "run-<pid>-<start>-<anything>"; nullopt for any other name.
std::optional<OwnerId> ownerOfName(std::string_view name);

// Removes "run-*" directories under `base` whose owner is dead: names with pid and start time are
// checked exactly; the older "run-<pid>-XXXXXX" form is stale when its pid is gone or the process
// holding that pid now started after the directory was made. Returns how many were removed.
int sweepStaleRunDirs(const std::filesystem::path& base);

// Removes "run-*" groups under each `hierarchy` (e.g. /sys/fs/cgroup/pids/plugin-sandbox) whose
// owner is dead. The kernel refuses to remove a group that still holds a process, so a group is
// never taken from under a running sandbox. Returns how many were removed.
int sweepStaleCgroups(const std::filesystem::path& hierarchy);

}  // namespace ps::sandbox
