// The PluginRun CRD against a real kube-apiserver: admission, explain, immutability, status.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cluster_environment.h"

namespace ps::testing {
namespace {

using nlohmann::json;

constexpr char kCrdName[] = "pluginruns.sandbox.plugins.dev";

// A PluginRun manifest with the given spec body (YAML, indented by four spaces).
std::string pluginRun(const std::string& name, const std::string& specBody) {
  return "apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\nmetadata:\n  name: " + name +
         "\nspec:\n" + specBody;
}

class PluginRunApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ns_ = std::make_unique<TestNamespace>(cluster().uniqueNamespace("crd")); }

  CommandResult kubectl(std::vector<std::string> args, const std::string& stdinText = "") {
    args.insert(args.begin(), {"-n", ns_->name()});
    return cluster().kubectl(args, stdinText);
  }
  CommandResult create(const std::string& manifest) {
    return kubectl({"create", "--validate=strict", "-f", "-"}, manifest);
  }
  json get(const std::string& name) {
    const CommandResult result = kubectl({"get", "pluginrun", name, "-o", "json"});
    EXPECT_TRUE(result.ok()) << result.err;
    return result.ok() ? json::parse(result.out) : json::object();
  }
  // Expects admission to refuse `manifest` with an error mentioning `expected`.
  void expectRefused(const std::string& manifest, const std::string& expected) {
    const CommandResult result = create(manifest);
    EXPECT_FALSE(result.ok()) << "accepted:\n" << manifest;
    EXPECT_NE(result.err.find(expected), std::string::npos)
        << "error does not mention \"" << expected << "\":\n"
        << result.err;
  }

  std::unique_ptr<TestNamespace> ns_;
};

TEST_F(PluginRunApiTest, CrdIsEstablishedWithItsNames) {
  const CommandResult established =
      cluster().kubectl({"get", "crd", kCrdName, "-o",
                         R"(jsonpath={.status.conditions[?(@.type=="Established")].status})"});
  ASSERT_TRUE(established.ok()) << established.err;
  EXPECT_EQ(established.out, "True");
  // Short name and category resolve through discovery.
  EXPECT_TRUE(kubectl({"get", "prun"}).ok());
  const CommandResult category = kubectl({"get", "plugins"});
  EXPECT_TRUE(category.ok()) << category.err;
}

TEST_F(PluginRunApiTest, ExplainShowsFieldDescriptions) {
  const CommandResult plugin = cluster().kubectl({"explain", "pluginrun.spec.plugin"});
  ASSERT_TRUE(plugin.ok()) << plugin.err;
  EXPECT_NE(plugin.out.find("Where the plugin comes from"), std::string::npos) << plugin.out;
  EXPECT_NE(plugin.out.find("configMap"), std::string::npos) << plugin.out;
  EXPECT_NE(plugin.out.find("manifest.json"), std::string::npos) << plugin.out;
  const CommandResult conditions =
      cluster().kubectl({"explain", "pluginrun.status.conditions.reason"});
  ASSERT_TRUE(conditions.ok()) << conditions.err;
  EXPECT_NE(conditions.out.find("UpperCamelCase"), std::string::npos) << conditions.out;
}

