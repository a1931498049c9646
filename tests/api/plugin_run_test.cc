#include "api/plugin_run.h"

#include <gtest/gtest.h>

namespace ps::reconcile {
namespace {

using nlohmann::json;

json validRun() {
  return json::parse(R"({
    "apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
    "metadata": {"name": "scan-1", "namespace": "team-a", "uid": "1234-abcd", "generation": 2},
    "spec": {"plugin": {"configMap": "techdebt"}, "input": {"configMap": "repo-snapshot"},
             "args": ["--limit", "20"], "timeoutSeconds": 300,
             "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
             "ttlSecondsAfterFinished": 3600}})");
}

std::string rejectionOf(const json& object) {
  const auto run = parsePluginRun(object);
  return run ? "accepted" : run.rejection().line();
}

TEST(PluginRunTest, ParsesEveryField) {
  const auto run = parsePluginRun(validRun());
  ASSERT_TRUE(run.ok()) << run.rejection().line();
  EXPECT_EQ(run->name, "scan-1");
  EXPECT_EQ(run->namespaceName, "team-a");
  EXPECT_EQ(run->uid, "1234-abcd");
  EXPECT_EQ(run->generation, 2);
  EXPECT_EQ(run->pluginConfigMap, "techdebt");
  ASSERT_TRUE(run->input.has_value());
  EXPECT_EQ(run->input->kind, InputSource::Kind::ConfigMap);
  EXPECT_EQ(run->input->name, "repo-snapshot");
  EXPECT_EQ(run->args, (std::vector<std::string>{"--limit", "20"}));
  EXPECT_EQ(run->timeoutSeconds, 300);
  EXPECT_EQ(run->cpuLimit, kube::Quantity::parse("500m"));
  EXPECT_EQ(run->memoryLimit, kube::Quantity::parse("256Mi"));
  EXPECT_EQ(run->ttlSecondsAfterFinished, 3600);
  EXPECT_FALSE(run->ttlSecondsAfterFailure.has_value());
  EXPECT_FALSE(run->cancelRequested);
}

TEST(PluginRunTest, PodTemplate) {
  json object = validRun();
  object["spec"]["podTemplate"] = json::parse(R"({
    "nodeSelector": {"pool": "plugins"},
    "tolerations": [{"key": "plugins", "operator": "Equal", "value": "yes",
                     "effect": "NoExecute", "tolerationSeconds": 60}],
    "affinity": {
      "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
          {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]},
          {"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-a"]}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [
          {"weight": 50, "preference": {"matchExpressions": [{"key": "pool", "operator": "Exists"}]}}]},
      "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "topology.kubernetes.io/zone",
         "labelSelector": {"matchLabels": {"app": "cache"}}, "namespaces": ["data"]}]},
      "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
         "labelSelector": {"matchExpressions": [
           {"key": "sandbox.plugins.dev/pluginrun", "operator": "Exists"}]},
         "namespaceSelector": {}, "matchLabelKeys": ["pool"]}}]}},
    "priorityClassName": "low", "imagePullSecrets": [{"name": "mirror"}],
    "runtimeClassName": "gvisor"})");
  const auto run = parsePluginRun(object);
  ASSERT_TRUE(run.ok()) << run.rejection().line();
  ASSERT_TRUE(run->podTemplate.has_value());
  EXPECT_EQ(run->podTemplate->nodeSelector,
            (std::map<std::string, std::string>{{"pool", "plugins"}}));
  EXPECT_EQ(run->podTemplate->tolerations, object["spec"]["podTemplate"]["tolerations"]);
  EXPECT_EQ(run->podTemplate->affinity, object["spec"]["podTemplate"]["affinity"]);
  EXPECT_EQ(run->podTemplate->priorityClassName, "low");
  EXPECT_EQ(run->podTemplate->imagePullSecrets, std::vector<std::string>{"mirror"});
  EXPECT_EQ(run->podTemplate->runtimeClassName, "gvisor");
  EXPECT_FALSE(parsePluginRun(validRun())->podTemplate.has_value());
}

TEST(PluginRunTest, CancelAndTheFailureTtl) {
  json object = validRun();
  object["spec"]["status"] = "Cancelled";
  object["spec"]["ttlSecondsAfterFailure"] = 86400;
  const auto run = parsePluginRun(object);
  ASSERT_TRUE(run.ok()) << run.rejection().line();
  EXPECT_TRUE(run->cancelRequested);
  EXPECT_EQ(run->ttlSecondsAfterFailure, 86400);
  EXPECT_EQ(run->ttlSecondsAfterFinished, 3600);
}

