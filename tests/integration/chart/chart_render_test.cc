// The chart rendered offline (helm lint and helm template, no API server): schema, hardening, and
// what each value renders. What needs the API server is in chart_server_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "chart_fixture.h"

namespace ps::testing {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> containerArgs(const YAML::Node& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0]["args"]
      .as<std::vector<std::string>>();
}

bool hasArg(const std::vector<std::string>& args, const std::string& arg) {
  return std::find(args.begin(), args.end(), arg) != args.end();
}

TEST(ChartRender, HelmIsAvailable) {
  ASSERT_FALSE(helmPath().empty()) << "cluster.sh env names no HELM";
  ASSERT_TRUE(std::filesystem::exists(helmPath()))
      << helmPath()
      << " is missing: run tests/cluster/cluster.sh build (without PS_CLUSTER_HELM=0)";
}

TEST(ChartRender, LintIsCleanUnderStrict) {
  for (const std::vector<std::string>& sets :
       {std::vector<std::string>{},
        {"watchNamespaces={team-a,team-b}", "image.digest=" + kDigest, "replicaCount=3",
         "metrics.serviceMonitor.enabled=true", "signing.existingSecret=keys", "policy=null"}}) {
    std::vector<std::string> args{"lint", "--strict", chartDir()};
    for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
    const CommandResult lint = helm(args);
    EXPECT_TRUE(lint.ok()) << describe(lint);
    EXPECT_FALSE(contains(lint.out, "[WARNING]")) << lint.out;
    EXPECT_FALSE(contains(lint.out, "[ERROR]")) << lint.out;
  }
}

TEST(ChartRender, ChartCrdIsTheTopLevelCrd) {
  EXPECT_EQ(readFile(sourcePath("crds/pluginruns.yaml")),
            readFile(chartDir() + "/crds/pluginruns.yaml"));
}

TEST(ChartRender, SchemaRefusesBadValues) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"image.digest=latest", "/image/digest"},
      {"sandboxImage.digest=sha256:xyz", "/sandboxImage/digest"},
      {"controller.executor=fork", "/controller/executor"},
      // The local executor is not offered in a cluster (it would run plugins in this Pod).
      {"controller.executor=local", "/controller/executor"},
      {"controller.extraArgs={--executor=local}", "/controller/extraArgs/0"},
      {"watchNamespaces={Not_A_Namespace}", "/watchNamespaces/0"},
      {"replicaCount=-1", "/replicaCount"},
      {"controller.logFormat=xml", "/controller/logFormat"},
      {"signing.existingSecretKey=../etc/passwd", "/signing/existingSecretKey"},
      {"unknownTopLevel=1", "unknownTopLevel"},
  };
  for (const auto& [set, path] : bad) {
    const CommandResult rendered =
        helm({"template", "bad", chartDir(), "--namespace", "ps", "--set", set});
    EXPECT_FALSE(rendered.ok()) << set << " was accepted";
    EXPECT_TRUE(contains(rendered.err, path)) << set << ": " << rendered.err;
  }
}

// The defaults name the images `make images` builds, as they are (build/images/*.tar).
TEST(ChartRender, DefaultsNameTheBuiltImages) {
  const auto docs = documents(renderChart("images", "ps", {}));
  const YAML::Node deployment = ofKind(docs, "Deployment")[0];
  const YAML::Node container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"].as<std::string>(), "localhost/plugin-sandbox/controller:dev");
  EXPECT_EQ(container["imagePullPolicy"].as<std::string>(), "IfNotPresent");
  EXPECT_TRUE(hasArg(containerArgs(deployment), "--executor=pod"));
  EXPECT_TRUE(
      hasArg(containerArgs(deployment), "--sandbox-image=localhost/plugin-sandbox/sandbox:dev"));
}

