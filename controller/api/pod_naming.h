#pragma once

#include <string>

#include "api/plugin_run.h"

namespace ps::reconcile {

// Labels the controller puts on sandbox Pods.
inline constexpr const char* kRunLabel = "sandbox.plugins.dev/pluginrun";
inline constexpr const char* kNetworkLabel = "sandbox.plugins.dev/network";
inline constexpr const char* kNetworkIsolated = "isolated";
inline constexpr const char* kNetworkGranted = "granted";
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedBy = "plugin-controller";

// Stands in for metadata.uid when a PluginRun file was never applied (pluginctl render).
inline constexpr const char* kPlaceholderUid = "00000000-0000-0000-0000-000000000000";

// "<run name>-<10 hex of sha256(uid)>", at most 63 characters and a valid DNS label: the same
// for the same run on every visit and after every controller restart (so a second Pod is never
// made), and different for a run deleted and re-created under the same name.
std::string podNameFor(const PluginRun& run);

// The value of the sandbox.plugins.dev/pluginrun label: the run's name when it fits a label
// value (63 characters), else the Pod's name, which always does.
std::string runLabelValue(const PluginRun& run);

}  // namespace ps::reconcile
