#pragma once

#include <nlohmann/json.hpp>

#include "core/plugin_files.h"
#include "core/result.h"

namespace ps::reconcile {

// The plugin's bytes from its ConfigMap: each key of `data` (text) and `binaryData` (base64) is
// a file of that name. ConfigMap keys cannot contain '/', so a cluster plugin is flat. Rule
// "layout" for a key that is not a safe file name, a key in both maps, bad base64, or more files
// or bytes than the core's directory limits allow, so a ConfigMap cannot smuggle in what a
// directory could not.
core::Result<core::PluginFiles> pluginFilesFromConfigMap(const nlohmann::json& configMap,
                                                         const core::PluginDirLimits& limits = {});

}  // namespace ps::reconcile
