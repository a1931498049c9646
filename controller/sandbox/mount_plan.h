#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/proc_masks.h"
#include "sandbox/runtime_layout.h"

namespace ps::sandbox {

// Paths the plugin sees.
inline constexpr const char* kSandboxDirInside = "/sandbox";  // the plugin copy, its cwd
inline constexpr const char* kInputDirInside = "/input";      // only with read_files

// The sandbox's root filesystem, assembled from nothing on a tmpfs: every string is prepared
// before fork, so that the child only makes system calls. Paths are host paths under newRoot.
// Only the interpreter's own files may be executed or mapped executable; only /dev's five
// device files act as devices; nothing is setuid; only /tmp is writable.
struct MountPlan {
  struct Bind {
    std::string source, target;
    bool directory = false;
    uint64_t attributes = 0;  // MOUNT_ATTR_* of this bind (recursive for a directory)
  };
  struct Copy {
    std::string source, target;
  };
  std::string newRoot;                   // the (empty) host directory the tmpfs goes on
  std::vector<std::string> directories;  // to create, parents first
  std::vector<std::string> files;        // empty files that file binds go on
  std::vector<Bind> binds;
  std::vector<std::pair<std::string, std::string>> symlinks;  // {link target, link path}
  // The plugin is copied into a tmpfs of its own at /sandbox (then read-only), not bound from
  // the host: a bind's mountinfo line would name the host run directory and our pid.
  std::string sandboxDir, sandboxOptions;
  std::vector<std::string> sandboxDirectories;  // under sandboxDir, parents first
  std::vector<Copy> sandboxFiles;
  // The input is opened in the child without following any symlink and bound from that
  // descriptor, so the path cannot be swapped between the check and the bind. Empty: no input.
  std::string inputSource, inputDir;
  std::string procDir, tmpDir;  // fresh procfs; writable size-limited tmpfs
  std::string tmpOptions;       // "size=N,mode=1777"
  ProcMasks procMasks;
};

struct MountRequest {
  std::filesystem::path newRoot;
  std::filesystem::path pluginDir;
  std::optional<std::filesystem::path> inputDir;
  uint64_t tmpBytes = 0;
};

MountPlan makeMountPlan(const RuntimeLayout& runtime, const MountRequest& request);

// Runs in the child, in its new mount and PID namespaces: builds the root and pivots into it.
// Async-signal-safe. Returns 0, or the errno of the failing step, named in *failedStep.
int assembleRoot(const MountPlan& plan, const char** failedStep);

}  // namespace ps::sandbox
