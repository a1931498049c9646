#include "reconcile/pod_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "api/pod_naming.h"
#include "core/digest.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

PluginRun sampleRun() {
  PluginRun run;
  run.name = "scan-1";
  run.namespaceName = "team-a";
  run.uid = "6f1c0d3e-1111-2222-3333-444455556666";
  run.pluginConfigMap = "techdebt";
  run.args = {"--limit", "20"};
  return run;
}

core::AcceptedPlan samplePlan(std::vector<std::string> permissions = {"read_files"}) {
  core::AcceptedPlan plan;
  plan.id = "techdebt";
  plan.version = "1.2.0";
  plan.permissions = std::move(permissions);
  plan.signerKeyId = "sha256:ab12";
  plan.files = {{"plugin.py", "sha256:9f86"}, {"helper.py", "sha256:1234"}};
  plan.policyConfigured = true;
  return plan;
}

json build(const PluginRun& run, const core::AcceptedPlan& plan,
           const ControllerSettings& settings = {}) {
  const auto built = buildPod(run, plan, settings);
  EXPECT_TRUE(built.ok()) << built.rejection().line();
  return built ? built->pod : json();
}

// Pod Security Admission "restricted" (v1.25+), rule by rule from the upstream policy list.
// Returns every violation found, so a failure says which rule broke.
std::vector<std::string> restrictedViolations(const json& pod) {
  std::vector<std::string> violations;
  const json& spec = pod["spec"];
  const json podContext = spec.value("securityContext", json::object());
  for (const char* hostField : {"hostNetwork", "hostPID", "hostIPC"}) {
    if (spec.value(hostField, false)) violations.push_back(std::string(hostField) + " true");
  }
  const std::set<std::string> allowedVolumes = {"configMap", "csi",       "downwardAPI",
                                                "emptyDir",  "ephemeral", "persistentVolumeClaim",
                                                "projected", "secret"};
  for (const auto& volume : spec.value("volumes", json::array())) {
    for (const auto& [key, value] : volume.items()) {
      if (key != "name" && !allowedVolumes.count(key)) violations.push_back("volume type " + key);
    }
  }
  if (podContext.contains("sysctls")) violations.push_back("sysctls set");
  if (podContext.value("runAsUser", 1) == 0) violations.push_back("pod runAsUser 0");
  const bool podNonRoot = podContext.value("runAsNonRoot", false);
  const std::string podSeccomp =
      podContext.value("seccompProfile", json::object()).value("type", "");
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    for (const auto& container : spec.value(list, json::array())) {
      const std::string name = container.value("name", "?");
      const json context = container.value("securityContext", json::object());
      if (context.value("privileged", false)) violations.push_back(name + ": privileged");
      if (!context.contains("allowPrivilegeEscalation") ||
          context["allowPrivilegeEscalation"] != false) {
        violations.push_back(name + ": allowPrivilegeEscalation not explicitly false");
      }
      if (!(context.value("runAsNonRoot", podNonRoot)))
        violations.push_back(name + ": runAsNonRoot");
      if (context.value("runAsUser", 1) == 0) violations.push_back(name + ": runAsUser 0");
      const std::string seccomp =
          context.value("seccompProfile", json::object()).value("type", podSeccomp);
      if (seccomp != "RuntimeDefault" && seccomp != "Localhost") {
        violations.push_back(name + ": seccompProfile " + seccomp);
      }
      const json capabilities = context.value("capabilities", json::object());
      const json drop = capabilities.value("drop", json::array());
      if (std::find(drop.begin(), drop.end(), "ALL") == drop.end()) {
        violations.push_back(name + ": capabilities.drop lacks ALL");
      }
      for (const auto& added : capabilities.value("add", json::array())) {
        if (added != "NET_BIND_SERVICE") violations.push_back(name + ": adds " + added.dump());
      }
      for (const auto& port : container.value("ports", json::array())) {
        if (port.value("hostPort", 0) != 0) violations.push_back(name + ": hostPort");
      }
      if (context.contains("procMount") && context["procMount"] != "Default") {
        violations.push_back(name + ": procMount");
      }
    }
  }
  return violations;
}

