#include "reconcile/pod_builder.h"

#include <algorithm>
#include <map>

#include "api/pod_naming.h"
#include "core/digest.h"
#include "core/plan_grants.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

json restrictedSeccomp() {
  return {{"type", "RuntimeDefault"}};
}

// The files the Pod gets, each with the digest the launcher must find: every verified file, and
// the manifest when its digest is known. Sorted by name (the Pod is deterministic).
std::map<std::string, std::string> pinnedFiles(const core::AcceptedPlan& plan,
                                               const std::optional<std::string>& manifestDigest) {
  std::map<std::string, std::string> pinned;
  for (const auto& file : plan.files) pinned[file.path] = file.digest;
  if (manifestDigest) pinned[kManifestFile] = *manifestDigest;
  return pinned;
}

// Mount exactly the pinned files by key, so a key added to the ConfigMap after the check never
// reaches the sandbox. ConfigMap keys cannot hold '/', so a plugin in a ConfigMap is flat:
// key == file name.
json pluginVolume(const PluginRun& run, const std::map<std::string, std::string>& pinned) {
  json items = json::array();
  for (const auto& [name, digest] : pinned) items.push_back({{"key", name}, {"path", name}});
  return {{"name", "plugin"},
          {"configMap",
           {{"name", run.pluginConfigMap},
            {"items", items},
            {"defaultMode", 0444},
            {"optional", false}}}};
}

json inputVolume(const InputSource& input) {
  if (input.kind == InputSource::Kind::ConfigMap) {
    return {{"name", "input"},
            {"configMap", {{"name", input.name}, {"defaultMode", 0444}, {"optional", false}}}};
  }
  return {{"name", "input"},
          {"persistentVolumeClaim", {{"claimName", input.name}, {"readOnly", true}}}};
}

json containerSecurityContext() {
  return {{"allowPrivilegeEscalation", false},
          {"privileged", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"runAsUser", 65532},
          {"runAsGroup", 65532},
          {"capabilities", {{"drop", {"ALL"}}}},
          {"seccompProfile", restrictedSeccomp()}};
}

// The launcher's command line: the pins first, then the limits, then the plugin's own arguments
// after "--" (so none of them can pass for a launcher flag).
json launcherArgs(const PluginRun& run, const RunLimits& limits,
                  const std::map<std::string, std::string>& pinned, int64_t isolationWaitSeconds) {
  // The launcher stops the plugin at --timeout itself (exit 124, with a message); the Pod's
  // activeDeadlineSeconds is the kubelet's backstop a little later. Its own CPU and address-space
  // defaults are small, so pass the run's clamped limits: CPU time can never usefully exceed the
  // wall-clock timeout, and the address space matches the container's memory limit.
  json args = {"--root", kSandboxRoot};
  for (const auto& [name, digest] : pinned) {
    args.push_back("--expect");
    args.push_back(name + "=" + digest);
  }
  // A new Pod is not isolated until the network plugin has applied the deny-all policy to it:
  // the launcher waits for that before the plugin starts (launcher/network_isolation.h).
  if (isolationWaitSeconds > 0) {
    args.push_back("--await-network-isolation");
    args.push_back(std::to_string(isolationWaitSeconds));
  }
  const std::string timeout = std::to_string(limits.timeoutSeconds);
  for (const auto& arg : json::array({"--timeout", timeout, "--cpu-seconds", timeout, "--memory",
                                      std::to_string(limits.memory.value()), "--"})) {
    args.push_back(arg);
  }
  for (const auto& arg : run.args) args.push_back(arg);
  return args;
}

json container(const PluginRun& run, const RunLimits& limits, const ControllerSettings& settings,
               const std::map<std::string, std::string>& pinned, bool withInput,
               bool networkGranted) {
  const json resources = {{"cpu", limits.cpu.toString()},
                          {"memory", std::to_string(limits.memory.value())}};
  json mounts = {{{"name", "plugin"}, {"mountPath", kSandboxRoot}, {"readOnly", true}},
                 {{"name", "tmp"}, {"mountPath", "/tmp"}}};
  if (withInput)
    mounts.push_back({{"name", "input"}, {"mountPath", kInputPath}, {"readOnly", true}});
  return {{"name", kContainerName},
          {"image", settings.sandboxImage},
          {"imagePullPolicy", "IfNotPresent"},
          {"args", launcherArgs(run, limits, pinned,
                                networkGranted ? 0 : settings.networkIsolationWaitSeconds)},
          {"workingDir", kSandboxRoot},
          {"resources", {{"limits", resources}, {"requests", resources}}},
          {"securityContext", containerSecurityContext()},
          {"volumeMounts", mounts},
          {"terminationMessagePath", "/dev/termination-log"},
          {"terminationMessagePolicy", "FallbackToLogsOnError"}};
}

json podMetadata(const PluginRun& run, const core::AcceptedPlan& plan, const std::string& name) {
  json files = json::object();
  for (const auto& file : plan.files) files[file.path] = file.digest;
  json annotations = {{kPluginFilesAnnotation, files.dump()}};
  if (plan.signerKeyId) annotations[kSignerAnnotation] = *plan.signerKeyId;
  return {{"name", name},
          {"namespace", run.namespaceName},
          {"labels",
           {{kRunLabel, runLabelValue(run)},
            {kNetworkLabel, core::grants(plan, "network") ? kNetworkGranted : kNetworkIsolated},
            {kManagedByLabel, kManagedBy}}},
          {"annotations", annotations},
          {"ownerReferences", {ownerReferenceFor(run)}}};
}