TEST_F(PluginRunApiTest, AcceptsAMinimalAndAFullRun) {
  EXPECT_TRUE(create(pluginRun("minimal", "  plugin: {configMap: techdebt}\n")).ok());
  const CommandResult full = create(pluginRun("full",
                                              "  plugin: {configMap: techdebt}\n"
                                              "  input: {persistentVolumeClaim: repo}\n"
                                              "  args: [\"--limit\", \"20\"]\n"
                                              "  timeoutSeconds: 300\n"
                                              "  resources: {limits: {cpu: 500m, memory: 256Mi}}\n"
                                              "  ttlSecondsAfterFinished: 3600\n"));
  ASSERT_TRUE(full.ok()) << full.err;
  const json spec = get("full")["spec"];
  EXPECT_EQ(spec["input"]["persistentVolumeClaim"], "repo");
  EXPECT_EQ(spec["args"], json::array({"--limit", "20"}));
  EXPECT_EQ(spec["timeoutSeconds"], 300);
  EXPECT_EQ(spec["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ(spec["resources"]["limits"]["memory"], "256Mi");
  EXPECT_EQ(spec["ttlSecondsAfterFinished"], 3600);
}

TEST_F(PluginRunApiTest, RefusesARunWithoutPlugin) {
  expectRefused(pluginRun("no-plugin", "  input: {configMap: snapshot}\n"),
                "spec.plugin: Required value");
  expectRefused(pluginRun("empty-plugin", "  plugin: {}\n"),
                "spec.plugin.configMap: Required value");
  expectRefused(
      "apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\nmetadata:\n  name: no-spec\n",
      "spec: Required value");
}

TEST_F(PluginRunApiTest, RefusesTwoInputsOrAnEmptyOne) {
  expectRefused(pluginRun("two-inputs",
                          "  plugin: {configMap: techdebt}\n"
                          "  input: {configMap: snapshot, persistentVolumeClaim: repo}\n"),
                "input takes at most one source");
  expectRefused(pluginRun("empty-input", "  plugin: {configMap: techdebt}\n  input: {}\n"),
                "input must name a configMap or a persistentVolumeClaim");
}

TEST_F(PluginRunApiTest, RefusesANonPositiveTimeout) {
  for (const std::string timeout : {"0", "-5"}) {
    expectRefused(pluginRun("timeout" + timeout,
                            "  plugin: {configMap: techdebt}\n  timeoutSeconds: " + timeout + "\n"),
                  "timeoutSeconds must be a positive number of seconds");
  }
}

TEST_F(PluginRunApiTest, RefusesUnknownFieldsUnderStrictValidation) {
  expectRefused(pluginRun("unknown", "  plugin: {configMap: techdebt, image: evil:latest}\n"),
                "unknown field \"spec.plugin.image\"");
}

TEST_F(PluginRunApiTest, RefusesOutOfBoundsValues) {
  expectRefused(pluginRun("bad-name", "  plugin: {configMap: Not_A_Name}\n"),
                "spec.plugin.configMap: Invalid value");
  std::string args = "  plugin: {configMap: techdebt}\n  args: [";
  for (int i = 0; i < 65; ++i) args += std::string(i ? "," : "") + "\"a\"";
  expectRefused(pluginRun("many-args", args + "]\n"), "must have at most 64 items");
  expectRefused(pluginRun("long-arg", "  plugin: {configMap: techdebt}\n  args: [\"" +
                                          std::string(4097, 'x') + "\"]\n"),
                "spec.args[0]: Too long");
  expectRefused(
      pluginRun("bad-cpu", "  plugin: {configMap: techdebt}\n  resources: {limits: {cpu: lots}}\n"),
      "spec.resources.limits.cpu");
}

TEST_F(PluginRunApiTest, RefusesSpecUpdatesButNotMetadataUpdates) {
  ASSERT_TRUE(
      create(pluginRun("fixed", "  plugin: {configMap: techdebt}\n  timeoutSeconds: 60\n")).ok());
  const CommandResult specPatch = kubectl(
      {"patch", "pluginrun", "fixed", "--type=merge", "-p", R"({"spec":{"timeoutSeconds":10}})"});
  EXPECT_FALSE(specPatch.ok());
  EXPECT_NE(specPatch.err.find("spec is immutable after creation"), std::string::npos)
      << specPatch.err;
  EXPECT_EQ(get("fixed")["spec"]["timeoutSeconds"], 60);
  const CommandResult label = kubectl({"label", "pluginrun", "fixed", "team=platform"});
  EXPECT_TRUE(label.ok()) << label.err;
}

// Tekton's cancel: spec.status may be set to Cancelled (and only to that), never unset; every
// other field stays immutable, adding or removing an optional one included.
TEST_F(PluginRunApiTest, SpecStatusCancelledIsTheOneAllowedSpecChange) {
  ASSERT_TRUE(create(pluginRun("cancel", "  plugin: {configMap: techdebt}\n")).ok());
  const auto patch = [&](const std::string& body) {
    return kubectl({"patch", "pluginrun", "cancel", "--type=merge", "-p", body});
  };
  const CommandResult other = patch(R"({"spec":{"status":"Paused"}})");
  EXPECT_FALSE(other.ok());
  EXPECT_NE(other.err.find("Unsupported value: \"Paused\""), std::string::npos) << other.err;
  const CommandResult added = patch(R"({"spec":{"ttlSecondsAfterFailure":60}})");
  EXPECT_FALSE(added.ok());
  EXPECT_NE(added.err.find("spec is immutable after creation"), std::string::npos) << added.err;
  const CommandResult both = patch(R"({"spec":{"status":"Cancelled","timeoutSeconds":5}})");
  EXPECT_FALSE(both.ok()) << "a cancel must not carry another change";

  const CommandResult cancel = patch(R"({"spec":{"status":"Cancelled"}})");
  ASSERT_TRUE(cancel.ok()) << cancel.err;
  EXPECT_EQ(get("cancel")["spec"]["status"], "Cancelled");
  EXPECT_EQ(get("cancel")["metadata"]["generation"], 2);
  const CommandResult undo = patch(R"({"spec":{"status":null}})");
  EXPECT_FALSE(undo.ok());
  EXPECT_NE(undo.err.find("a cancelled PluginRun stays cancelled"), std::string::npos) << undo.err;
}

TEST_F(PluginRunApiTest, PodTemplateIsBoundedAndImmutable) {
  const CommandResult full =
      create(pluginRun("placed",
                       "  plugin: {configMap: techdebt}\n"
                       "  podTemplate:\n"
                       "    nodeSelector: {pool: plugins}\n"
                       "    tolerations: [{key: plugins, operator: Exists, effect: NoSchedule}]\n"
                       "    priorityClassName: low\n"
                       "    imagePullSecrets: [{name: mirror}]\n"
                       "    runtimeClassName: gvisor\n"
                       "    affinity:\n"
                       "      nodeAffinity:\n"
                       "        requiredDuringSchedulingIgnoredDuringExecution:\n"
                       "          nodeSelectorTerms:\n"
                       "          - matchExpressions: [{key: kubernetes.io/arch, operator: In, "
                       "values: [amd64]}]\n"
                       "      podAntiAffinity:\n"
                       "        preferredDuringSchedulingIgnoredDuringExecution:\n"
                       "        - weight: 100\n"
                       "          podAffinityTerm:\n"
                       "            topologyKey: kubernetes.io/hostname\n"
                       "            labelSelector: {matchLabels: {app: x}}\n"));
  ASSERT_TRUE(full.ok()) << full.err;
  EXPECT_EQ(get("placed")["spec"]["podTemplate"]["nodeSelector"]["pool"], "plugins");
  EXPECT_EQ(get("placed")["spec"]["podTemplate"]["affinity"]["podAntiAffinity"]
                ["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"],
            100);
  expectRefused(pluginRun("bad-operator",
                          "  plugin: {configMap: techdebt}\n"
                          "  podTemplate: {affinity: {nodeAffinity: "
                          "{requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
                          "[{matchExpressions: [{key: a, operator: Near}]}]}}}}\n"),
                "Unsupported value: \"Near\"");
  expectRefused(pluginRun("no-topology",
                          "  plugin: {configMap: techdebt}\n"
                          "  podTemplate: {affinity: {podAffinity: "
                          "{requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: "
                          "{}}]}}}\n"),
                "topologyKey: Required value");
  expectRefused(pluginRun("heavy",
                          "  plugin: {configMap: techdebt}\n"
                          "  podTemplate: {affinity: {nodeAffinity: "
                          "{preferredDuringSchedulingIgnoredDuringExecution: [{weight: 101, "
                          "preference: {}}]}}}\n"),
                "should be less than or equal to 100");
  expectRefused(pluginRun("unknown-affinity",
                          "  plugin: {configMap: techdebt}\n"
                          "  podTemplate: {affinity: {nodeAntiAffinity: {}}}\n"),
                "unknown field \"spec.podTemplate.affinity.nodeAntiAffinity\"");
  expectRefused(pluginRun("no-host",
                          "  plugin: {configMap: techdebt}\n"
                          "  podTemplate: {hostNetwork: true}\n"),
                "unknown field \"spec.podTemplate.hostNetwork\"");
  expectRefused(pluginRun("bad-effect",
                          "  plugin: {configMap: techdebt}\n"
                          "  podTemplate: {tolerations: [{effect: Evict}]}\n"),
                "Unsupported value: \"Evict\"");
  const CommandResult moved =
      kubectl({"patch", "pluginrun", "placed", "--type=merge", "-p",
               R"({"spec":{"podTemplate":{"nodeSelector":{"pool":"other"}}}})"});
  EXPECT_FALSE(moved.ok());
  EXPECT_NE(moved.err.find("spec is immutable after creation"), std::string::npos) << moved.err;
}

TEST_F(PluginRunApiTest, WideOutputShowsPodExitCodeAndSigner) {
  ASSERT_TRUE(create(pluginRun("wide", "  plugin: {configMap: techdebt}\n")).ok());
  ASSERT_TRUE(
      kubectl({"patch", "pluginrun", "wide", "--subresource=status", "--type=merge", "-p",
               R"({"status":{"podName":"wide-pod-x","exitCode":3,"signedBy":"sha256:ab"}})"})
          .ok());
  const CommandResult narrow = kubectl({"get", "prun", "wide"});
  ASSERT_TRUE(narrow.ok()) << narrow.err;
  EXPECT_EQ(narrow.out.find("wide-pod-x"), std::string::npos) << narrow.out;
  const CommandResult wide = kubectl({"get", "prun", "wide", "-o", "wide"});
  ASSERT_TRUE(wide.ok()) << wide.err;
  for (const char* text : {"POD", "EXITCODE", "SIGNEDBY", "wide-pod-x", "sha256:ab"}) {
    EXPECT_NE(wide.out.find(text), std::string::npos) << wide.out;
  }
}

TEST_F(PluginRunApiTest, StatusIsWrittenOnlyThroughTheStatusSubresource) {
  ASSERT_TRUE(create(pluginRun("observed", "  plugin: {configMap: techdebt}\n")).ok());
  const std::string status = R"({"status":{"pluginID":"techdebt","exitCode":0,"conditions":[
      {"type":"Succeeded","status":"True","reason":"Succeeded","message":"exit 0",
       "lastTransitionTime":"2026-01-01T00:00:00Z"}]}})";
  // Through the main resource the status part is dropped without error.
  const CommandResult mainPatch =
      kubectl({"patch", "pluginrun", "observed", "--type=merge", "-p", status});
  EXPECT_TRUE(mainPatch.ok()) << mainPatch.err;
  // What stays is the schema's default (observedGeneration 0, so kstatus reads "in progress").
  EXPECT_EQ(get("observed")["status"], json({{"observedGeneration", 0}}));

  const CommandResult statusPatch = kubectl(
      {"patch", "pluginrun", "observed", "--subresource=status", "--type=merge", "-p", status});
  ASSERT_TRUE(statusPatch.ok()) << statusPatch.err;
  const json run = get("observed");
  EXPECT_EQ(run["status"]["pluginID"], "techdebt");
  EXPECT_EQ(run["metadata"]["generation"], 1) << "a status write must not bump the generation";

  // The printer columns read the Succeeded condition.
  const CommandResult table = kubectl({"get", "prun", "observed"});
  ASSERT_TRUE(table.ok()) << table.err;
  for (const char* column :
       {"PLUGIN", "SUCCEEDED", "REASON", "STARTTIME", "COMPLETIONTIME", "AGE"}) {
    EXPECT_NE(table.out.find(column), std::string::npos) << table.out;
  }
  EXPECT_NE(table.out.find("techdebt   True"), std::string::npos) << table.out;
}

TEST_F(PluginRunApiTest, RefusesAMalformedStatus) {
  ASSERT_TRUE(create(pluginRun("strict-status", "  plugin: {configMap: techdebt}\n")).ok());
  const CommandResult badCondition =
      kubectl({"patch", "pluginrun", "strict-status", "--subresource=status", "--type=merge", "-p",
               R"({"status":{"conditions":[{"type":"Succeeded","status":"Maybe","reason":"Running",
           "message":"","lastTransitionTime":"2026-01-01T00:00:00Z"}]}})"});
  EXPECT_FALSE(badCondition.ok());
  EXPECT_NE(badCondition.err.find("Unsupported value: \"Maybe\""), std::string::npos)
      << badCondition.err;
  const CommandResult longResult =
      kubectl({"patch", "pluginrun", "strict-status", "--subresource=status", "--type=merge", "-p",
               R"({"status":{"result":")" + std::string(5000, 'r') + R"("}})"});
  EXPECT_FALSE(longResult.ok());
  EXPECT_NE(longResult.err.find("status.result: Too long"), std::string::npos) << longResult.err;
}

}  // namespace
}  // namespace ps::testing