TEST(ChartRender, DeploymentIsHardened) {
  const auto docs = documents(renderChart("hard", "ps", {}));
  const auto deployments = ofKind(docs, "Deployment");
  ASSERT_EQ(deployments.size(), 1u);
  const YAML::Node pod = deployments[0]["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  const YAML::Node container = pod["containers"][0];
  const YAML::Node security = container["securityContext"];
  EXPECT_TRUE(security["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(security["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(security["capabilities"]["drop"].as<std::vector<std::string>>(),
            std::vector<std::string>{"ALL"});
  EXPECT_EQ(security["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_TRUE(container["resources"]["limits"]["memory"].IsDefined());
  EXPECT_TRUE(container["resources"]["requests"]["cpu"].IsDefined());
}

TEST(ChartRender, DefaultsWatchAllNamespacesWithOneReplicaAndAPolicy) {
  const auto docs = documents(renderChart("defaults", "ps", {}));
  EXPECT_EQ(ofKind(docs, "ClusterRole").size(), 1u);
  EXPECT_EQ(ofKind(docs, "ClusterRoleBinding").size(), 1u);
  EXPECT_EQ(ofKind(docs, "Role").size(), 1u) << "only the leader-election Role";
  EXPECT_TRUE(ofKind(docs, "PodDisruptionBudget").empty());
  EXPECT_TRUE(ofKind(docs, "ServiceMonitor").empty());
  EXPECT_TRUE(ofKind(docs, "Secret").empty());
  const auto args = containerArgs(ofKind(docs, "Deployment")[0]);
  EXPECT_TRUE(hasArg(args, "--leader-elect=false"));
  EXPECT_TRUE(std::none_of(args.begin(), args.end(),
                           [](const std::string& a) { return a.rfind("--namespace", 0) == 0; }));
  const std::string rendered = renderChart("defaults", "ps", {});
  EXPECT_TRUE(contains(rendered, "value: /etc/plugin-sandbox/policy/policy.json"));
  EXPECT_FALSE(contains(rendered, "PLUGIN_SIGNING_KEY"));
  EXPECT_EQ(ofKind(docs, "Service").size(), 1u);
}

TEST(ChartRender, VariantPinsDigestsScopesRbacAndForcesLeaderElection) {
  const auto docs = documents(renderChart(
      "variant", "ps",
      {"watchNamespaces={team-a,team-b}", "image.digest=" + kDigest,
       "sandboxImage.digest=" + kDigest, "replicaCount=2", "signing.existingSecret=my-keys"}));
  EXPECT_TRUE(ofKind(docs, "ClusterRole").empty());
  EXPECT_TRUE(ofKind(docs, "ClusterRoleBinding").empty());
  std::vector<std::string> roleNamespaces;
  for (const YAML::Node& role : ofKind(docs, "Role")) {
    roleNamespaces.push_back(role["metadata"]["namespace"].as<std::string>());
  }
  std::sort(roleNamespaces.begin(), roleNamespaces.end());
  EXPECT_EQ(roleNamespaces, (std::vector<std::string>{"ps", "team-a", "team-b"}));
  EXPECT_EQ(ofKind(docs, "PodDisruptionBudget").size(), 1u);
  EXPECT_TRUE(ofKind(docs, "Secret").empty()) << "an existing Secret is referenced, not made";
  const YAML::Node deployment = ofKind(docs, "Deployment")[0];
  const YAML::Node container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"].as<std::string>(), "localhost/plugin-sandbox/controller@" + kDigest);
  const auto args = containerArgs(deployment);
  EXPECT_TRUE(hasArg(args, "--leader-elect=true"));
  EXPECT_TRUE(hasArg(args, "--namespace=team-a,team-b"));
  EXPECT_TRUE(hasArg(args, "--sandbox-image=localhost/plugin-sandbox/sandbox@" + kDigest));
  bool mountsKeys = false;
  for (const YAML::Node& volume : deployment["spec"]["template"]["spec"]["volumes"]) {
    if (volume["secret"]) {
      mountsKeys = volume["secret"]["secretName"].as<std::string>() == "my-keys";
    }
  }
  EXPECT_TRUE(mountsKeys);
}

TEST(ChartRender, ServiceMonitorOnlyWhenEnabled) {
  EXPECT_TRUE(ofKind(documents(renderChart("sm", "ps", {})), "ServiceMonitor").empty());
  const auto docs = documents(renderChart("sm", "ps", {"metrics.serviceMonitor.enabled=true"}));
  ASSERT_EQ(ofKind(docs, "ServiceMonitor").size(), 1u);
  EXPECT_EQ(ofKind(docs, "ServiceMonitor")[0]["spec"]["endpoints"][0]["port"].as<std::string>(),
            "metrics");
}

TEST(ChartRender, PublicKeysFromValuesBecomeASecretMountedAsSigningKey) {
  const std::string pem = readFile(sourcePath("plugins/keys/demo.pub.pem"));
  ASSERT_FALSE(pem.empty());
  // --set cannot carry a multi-line PEM: write a values file.
  const std::string valuesPath =
      (std::filesystem::temp_directory_path() / "ps-chart-keys-values.yaml").string();
  {
    std::ofstream values(valuesPath);
    values << "signing:\n  publicKeys: |\n";
    std::istringstream lines(pem);
    for (std::string line; std::getline(lines, line);) values << "    " << line << "\n";
  }
  const CommandResult withKeys =
      helm({"template", "keys", chartDir(), "--namespace", "ps", "-f", valuesPath});
  std::filesystem::remove(valuesPath);
  ASSERT_TRUE(withKeys.ok()) << describe(withKeys);
  const auto docs = documents(withKeys.out);
  const auto secrets = ofKind(docs, "Secret");
  ASSERT_EQ(secrets.size(), 1u);
  EXPECT_EQ(secrets[0]["stringData"]["signing.pub.pem"].as<std::string>(), pem);
  EXPECT_TRUE(contains(withKeys.out, "value: /etc/plugin-sandbox/keys/signing.pub.pem"));
  EXPECT_FALSE(contains(withKeys.out, "PRIVATE KEY"));
}

}  // namespace
}  // namespace ps::testing