TEST(PluginRunTest, MinimalRunGetsDefaults) {
  const auto run = parsePluginRun(json::parse(R"({
    "apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
    "metadata": {"name": "r"}, "spec": {"plugin": {"configMap": "p"}}})"));
  ASSERT_TRUE(run.ok()) << run.rejection().line();
  EXPECT_EQ(run->namespaceName, "default");
  EXPECT_TRUE(run->uid.empty());
  EXPECT_FALSE(run->input.has_value());
  EXPECT_FALSE(run->timeoutSeconds.has_value());
}

TEST(PluginRunTest, PersistentVolumeClaimInput) {
  json object = validRun();
  object["spec"]["input"] = {{"persistentVolumeClaim", "data"}};
  const auto run = parsePluginRun(object);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->input->kind, InputSource::Kind::PersistentVolumeClaim);
  EXPECT_EQ(run->input->name, "data");
}

struct BadCase {
  const char* pointer;  // JSON pointer to replace (or remove with null json)
  json value;
  std::string expected;  // substring of the rejection line
};

constexpr const char* kRequired = "requiredDuringSchedulingIgnoredDuringExecution";
constexpr const char* kPreferred = "preferredDuringSchedulingIgnoredDuringExecution";

TEST(PluginRunTest, RejectsBadSpecsWithClearMessages) {
  const std::vector<BadCase> cases = {
      {"/apiVersion", "v1", "rejected: spec: apiVersion"},
      {"/kind", "Pod", "kind: must be PluginRun"},
      {"/metadata/name", "Bad_Name", "metadata.name: \"Bad_Name\" is not a valid object name"},
      {"/metadata/name", 5, "metadata.name: must be a string"},
      {"/metadata/namespace", "a.b", "metadata.namespace"},
      {"/spec/plugin", json::object(), "spec.plugin.configMap: is required"},
      {"/spec/plugin", "techdebt", "spec.plugin: is required"},
      {"/spec/plugin/configMap", "", "spec.plugin.configMap"},
      {"/spec/plugin/secret", "x", "spec.plugin.secret: unknown field"},
      {"/spec/input",
       {{"configMap", "a"}, {"persistentVolumeClaim", "b"}},
       "spec.input: give exactly one"},
      {"/spec/input", json::object(), "spec.input: give exactly one"},
      {"/spec/input", {{"hostPath", "/etc"}}, "spec.input.hostPath: unknown field"},
      {"/spec/timeoutSeconds", 0, "spec.timeoutSeconds: must be at least 1"},
      {"/spec/timeoutSeconds", -5, "spec.timeoutSeconds: must be at least 1"},
      {"/spec/timeoutSeconds", 1.5, "spec.timeoutSeconds: must be an integer"},
      {"/spec/timeoutSeconds", "300", "spec.timeoutSeconds: must be an integer"},
      {"/spec/timeoutSeconds", true, "spec.timeoutSeconds: must be an integer"},
      {"/spec/timeoutSeconds", 99999999999ULL, "spec.timeoutSeconds: must be at most 86400"},
      {"/spec/timeoutSeconds", 86401, "spec.timeoutSeconds: must be at most 86400"},
      {"/spec/ttlSecondsAfterFinished", 31536001, "must be at most 31536000"},
      {"/spec/ttlSecondsAfterFinished", -1, "spec.ttlSecondsAfterFinished: must be at least 0"},
      {"/spec/ttlSecondsAfterFailure", 31536001, "spec.ttlSecondsAfterFailure: must be at most"},
      {"/spec/ttlSecondsAfterFailure", -1, "spec.ttlSecondsAfterFailure: must be at least 0"},
      {"/spec/status", "Paused", "spec.status: the only value is \"Cancelled\""},
      {"/spec/podTemplate", "x", "spec.podTemplate: must be an object"},
      {"/spec/podTemplate",
       {{"securityContext", json::object()}},
       "spec.podTemplate.securityContext: unknown field"},
      {"/spec/podTemplate", {{"hostNetwork", true}}, "spec.podTemplate.hostNetwork: unknown field"},
      {"/spec/podTemplate/nodeSelector", {{"pool", 5}}, "spec.podTemplate.nodeSelector.pool"},
      {"/spec/podTemplate/nodeSelector", {{"pool", std::string(64, 'x')}}, "longer than 63"},
      {"/spec/podTemplate/tolerations",
       {{{"operator", "Maybe"}}},
       "spec.podTemplate.tolerations[0].operator: must be one of Exists, Equal"},
      {"/spec/podTemplate/tolerations", {{{"effect", "Evict"}}}, "tolerations[0].effect"},
      {"/spec/podTemplate/tolerations",
       {{{"nodeName", "x"}}},
       "spec.podTemplate.tolerations[0].nodeName: unknown field"},
      {"/spec/podTemplate/tolerations", std::vector<json>(17, json::object()),
       "at most 16 tolerations"},
      {"/spec/podTemplate/imagePullSecrets", {{{"name", "Bad_Name"}}}, "not a valid object name"},
      {"/spec/podTemplate/runtimeClassName", "", "spec.podTemplate.runtimeClassName"},
      {"/spec/podTemplate/priorityClassName", 3, "spec.podTemplate.priorityClassName"},
      {"/spec/podTemplate/affinity", "x", "spec.podTemplate.affinity: must be an object"},
      {"/spec/podTemplate/affinity",
       {{"nodeAntiAffinity", json::object()}},
       "spec.podTemplate.affinity.nodeAntiAffinity: unknown field"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kRequired, {{"nodeSelectorTerms", json::array()}}}},
       "affinity.nodeAffinity." + std::string(kRequired) +
           ".nodeSelectorTerms: needs at least one"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kRequired, json::object()}},
       "nodeSelectorTerms: needs at least one term"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kRequired, {{"nodeSelectorTerms", std::vector<json>(9, json::object())}}}},
       "nodeSelectorTerms: at most 8 entries"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kRequired,
         {{"nodeSelectorTerms",
           {{{"matchExpressions", {{{"key", "a"}, {"operator", "Near"}}}}}}}}}},
       "nodeSelectorTerms[0].matchExpressions[0].operator: must be one of In, NotIn, Exists, "
       "DoesNotExist, Gt, Lt"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kRequired, {{"nodeSelectorTerms", {{{"matchFields", {{{"operator", "In"}}}}}}}}}},
       "matchFields[0].key: is required"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kRequired,
         {{"nodeSelectorTerms",
           {{{"matchExpressions",
              {{{"key", "a"},
                {"operator", "In"},
                {"values", std::vector<std::string>(17, "v")}}}}}}}}}},
       "matchExpressions[0].values: at most 16 entries"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kPreferred, {{{"weight", 101}, {"preference", json::object()}}}}},
       std::string(kPreferred) + "[0].weight: must be at most 100"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kPreferred, {{{"weight", 0}, {"preference", json::object()}}}}},
       "[0].weight: must be at least 1"},
      {"/spec/podTemplate/affinity/nodeAffinity",
       {{kPreferred, {{{"weight", 1}}}}},
       "[0].preference: is required"},
      {"/spec/podTemplate/affinity/podAffinity",
       {{kRequired, {json::object()}}},
       "podAffinity." + std::string(kRequired) + "[0].topologyKey: is required"},
      {"/spec/podTemplate/affinity/podAntiAffinity",
       {{kRequired, {{{"topologyKey", "zone"}, {"labelSelector", {{"matchLabels", {{"a", 1}}}}}}}}},
       "labelSelector.matchLabels.a: must be a string"},
      {"/spec/podTemplate/affinity/podAntiAffinity",
       {{kRequired,
         {{{"topologyKey", "zone"},
           {"labelSelector", {{"matchExpressions", {{{"key", "a"}, {"operator", "Gt"}}}}}}}}}},
       "labelSelector.matchExpressions[0].operator: must be one of In, NotIn, Exists, "
       "DoesNotExist"},
      {"/spec/podTemplate/affinity/podAntiAffinity",
       {{kRequired, {{{"topologyKey", "zone"}, {"namespaces", {std::string(64, 'n')}}}}}},
       "namespaces[0]: longer than 63 bytes"},
      {"/spec/podTemplate/affinity/podAffinity",
       {{kPreferred, {{{"weight", 5}, {"podAffinityTerm", {{"topologyKey", ""}}}}}}},
       "podAffinityTerm.topologyKey: must not be empty"},
      {"/spec/podTemplate/affinity/podAffinity",
       {{kRequired, {{{"topologyKey", "zone"}, {"nodeName", "x"}}}}},
       "[0].nodeName: unknown field"},
      {"/spec/status", true, "spec.status: the only value is \"Cancelled\""},
      {"/spec/resources/limits/cpu", "lots",
       "spec.resources.limits.cpu: \"lots\" is not a quantity"},
      {"/spec/resources/limits/memory", "-1Gi", "spec.resources.limits.memory"},
      {"/spec/resources/limits/memory", "0", "must be greater than zero"},
      {"/spec/resources/limits/gpu", "1", "spec.resources.limits.gpu: unknown field"},
      {"/spec/resources/requests", json::object(), "spec.resources.requests: unknown field"},
      {"/spec/args", "--limit 20", "spec.args: must be a list of strings"},
      {"/spec/args", {1, 2}, "spec.args: must be a list of strings"},
      {"/spec/args", std::vector<std::string>(65, "x"), "at most 64 arguments"},
      {"/spec/args", {std::string(4097, 'x')}, "longer than 4096 bytes"},
      {"/spec/timeoutSecond", 5, "spec.timeoutSecond: unknown field"},
      {"/spec", json::array(), "spec: is required"},
  };
  for (const auto& testCase : cases) {
    json object = validRun();
    object[json::json_pointer(testCase.pointer)] = testCase.value;
    const std::string line = rejectionOf(object);
    EXPECT_NE(line.find(testCase.expected), std::string::npos)
        << testCase.pointer << " -> " << line;
    EXPECT_EQ(line.rfind("rejected: spec: ", 0), 0u) << line;
  }
}

