#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "core/plugin_files.h"
#include "core/trust_check.h"
#include "sandbox/setup_result.h"

namespace ps::sandbox {

class SandboxRoot;
using SandboxRootPtr = std::unique_ptr<SandboxRoot>;

// A fresh, private directory for one run: `plugin/` holds exactly the verified bytes, `root/` is
// the empty mount point of the sandbox's root filesystem. Removed in every outcome.
class SandboxRoot {
 public:
  // $PLUGIN_SANDBOX_DIR, else /tmp/plugin-sandbox-<uid>; created 0700 and required to be a real
  // directory owned by us that nobody else can write.
  static SetupResult<std::filesystem::path> privateBase();

  // Writes every file of `plugin` (never following a symlink, refusing to overwrite), then reads
  // what was written back and checks it against `verified` (time of check vs time of use).
  static SetupResult<SandboxRootPtr> create(const core::PluginFiles& plugin,
                                            const std::vector<core::VerifiedFile>& verified,
                                            const std::filesystem::path& base);
  ~SandboxRoot();
  SandboxRoot(const SandboxRoot&) = delete;
  SandboxRoot& operator=(const SandboxRoot&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path pluginDir() const { return dir_ / "plugin"; }
  std::filesystem::path mountPoint() const { return dir_ / "root"; }

 private:
  explicit SandboxRoot(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

// Removes run directories left by a pluginctl that was SIGKILLed (its sandbox died with it through
// PR_SET_PDEATHSIG, but it could not clean up): "run-<pid>-<start>-*" whose owner is dead.
void removeStaleRoots(const std::filesystem::path& base);

// Removes a tree without following symlinks, making directories writable first (the copy is
// read-only). Best effort: used from destructors.
void removeTree(const std::filesystem::path& dir);

}  // namespace ps::sandbox
