#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/runtime_layout.h"

namespace ps::sandbox {

// Paths the plugin sees.
inline constexpr const char* kSandboxDirInside = "/sandbox";  // the plugin copy, its cwd
inline constexpr const char* kInputDirInside = "/input";      // only with read_files

// The sandbox's root filesystem, assembled from nothing on a tmpfs: every string is prepared
// before fork, so that the child only makes system calls. Paths are host paths under newRoot.
struct MountPlan {
  struct Bind {
    std::string source, target;
    bool directory = false;
  };
  std::string newRoot;                   // the (empty) host directory the tmpfs goes on
  std::vector<std::string> directories;  // to create, parents first
  std::vector<std::string> files;        // empty files that file binds go on
  std::vector<Bind> binds;               // all made read-only, nosuid, together
  std::vector<std::pair<std::string, std::string>> symlinks;  // {link target, link path}
  std::string procDir, tmpDir;  // fresh procfs; writable size-limited tmpfs
  std::string tmpOptions;       // "size=N,mode=1777"
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
