#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ps::bench {

// A minimal Pod that passes Pod Security `restricted` (the raw create-rate baseline).
nlohmann::json smallPod(const std::string& name);

// The plugin in `pluginDir` as the flat ConfigMap the controller reads (manifest.json, plugin.py).
nlohmann::json pluginConfigMap(const std::string& name, const std::string& pluginDir);

// A Job of one Pod (smallPod's spec, which Pod Security `restricted` admits) labelled
// `runLabel`=`name`, so the Job controller's Pod is counted like a PluginRun's.
nlohmann::json oneShotJob(const std::string& name, const std::string& runLabel);

// A PluginRun of the plugin ConfigMap `configMap`.
nlohmann::json pluginRun(const std::string& name, const std::string& configMap);

// `run` (as the server returned it) with the status the controller writes when its plugin
// exited 0 with `result` on stdout, built by the controller's own status code.
nlohmann::json succeededRun(const nlohmann::json& run, const std::string& result);

// A Pod as the controller made it (`controllerPod`, e.g. read back from the server) re-issued
// for `run`: the controller's deterministic name, label and owner reference to the run.
nlohmann::json podFor(const nlohmann::json& run, const nlohmann::json& controllerPod);

}  // namespace ps::bench