TEST(PluginRunTest, RejectsMissingPartsAndNonObjects) {
  json noSpec = validRun();
  noSpec.erase("spec");
  EXPECT_NE(rejectionOf(noSpec).find("spec: is required"), std::string::npos);
  json noName = validRun();
  noName["metadata"].erase("name");
  EXPECT_NE(rejectionOf(noName).find("metadata.name: is required"), std::string::npos);
  EXPECT_NE(rejectionOf(json::array()).find("must be an object"), std::string::npos);
  EXPECT_NE(rejectionOf(json("PluginRun")).find("must be an object"), std::string::npos);
}

TEST(PluginRunTest, DnsNames) {
  EXPECT_TRUE(isDnsSubdomain("a"));
  EXPECT_TRUE(isDnsSubdomain("scan.v1-2"));
  const std::string label(63, 'a');
  const std::string longest = label + "." + label + "." + label + "." + std::string(61, 'a');
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_TRUE(isDnsSubdomain(longest));
  EXPECT_FALSE(isDnsSubdomain(longest + "a"));
  EXPECT_FALSE(isDnsSubdomain(std::string(64, 'a')));  // one label too long
  for (const char* bad : {"", "-a", "a-", "A", "a..b", ".a", "a.", "a_b", "a b", "\xC3\xA9"}) {
    EXPECT_FALSE(isDnsSubdomain(bad)) << bad;
  }
  EXPECT_TRUE(isDnsLabel("team-a"));
  EXPECT_FALSE(isDnsLabel("team.a"));
}

