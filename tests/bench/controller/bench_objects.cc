#include "bench_objects.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "api/plugin_run.h"
#include "api/pod_naming.h"
#include "reconcile/conditions.h"

namespace ps::bench {

using nlohmann::json;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

json smallPod(const std::string& name) {
  const json containerSecurity = {{"allowPrivilegeEscalation", false},
                                  {"readOnlyRootFilesystem", true},
                                  {"capabilities", {{"drop", {"ALL"}}}}};
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", {{"bench", "raw"}}}}},
          {"spec",
           {{"restartPolicy", "Never"},
            {"automountServiceAccountToken", false},
            {"enableServiceLinks", false},
            {"securityContext",
             {{"runAsNonRoot", true},
              {"runAsUser", 65532},
              {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
            {"containers",
             {{{"name", "c"},
               {"image", "localhost/plugin-sandbox/sandbox:dev"},
               {"securityContext", containerSecurity}}}}}}};
}

json pluginConfigMap(const std::string& name, const std::string& pluginDir) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}}},
          {"data",
           {{"manifest.json", readFile(pluginDir + "/manifest.json")},
            {"plugin.py", readFile(pluginDir + "/plugin.py")}}}};
}

json oneShotJob(const std::string& name, const std::string& runLabel) {
  json pod = smallPod(name);
  json podTemplate = {{"metadata", {{"labels", {{runLabel, name}}}}}, {"spec", pod["spec"]}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}}},
          {"spec", {{"backoffLimit", 0}, {"template", podTemplate}}}};
}

json pluginRun(const std::string& name, const std::string& configMap) {
  return {{"apiVersion", reconcile::kApiVersion},
          {"kind", reconcile::kKind},
          {"metadata", {{"name", name}}},
          {"spec", {{"plugin", {{"configMap", configMap}}}}}};
}

json succeededRun(const json& run, const std::string& result) {
  const auto now = std::chrono::system_clock::now();
  reconcile::StatusUpdate update;
  update.generation = run["metadata"].value("generation", int64_t{1});
  update.state = reconcile::RunState::Succeeded;
  update.message = "the plugin exited 0";
  update.pluginId = "techdebt";
  update.pluginVersion = "1.2.0";
  update.signedBy = "sha256:6979484945b60886e63d56fb00865f52263f93983dc83b6766548ed039a73078";
  update.policyConfigured = true;
  update.podName = podFor(run, json::object())["metadata"]["name"].get<std::string>();
  update.startTime = now - std::chrono::seconds(5);
  update.outcome = reconcile::RunOutcome{0, result, now};
  json updated = run;
  updated["status"] = reconcile::buildStatus(json(), update, now);
  return updated;
}

json podFor(const json& run, const json& controllerPod) {
  auto parsed = reconcile::parsePluginRun(run);
  const json& metadata = run["metadata"];
  const std::string runName = metadata.value("name", "");
  json pod = controllerPod;
  pod["metadata"] = {{"name", parsed ? reconcile::podNameFor(*parsed) : runName},
                     {"labels", {{reconcile::kRunLabel, runName}}},
                     {"ownerReferences",
                      {{{"apiVersion", reconcile::kApiVersion},
                        {"kind", reconcile::kKind},
                        {"name", runName},
                        {"uid", metadata.value("uid", "")},
                        {"controller", true},
                        {"blockOwnerDeletion", true}}}}};
  if (controllerPod.contains("metadata")) {
    json labels = controllerPod["metadata"].value("labels", json::object());
    labels[reconcile::kRunLabel] = runName;
    pod["metadata"]["labels"] = labels;
  }
  pod.erase("status");
  return pod;
}

}  // namespace ps::bench
