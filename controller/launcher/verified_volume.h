#pragma once

#include <filesystem>

#include "core/plugin_files.h"
#include "launcher/expected_files.h"
#include "sandbox/sandbox_root.h"
#include "sandbox/setup_result.h"

namespace ps::launcher {

// Every refusal because the volume is not what the controller checked starts with this.
inline constexpr const char* kChangedAfterCheck = "plugin changed after the check: ";

// Reads the plugin volume at `root` (a ConfigMap volume: each key a symlink into the kubelet's
// timestamped `..data` directory) and returns its bytes only when they are exactly `expected`:
// the visible entries (all but the kubelet's "..*" ones) must be the expected names, no more, no
// fewer; each is opened once, following only symlinks that stay inside `root`, must be a regular
// file within `limits`, and must hash to its pinned digest. Otherwise one line naming the rule,
// starting with kChangedAfterCheck (or saying which step of reading failed).
sandbox::SetupResult<core::PluginFiles> readVerifiedVolume(
    const std::filesystem::path& root, const ExpectedFiles& expected,
    const core::PluginDirLimits& limits = {});

// readVerifiedVolume(), then those bytes written to a fresh private directory under `base`
// (SandboxRoot, which re-reads and re-checks what it wrote). The plugin runs from that copy, so
// a later swap of the volume (the kubelet refreshes ConfigMap volumes live) cannot change what
// Python imports.
sandbox::SetupResult<sandbox::SandboxRootPtr> copyVerifiedVolume(const std::filesystem::path& root,
                                                                 const ExpectedFiles& expected,
                                                                 const std::filesystem::path& base);

}  // namespace ps::launcher