// metadata.name follows the API server's rule for custom resources (a DNS subdomain of up to 253
// characters), not a DNS label's: a dot-separated part may be longer than 63.
TEST(PluginRunTest, AcceptsEveryNameTheApiServerAccepts) {
  const std::string part(63, 'a');
  for (const std::string& name : {std::string(253, 'a'), std::string(64, 'b'),
                                  std::string(200, 'c') + "." + std::string(52, 'd'),
                                  part + "." + part + "." + part + "." + std::string(61, 'e'),
                                  std::string("a--b.0-9"), std::string("1"), std::string("9.9")}) {
    EXPECT_TRUE(isObjectName(name)) << name;
    json object = validRun();
    object["metadata"]["name"] = name;
    const auto run = parsePluginRun(object);
    ASSERT_TRUE(run.ok()) << name << ": " << run.rejection().line();
    EXPECT_EQ(run->name, name);
  }
}

TEST(PluginRunTest, RefusesNamesTheApiServerRefusesNamingTheRule) {
  for (const std::string& name :
       {std::string(254, 'a'), std::string(""), std::string("-a"), std::string("a-"),
        std::string(".a"), std::string("a."), std::string("a..b"), std::string("a.-b"),
        std::string("a-.b"), std::string("Scan"), std::string("a_b"), std::string("a b"),
        std::string("a/b"), std::string("caf\xC3\xA9"), std::string("a\0b", 3)}) {
    EXPECT_FALSE(isObjectName(name)) << name;
    json object = validRun();
    object["metadata"]["name"] = name;
    const std::string line = rejectionOf(object);
    EXPECT_EQ(line.rfind("rejected: spec: metadata.name: ", 0), 0u) << line;
    EXPECT_NE(line.find("is not a valid object name (a DNS subdomain: at most 253"),
              std::string::npos)
        << line;
  }
}

}  // namespace
}  // namespace ps::reconcile