core::Check checkInputGrant(const PluginRun& run, const core::AcceptedPlan& plan) {
  if (!run.input || core::grants(plan, "read_files")) return core::accepted();
  return core::reject("input", "the run supplies input \"" + run.input->name + "\" but plugin \"" +
                                   plan.id + "\" is not granted read_files");
}

// A RuntimeClass picks the container runtime, and with it the isolation: a run may name only one
// the operator allowed.
core::Check checkRuntimeClass(const PluginRun& run, const ControllerSettings& settings) {
  if (!run.podTemplate || !run.podTemplate->runtimeClassName) return core::accepted();
  const std::string& asked = *run.podTemplate->runtimeClassName;
  const auto& allowed = settings.allowedRuntimeClasses;
  if (std::find(allowed.begin(), allowed.end(), asked) != allowed.end()) return core::accepted();
  std::string list;
  for (const auto& name : allowed) list += std::string(list.empty() ? "" : ", ") + name;
  return core::reject("runtimeClass", "the run asks for RuntimeClass \"" + asked +
                                          "\"; the controller allows " +
                                          (list.empty() ? std::string("none") : list) +
                                          " (--allowed-runtime-classes)");
}

// Scheduling from spec.podTemplate over the operator's defaults; the security settings stay the
// builder's own.
void applyPodTemplate(const PodTemplate& pod, json& spec) {
  if (!pod.nodeSelector.empty()) spec["nodeSelector"] = pod.nodeSelector;
  if (!pod.tolerations.empty()) spec["tolerations"] = pod.tolerations;
  if (!pod.affinity.empty()) spec["affinity"] = pod.affinity;
  if (pod.priorityClassName) spec["priorityClassName"] = *pod.priorityClassName;
  if (!pod.imagePullSecrets.empty()) {
    json secrets = json::array();
    for (const auto& name : pod.imagePullSecrets) secrets.push_back({{"name", name}});
    spec["imagePullSecrets"] = secrets;
  }
  if (pod.runtimeClassName) spec["runtimeClassName"] = *pod.runtimeClassName;
}

// ConfigMap keys cannot hold '/': a plugin that needs subdirectories cannot come from one.
// (Only `pluginctl render`, which reads a directory, can meet such a plugin.)
core::Check checkFlatLayout(const core::AcceptedPlan& plan) {
  for (const auto& file : plan.files) {
    if (file.path.find('/') != std::string::npos) {
      return core::reject("layout", "file \"" + file.path +
                                        "\" is in a subdirectory; a plugin in a ConfigMap must be "
                                        "flat (ConfigMap keys cannot hold '/')");
    }
  }
  return core::accepted();
}

}  // namespace

json ownerReferenceFor(const PluginRun& run) {
  return {{"apiVersion", kApiVersion}, {"kind", kKind},
          {"name", run.name},          {"uid", run.uid.empty() ? kPlaceholderUid : run.uid},
          {"controller", true},        {"blockOwnerDeletion", true}};
}

core::Result<PodPlan> buildPod(const PluginRun& run, const core::AcceptedPlan& plan,
                               const ControllerSettings& settings,
                               const std::optional<std::string>& manifestDigest) {
  if (auto checked = checkInputGrant(run, plan); !checked) return checked.rejection();
  if (auto checked = checkFlatLayout(plan); !checked) return checked.rejection();
  if (auto checked = checkRuntimeClass(run, settings); !checked) return checked.rejection();
  PodPlan result;
  result.podName = podNameFor(run);
  result.limits = clampRunLimits(run, plan.limits, settings);
  const bool withInput = run.input.has_value();
  const auto pinned = pinnedFiles(plan, manifestDigest);
  json volumes = {
      pluginVolume(run, pinned),
      {{"name", "tmp"},
       {"emptyDir",
        {{"medium", "Memory"}, {"sizeLimit", std::to_string(settings.tmpSizeLimit.value())}}}}};
  if (withInput) volumes.push_back(inputVolume(*run.input));
  json spec = {
      {"restartPolicy", "Never"},
      {"activeDeadlineSeconds", result.limits.timeoutSeconds + settings.deadlineGraceSeconds},
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"hostNetwork", false},
      {"hostPID", false},
      {"hostIPC", false},
      {"terminationGracePeriodSeconds", 5},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", 65532},
        {"runAsGroup", 65532},
        {"fsGroup", 65532},
        {"seccompProfile", restrictedSeccomp()}}},
      {"containers",
       {container(run, result.limits, settings, pinned, withInput, core::grants(plan, "network"))}},
      {"volumes", volumes}};
  if (settings.runtimeClassName) spec["runtimeClassName"] = *settings.runtimeClassName;
  applyPodTemplate(withDefaults(run.podTemplate, settings.podTemplateDefaults), spec);
  result.pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", podMetadata(run, plan, result.podName)},
                {"spec", spec}};
  return result;
}

core::Result<PodPlan> buildPod(const PluginRun& run, const core::AcceptedPlan& plan,
                               const ControllerSettings& settings,
                               const core::PluginFiles& checked) {
  const auto manifest = checked.files.find(kManifestFile);
  return buildPod(run, plan, settings,
                  manifest == checked.files.end()
                      ? std::nullopt
                      : std::optional<std::string>(core::sha256Digest(manifest->second)));
}

}  // namespace ps::reconcile
