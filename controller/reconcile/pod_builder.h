#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/plugin_run.h"
#include "core/plugin_files.h"
#include "core/result.h"
#include "core/trust_check.h"
#include "reconcile/controller_settings.h"
#include "reconcile/run_limits.h"

namespace ps::reconcile {

// Where the sandbox image's launcher expects things (sandbox-image/Dockerfile, launcher/).
inline constexpr const char* kSandboxRoot = "/sandbox";
inline constexpr const char* kInputPath = "/input";
inline constexpr const char* kContainerName = "plugin";
inline constexpr const char* kPluginFilesAnnotation = "sandbox.plugins.dev/files";
inline constexpr const char* kSignerAnnotation = "sandbox.plugins.dev/signed-by";
inline constexpr const char* kManifestFile = "manifest.json";

struct PodPlan {
  nlohmann::json pod;
  std::string podName;
  RunLimits limits;  // what the Pod got, with the adjustments made
};

// The Pod for an accepted run, exactly as DESIGN.md "The Pod": restricted Pod Security on pod
// and container, read-only root, the plugin's verified files (and only those) from its ConfigMap
// read-only at /sandbox, /input only with read_files, a size-limited /tmp, no service-account
// token or service links, never restarted, a deadline and limits clamped by policy and settings,
// owned by the run. Rule "input" when the run supplies input to a plugin not granted read_files;
// rule "layout" when a plugin file is in a subdirectory (ConfigMap keys cannot hold '/').
// The launcher's command line pins every mounted file's digest (`--expect NAME=sha256:...`), so
// a ConfigMap changed after the check makes the Pod refuse to run (exit 126) instead of running
// bytes nobody checked. `manifestDigest` (sha256Digest of the manifest.json bytes checked) pins
// the manifest too; without it manifest.json is not mounted, since nothing could pin it.
// Deterministic: the same inputs give byte-identical JSON.
core::Result<PodPlan> buildPod(const PluginRun& run, const core::AcceptedPlan& plan,
                               const ControllerSettings& settings,
                               const std::optional<std::string>& manifestDigest = std::nullopt);

// The same, pinning the manifest.json among `checked` (the bytes the trust core accepted).
core::Result<PodPlan> buildPod(const PluginRun& run, const core::AcceptedPlan& plan,
                               const ControllerSettings& settings,
                               const core::PluginFiles& checked);

// The owner reference every object made for a run carries (controller, blockOwnerDeletion).
nlohmann::json ownerReferenceFor(const PluginRun& run);

}  // namespace ps::reconcile