TEST(PodBuilderTest, PassesPodSecurityRestrictedFieldByField) {
  for (const auto& permissions :
       {std::vector<std::string>{}, {"read_files"}, {"network"}, {"network", "read_files"}}) {
    PluginRun run = sampleRun();
    if (std::find(permissions.begin(), permissions.end(), "read_files") != permissions.end()) {
      run.input = InputSource{InputSource::Kind::PersistentVolumeClaim, "data"};
    }
    const json pod = build(run, samplePlan(permissions));
    EXPECT_EQ(restrictedViolations(pod), std::vector<std::string>{}) << pod.dump(2);
  }
}

TEST(PodBuilderTest, RestrictedCheckerCatchesViolations) {
  // The checker above must be able to fail: break the Pod one rule at a time.
  const json good = build(sampleRun(), samplePlan());
  const std::vector<std::pair<std::string, json>> breakages = {
      {"/spec/containers/0/securityContext/allowPrivilegeEscalation", true},
      {"/spec/containers/0/securityContext/capabilities/drop", json::array()},
      {"/spec/containers/0/securityContext/seccompProfile/type", "Unconfined"},
      {"/spec/containers/0/securityContext/runAsNonRoot", false},
      {"/spec/containers/0/securityContext/runAsUser", 0},
      {"/spec/containers/0/securityContext/privileged", true},
      {"/spec/hostNetwork", true},
      {"/spec/volumes/0/hostPath", {{"path", "/"}}},
  };
  for (const auto& [pointer, value] : breakages) {
    json bad = good;
    bad[json::json_pointer(pointer)] = value;
    EXPECT_FALSE(restrictedViolations(bad).empty()) << pointer;
  }
}

