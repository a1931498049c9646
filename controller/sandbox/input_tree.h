#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

#include "sandbox/setup_result.h"

namespace ps::sandbox {

// Checks the caller's input directory before it is bound at /input:
// - the path is resolved without following any symlink (rule input-no-symlinks): a symlink in
//   any component is refused, never followed to another host directory;
// - no socket, FIFO or device node anywhere below it (rule input-no-special-files): a unix
//   socket on a read-only mount still connects (that would hand a plugin without `network` the
//   caller's agents), a FIFO still opens for writing, and the mount's nodev is the second line
//   against devices. Symlinks inside the tree are fine: they resolve inside the sandbox.
// The walk reads directory entries only (d_type), and gives up at `deadline` (the run's wall
// clock), so a huge input cannot stall the supervisor. Returns the first violation, one line.
SetupStatus checkInputTree(const std::filesystem::path& input,
                           std::chrono::steady_clock::time_point deadline);

}  // namespace ps::sandbox
