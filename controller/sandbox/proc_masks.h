#pragma once

#include <string>
#include <vector>

namespace ps::sandbox {

// What the container runtimes hide in /proc (runc's and containerd's maskedPaths and
// readonlyPaths defaults), plus /proc/cmdline and /proc/config.gz, which describe the host's
// kernel and its boot. Paths are host paths under the new root's procfs, prepared before fork.
struct ProcMasks {
  std::vector<std::string> files;        // /dev/null bound over each, read-only and nodev
  std::vector<std::string> directories;  // an empty read-only tmpfs over each
  std::vector<std::string> readOnly;     // bound over themselves, read-only
};

// The masks for a procfs mounted at `procDir`.
ProcMasks procMasksUnder(const std::string& procDir);

// Runs in the child after the procfs is mounted. A path this kernel lacks is skipped; any other
// failure is returned (errno, the path in *step). Async-signal-safe.
int applyProcMasks(const ProcMasks& masks, const char** step);

}  // namespace ps::sandbox