TEST(PodBuilderTest, HardeningBeyondRestricted) {
  const json pod = build(sampleRun(), samplePlan());
  const json& spec = pod["spec"];
  const json& container = spec["containers"][0];
  EXPECT_EQ(spec["restartPolicy"], "Never");
  EXPECT_EQ(spec["automountServiceAccountToken"], false);
  EXPECT_EQ(spec["enableServiceLinks"], false);
  EXPECT_EQ(spec["securityContext"]["runAsUser"], 65532);
  EXPECT_EQ(container["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(container["securityContext"]["runAsUser"], 65532);
  EXPECT_EQ(container["terminationMessagePolicy"], "FallbackToLogsOnError");
  EXPECT_EQ(container["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ(container["resources"]["limits"]["memory"], "268435456");
  EXPECT_EQ(container["resources"]["requests"], container["resources"]["limits"]);
  EXPECT_EQ(spec["activeDeadlineSeconds"], 300 + ControllerSettings{}.deadlineGraceSeconds);
  EXPECT_FALSE(spec.contains("runtimeClassName"));
  EXPECT_FALSE(container.contains("env"));
  EXPECT_FALSE(container.contains("command"));  // the image's launcher is the entrypoint
}

TEST(PodBuilderTest, MetadataNameLabelsAndOwner) {
  const PluginRun run = sampleRun();
  const auto built = buildPod(run, samplePlan(), ControllerSettings{});
  ASSERT_TRUE(built.ok());
  const json& metadata = built->pod["metadata"];
  EXPECT_EQ(metadata["name"], podNameFor(run));
  EXPECT_EQ(built->podName, podNameFor(run));
  EXPECT_EQ(metadata["namespace"], "team-a");
  EXPECT_EQ(metadata["labels"][kRunLabel], "scan-1");
  EXPECT_EQ(metadata["labels"][kNetworkLabel], kNetworkIsolated);
  ASSERT_EQ(metadata["ownerReferences"].size(), 1u);
  const json& owner = metadata["ownerReferences"][0];
  EXPECT_EQ(owner["apiVersion"], "sandbox.plugins.dev/v1alpha1");
  EXPECT_EQ(owner["kind"], "PluginRun");
  EXPECT_EQ(owner["name"], "scan-1");
  EXPECT_EQ(owner["uid"], run.uid);
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);
  EXPECT_EQ(metadata["annotations"][kSignerAnnotation], "sha256:ab12");
  EXPECT_EQ(json::parse(metadata["annotations"][kPluginFilesAnnotation].get<std::string>()),
            json({{"helper.py", "sha256:1234"}, {"plugin.py", "sha256:9f86"}}));
}

// `network` changes the label (the deny-all policy's selector) and drops the launcher's wait for
// that policy; nothing else.
TEST(PodBuilderTest, NetworkPermissionChangesOnlyTheLabelAndTheIsolationWait) {
  const json isolated = build(sampleRun(), samplePlan({"read_files"}));
  json open = build(sampleRun(), samplePlan({"network", "read_files"}));
  EXPECT_EQ(open["metadata"]["labels"][kNetworkLabel], kNetworkGranted);
  open["metadata"]["labels"][kNetworkLabel] = kNetworkIsolated;
  json& args = open["spec"]["containers"][0]["args"];
  const auto timeout = std::find(args.begin(), args.end(), "--timeout");
  ASSERT_NE(timeout, args.end());
  args.insert(timeout, {"--await-network-isolation", "30"});
  EXPECT_EQ(open, isolated);
}

// The ConfigMap keys the plugin volume projects.
std::set<std::string> mountedKeys(const json& pod) {
  std::set<std::string> keys;
  for (const auto& item : pod["spec"]["volumes"][0]["configMap"]["items"]) {
    EXPECT_EQ(item["key"], item["path"]);
    keys.insert(item["key"]);
  }
  return keys;
}

// NAME -> digest from the launcher's --expect flags, which must all come before "--".
std::map<std::string, std::string> launcherPins(const json& pod) {
  std::map<std::string, std::string> pins;
  const json& args = pod["spec"]["containers"][0]["args"];
  for (std::size_t i = 0; i < args.size() && args[i] != "--"; ++i) {
    if (args[i] != "--expect") continue;
    const std::string value = args.at(i + 1);
    const auto equals = value.find('=');
    EXPECT_TRUE(pins.emplace(value.substr(0, equals), value.substr(equals + 1)).second) << value;
  }
  return pins;
}

TEST(PodBuilderTest, PluginVolumeMountsOnlyVerifiedFilesReadOnly) {
  const json pod = build(sampleRun(), samplePlan());
  const json& volume = pod["spec"]["volumes"][0];
  EXPECT_EQ(volume["name"], "plugin");
  EXPECT_EQ(volume["configMap"]["name"], "techdebt");
  EXPECT_EQ(volume["configMap"]["defaultMode"], 0444);
  EXPECT_EQ(mountedKeys(pod), (std::set<std::string>{"plugin.py", "helper.py"}));
  const json& mounts = pod["spec"]["containers"][0]["volumeMounts"];
  EXPECT_EQ(mounts[0], json({{"name", "plugin"}, {"mountPath", "/sandbox"}, {"readOnly", true}}));
  EXPECT_EQ(mounts[1]["mountPath"], "/tmp");
  EXPECT_EQ(mounts.size(), 2u);  // no /input without an input
  EXPECT_EQ(pod["spec"]["containers"][0]["workingDir"], "/sandbox");
}

TEST(PodBuilderTest, LauncherPinsEveryMountedFileWithItsVerifiedDigest) {
  const json pod = build(sampleRun(), samplePlan());
  EXPECT_EQ(launcherPins(pod), (std::map<std::string, std::string>{{"helper.py", "sha256:1234"},
                                                                   {"plugin.py", "sha256:9f86"}}));
}

TEST(PodBuilderTest, ManifestIsMountedOnlyWhenItsDigestIsPinned) {
  const auto built = buildPod(sampleRun(), samplePlan(), ControllerSettings{}, "sha256:aa11");
  ASSERT_TRUE(built.ok()) << built.rejection().line();
  EXPECT_EQ(mountedKeys(built->pod),
            (std::set<std::string>{"manifest.json", "plugin.py", "helper.py"}));
  EXPECT_EQ(launcherPins(built->pod),
            (std::map<std::string, std::string>{{"helper.py", "sha256:1234"},
                                                {"manifest.json", "sha256:aa11"},
                                                {"plugin.py", "sha256:9f86"}}));
  // Without the digest nothing could pin the manifest, so the Pod does not get it.
  EXPECT_EQ(mountedKeys(build(sampleRun(), samplePlan())).count("manifest.json"), 0u);
}

TEST(PodBuilderTest, CheckedFilesPinTheirManifest) {
  core::PluginFiles checked;
  checked.files = {
      {"manifest.json", "{\"id\": \"techdebt\"}"}, {"plugin.py", "print(1)\n"}, {"helper.py", ""}};
  const auto built = buildPod(sampleRun(), samplePlan(), ControllerSettings{}, checked);
  ASSERT_TRUE(built.ok()) << built.rejection().line();
  EXPECT_EQ(launcherPins(built->pod).at("manifest.json"),
            core::sha256Digest("{\"id\": \"techdebt\"}"));
  // The other pins are the plan's verified digests, never recomputed from these bytes.
  EXPECT_EQ(launcherPins(built->pod).at("plugin.py"), "sha256:9f86");
}

TEST(PodBuilderTest, PinsAndMountsAlwaysAgree) {
  // The launcher refuses a visible file that is not pinned, so every mounted key needs a pin.
  core::AcceptedPlan plan = samplePlan();
  plan.files = {{"zeta.py", "sha256:01"}, {"plugin.py", "sha256:02"}, {"alpha.py", "sha256:03"}};
  for (const auto& manifest :
       {std::optional<std::string>{}, std::optional<std::string>{"sha256:04"}}) {
    const auto built = buildPod(sampleRun(), plan, ControllerSettings{}, manifest);
    ASSERT_TRUE(built.ok());
    std::set<std::string> pinnedNames;
    for (const auto& [name, digest] : launcherPins(built->pod)) pinnedNames.insert(name);
    EXPECT_EQ(pinnedNames, mountedKeys(built->pod));
  }
}

TEST(PodBuilderTest, PinsAreSortedSoThePodIsTheSameWhateverTheFileOrder) {
  core::AcceptedPlan plan = samplePlan();
  core::AcceptedPlan reversed = plan;
  std::reverse(reversed.files.begin(), reversed.files.end());
  EXPECT_EQ(build(sampleRun(), plan).dump(), build(sampleRun(), reversed).dump());
}

TEST(PodBuilderTest, TmpIsASizeLimitedEmptyDir) {
  ControllerSettings settings;
  settings.tmpSizeLimit = *kube::Quantity::parse("16Mi");
  const json pod = build(sampleRun(), samplePlan(), settings);
  const json& tmp = pod["spec"]["volumes"][1];
  EXPECT_EQ(tmp["name"], "tmp");
  EXPECT_EQ(tmp["emptyDir"]["sizeLimit"], "16777216");
}

TEST(PodBuilderTest, InputIsMountedReadOnlyOnlyWithReadFiles) {
  PluginRun run = sampleRun();
  run.input = InputSource{InputSource::Kind::ConfigMap, "repo-snapshot"};
  const json pod = build(run, samplePlan({"read_files"}));
  const json& volumes = pod["spec"]["volumes"];
  ASSERT_EQ(volumes.size(), 3u);
  EXPECT_EQ(volumes[2]["configMap"]["name"], "repo-snapshot");
  const json& mounts = pod["spec"]["containers"][0]["volumeMounts"];
  EXPECT_EQ(mounts[2], json({{"name", "input"}, {"mountPath", "/input"}, {"readOnly", true}}));

  run.input = InputSource{InputSource::Kind::PersistentVolumeClaim, "data"};
  const json pvcPod = build(run, samplePlan({"read_files"}));
  EXPECT_EQ(pvcPod["spec"]["volumes"][2]["persistentVolumeClaim"],
            json({{"claimName", "data"}, {"readOnly", true}}));

  const auto refused = buildPod(run, samplePlan({}), ControllerSettings{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.rejection().rule, "input");
  EXPECT_NE(refused.rejection().line().find("not granted read_files"), std::string::npos);
}

TEST(PodBuilderTest, NestedPluginFilesCannotComeFromAConfigMap) {
  core::AcceptedPlan plan = samplePlan();
  plan.files.push_back({"lib/util.py", "sha256:5678"});
  const auto refused = buildPod(sampleRun(), plan, ControllerSettings{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.rejection().rule, "layout");
  EXPECT_NE(refused.rejection().message.find("lib/util.py"), std::string::npos);
}

TEST(PodBuilderTest, ArgsPassThroughAfterTheLauncherOptions) {
  PluginRun run = sampleRun();
  run.args = {"--", "$(HOME)", "; rm -rf /", "--timeout", "1", "--expect", "json.py=sha256:00"};
  run.timeoutSeconds = 42;
  const json container = build(run, samplePlan())["spec"]["containers"][0];
  const std::string memory = container["resources"]["limits"]["memory"];
  EXPECT_EQ(container["args"], json({"--root",
                                     "/sandbox",
                                     "--expect",
                                     "helper.py=sha256:1234",
                                     "--expect",
                                     "plugin.py=sha256:9f86",
                                     "--await-network-isolation",
                                     "30",
                                     "--timeout",
                                     "42",
                                     "--cpu-seconds",
                                     "42",
                                     "--memory",
                                     memory,
                                     "--",
                                     "--",
                                     "$(HOME)",
                                     "; rm -rf /",
                                     "--timeout",
                                     "1",
                                     "--expect",
                                     "json.py=sha256:00"}));
}

// The launcher waits for the deny-all policy only where it applies: not when `network` is
// granted (the Pod is labelled out of the policy), and not when the operator turned it off.
TEST(PodBuilderTest, LauncherAwaitsNetworkIsolationUnlessNetworkIsGranted) {
  const auto waitOf = [](const json& pod) -> std::string {
    const json& args = pod["spec"]["containers"][0]["args"];
    const auto flag = std::find(args.begin(), args.end(), "--await-network-isolation");
    const auto end = std::find(args.begin(), args.end(), "--");
    return flag == args.end() || flag > end ? "" : (flag + 1)->get<std::string>();
  };
  EXPECT_EQ(waitOf(build(sampleRun(), samplePlan())), "30");
  ControllerSettings patient;
  patient.networkIsolationWaitSeconds = 90;
  EXPECT_EQ(waitOf(build(sampleRun(), samplePlan(), patient)), "90");
  ControllerSettings off;
  off.networkIsolationWaitSeconds = 0;
  EXPECT_EQ(waitOf(build(sampleRun(), samplePlan(), off)), "");
  EXPECT_EQ(waitOf(build(sampleRun(), samplePlan({"network"}))), "");
}

TEST(PodBuilderTest, LimitsAreClampedByPolicyAndSettings) {
  PluginRun run = sampleRun();
  run.timeoutSeconds = 9000;
  run.memoryLimit = *kube::Quantity::parse("4Gi");
  run.cpuLimit = *kube::Quantity::parse("1500m");
  core::AcceptedPlan plan = samplePlan();
  plan.limits = {600, 512LL << 20};
  ControllerSettings settings;
  settings.maxCpu = *kube::Quantity::parse("1");
  const auto built = buildPod(run, plan, settings);
  ASSERT_TRUE(built.ok());
  const json& spec = built->pod["spec"];
  EXPECT_EQ(spec["activeDeadlineSeconds"], 600 + settings.deadlineGraceSeconds);
  EXPECT_EQ(spec["containers"][0]["resources"]["limits"]["cpu"], "1");
  EXPECT_EQ(spec["containers"][0]["resources"]["limits"]["memory"], "536870912");
  const json& args = spec["containers"][0]["args"];
  const auto timeout = std::find(args.begin(), args.end(), "--timeout");
  ASSERT_NE(timeout, args.end());
  EXPECT_EQ(*(timeout + 1), "600");
  EXPECT_EQ(built->limits.adjustments.size(), 3u);
}

TEST(PodBuilderTest, ImageAndRuntimeClassFromSettings) {
  ControllerSettings settings;
  settings.sandboxImage = "registry.example/sandbox@sha256:0123";
  settings.runtimeClassName = "gvisor";
  const json pod = build(sampleRun(), samplePlan(), settings);
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "registry.example/sandbox@sha256:0123");
  EXPECT_EQ(pod["spec"]["runtimeClassName"], "gvisor");
}

PodTemplate sampleTemplate() {
  PodTemplate pod;
  pod.nodeSelector = {{"kubernetes.io/arch", "amd64"}, {"pool", "plugins"}};
  pod.tolerations = json::parse(R"([{"key":"plugins","operator":"Exists","effect":"NoSchedule"}])");
  pod.affinity =
      json::parse(R"({"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":
    [{"weight":100,"podAffinityTerm":{"topologyKey":"kubernetes.io/hostname",
      "labelSelector":{"matchExpressions":[{"key":"sandbox.plugins.dev/pluginrun","operator":"Exists"}]}}}]}})");
  pod.priorityClassName = "low";
  pod.imagePullSecrets = {"mirror"};
  return pod;
}

TEST(PodBuilderTest, PodTemplateSchedulesThePodAndChangesNothingElse) {
  PluginRun run = sampleRun();
  const json plain = build(run, samplePlan());
  run.podTemplate = sampleTemplate();
  json pod = build(run, samplePlan());
  const json& spec = pod["spec"];
  EXPECT_EQ(spec["nodeSelector"], json({{"kubernetes.io/arch", "amd64"}, {"pool", "plugins"}}));
  EXPECT_EQ(spec["tolerations"][0]["key"], "plugins");
  EXPECT_EQ(spec["affinity"], sampleTemplate().affinity);
  EXPECT_EQ(spec["priorityClassName"], "low");
  EXPECT_EQ(spec["imagePullSecrets"], json::parse(R"([{"name":"mirror"}])"));
  EXPECT_EQ(restrictedViolations(pod), std::vector<std::string>{});
  for (const char* added :
       {"nodeSelector", "tolerations", "affinity", "priorityClassName", "imagePullSecrets"})
    pod["spec"].erase(added);
  EXPECT_EQ(pod, plain) << "the template must add scheduling, nothing else";
}

TEST(PodBuilderTest, ARuntimeClassMustBeAllowedByTheController) {
  PluginRun run = sampleRun();
  run.podTemplate = PodTemplate{};
  run.podTemplate->runtimeClassName = "runc";
  ControllerSettings settings;
  settings.runtimeClassName = "gvisor";
  auto refused = buildPod(run, samplePlan(), settings);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.rejection().line(),
            "rejected: runtimeClass: the run asks for RuntimeClass \"runc\"; the controller "
            "allows none (--allowed-runtime-classes)");
  settings.allowedRuntimeClasses = {"gvisor", "kata"};
  refused = buildPod(run, samplePlan(), settings);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.rejection().line().find("allows gvisor, kata"), std::string::npos);
  run.podTemplate->runtimeClassName = "kata";
  const json pod = build(run, samplePlan(), settings);
  EXPECT_EQ(pod["spec"]["runtimeClassName"], "kata");  // the run's allowed choice wins
}

TEST(PodBuilderTest, ControllerDefaultsFillWhatTheRunLeavesOut) {
  ControllerSettings settings;
  settings.podTemplateDefaults = sampleTemplate();
  settings.podTemplateDefaults.runtimeClassName = "gvisor";  // the operator's: no allowlist needed
  PluginRun run = sampleRun();
  json spec = build(run, samplePlan(), settings)["spec"];
  EXPECT_EQ(spec["nodeSelector"], json({{"kubernetes.io/arch", "amd64"}, {"pool", "plugins"}}));
  EXPECT_EQ(spec["tolerations"], sampleTemplate().tolerations);
  EXPECT_EQ(spec["affinity"], sampleTemplate().affinity);
  EXPECT_EQ(spec["priorityClassName"], "low");
  EXPECT_EQ(spec["imagePullSecrets"], json::parse(R"([{"name":"mirror"}])"));
  EXPECT_EQ(spec["runtimeClassName"], "gvisor");

  // Each field the run sets replaces the default's whole; the others stay the defaults.
  run.podTemplate = PodTemplate{};
  run.podTemplate->nodeSelector = {{"zone", "b"}};
  run.podTemplate->priorityClassName = "high";
  spec = build(run, samplePlan(), settings)["spec"];
  EXPECT_EQ(spec["nodeSelector"], json({{"zone", "b"}}));
  EXPECT_EQ(spec["priorityClassName"], "high");
  EXPECT_EQ(spec["tolerations"], sampleTemplate().tolerations);
  EXPECT_EQ(spec["affinity"], sampleTemplate().affinity);
  EXPECT_EQ(spec["runtimeClassName"], "gvisor");
  EXPECT_EQ(restrictedViolations(build(run, samplePlan(), settings)), std::vector<std::string>{});
}

TEST(PodBuilderTest, DeterministicOutput) {
  EXPECT_EQ(build(sampleRun(), samplePlan()).dump(), build(sampleRun(), samplePlan()).dump());
}

}  // namespace
}  // namespace ps::reconcile
