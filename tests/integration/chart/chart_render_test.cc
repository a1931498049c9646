// The chart rendered offline (helm lint and helm template, no API server): schema, hardening, and
// what each value renders. What needs the API server is in chart_server_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "chart_fixture.h"
#include "pod_security.h"

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

YAML::Node podSpec(const std::vector<YAML::Node>& docs) {
  return ofKind(docs, "Deployment").at(0)["spec"]["template"]["spec"];
}

// The names of a list of named objects (env, volumes, mounts), in order.
std::vector<std::string> names(const YAML::Node& list) {
  std::vector<std::string> result;
  for (const YAML::Node& item : list) result.push_back(item["name"].as<std::string>());
  return result;
}

// Writes `text` to a fresh values file; removed when the object goes away.
class ValuesFile {
 public:
  explicit ValuesFile(const std::string& text) {
    static int counter = 0;
    path_ =
        (std::filesystem::temp_directory_path() / ("ps-chart-values-" + std::to_string(::getpid()) +
                                                   "-" + std::to_string(++counter) + ".yaml"))
            .string();
    std::ofstream(path_) << text;
  }
  ~ValuesFile() { std::filesystem::remove(path_); }
  ValuesFile(const ValuesFile&) = delete;
  ValuesFile& operator=(const ValuesFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<YAML::Node> renderWithValues(const std::string& release, const std::string& values) {
  const ValuesFile file(values);
  const CommandResult rendered = templateChart(release, "ps", {"-f", file.path()});
  EXPECT_TRUE(rendered.ok()) << describe(rendered);
  return documents(rendered.out);
}

// The leading comment lines of a YAML file, and the rest.
std::pair<std::string, std::string> splitHeader(const std::string& text) {
  size_t end = 0;
  while (end < text.size() && text[end] == '#') {
    const size_t newline = text.find('\n', end);
    end = newline == std::string::npos ? text.size() : newline + 1;
  }
  return {text.substr(0, end), text.substr(end)};
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
         "metrics.serviceMonitor.enabled=true", "signing.existingSecret=keys", "policy=null"},
        {"crds.enabled=false", "nameOverride=sandbox", "global.imagePullSecrets={regcred}",
         "controller.maxRunning=0", "createWatchNamespaces=true", "watchNamespaces={team-a}",
         "replicaCount=2", "podDisruptionBudget.maxUnavailable=1", "extraEnv[0].name=HTTPS_PROXY",
         "extraEnv[0].value=http://proxy:3128", "extraVolumes[0].name=ca",
         "extraVolumes[0].configMap.name=ca", "extraVolumeMounts[0].name=ca",
         "extraVolumeMounts[0].mountPath=/etc/ssl/extra", "metrics.serviceMonitor.enabled=true",
         "metrics.serviceMonitor.namespace=monitoring", "podSecurityContext.runAsUser=1000"},
        {"fullnameOverride=ps", "crds.keep=false", "podDisruptionBudget.enabled=false"}}) {
    std::vector<std::string> args{"lint", "--strict", chartDir()};
    for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
    const CommandResult lint = helm(args);
    EXPECT_TRUE(lint.ok()) << describe(lint);
    EXPECT_FALSE(contains(lint.out, "[WARNING]")) << lint.out;
    EXPECT_FALSE(contains(lint.out, "[ERROR]")) << lint.out;
  }
}

// deploy/controller/plugin-sandbox.yaml is the chart rendered by deploy/controller/render.sh:
// default values, the CRD left to crds/.
TEST(PlainManifests, ControllerManifestIsTheChartRenderedWithDefaults) {
  const std::string rendered =
      renderChart("plugin-sandbox", "plugin-sandbox-system", {"crds.enabled=false"});
  ASSERT_FALSE(rendered.empty());
  const std::string committed = readFile(sourcePath("deploy/controller/plugin-sandbox.yaml"));
  const std::string body =
      committed.substr(std::min(committed.find("\n---"), committed.size()) + 1);
  EXPECT_EQ(body, rendered) << "run deploy/controller/render.sh";
  EXPECT_FALSE(contains(rendered, "kind: CustomResourceDefinition"));
}

// The chart's copy is crds/pluginruns.yaml below a header of its own (sync-crd.sh writes it).
TEST(ChartRender, ChartCrdFileIsTheTopLevelCrdBelowItsHeader) {
  const auto [sourceHeader, source] = splitHeader(readFile(sourcePath("crds/pluginruns.yaml")));
  const auto [header, copy] = splitHeader(readFile(chartDir() + "/files/crd-pluginruns.yaml"));
  ASSERT_FALSE(source.empty());
  EXPECT_EQ(copy, source) << "run charts/plugin-sandbox/sync-crd.sh";
  // Helm's crds/ folder would install a second, never upgraded copy.
  EXPECT_FALSE(std::filesystem::exists(chartDir() + "/crds"));
}

// The chart's CRD header names only files a user of the packaged chart has.
TEST(ChartRender, ChartCrdHeaderCitesOnlyFilesInTheChart) {
  const std::string header = splitHeader(readFile(chartDir() + "/files/crd-pluginruns.yaml")).first;
  ASSERT_FALSE(header.empty());
  std::istringstream words(header);
  int cited = 0;
  for (std::string word; words >> word;) {
    while (!word.empty() && std::string(".,;:()`'\"").find(word.back()) != std::string::npos) {
      word.pop_back();
    }
    while (!word.empty() && std::string("(`'\"").find(word.front()) != std::string::npos) {
      word.erase(0, 1);
    }
    const bool looksLikeFile = word.find('/') != std::string::npos ||
                               word.find(".yaml") != std::string::npos ||
                               word.find(".md") != std::string::npos;
    if (!looksLikeFile) continue;
    ++cited;
    EXPECT_TRUE(std::filesystem::exists(chartDir() + "/" + word))
        << "the header cites " << word << ", which is not in the chart";
  }
  EXPECT_GT(cited, 0) << "the header should say what renders it";
  // The packaged chart leaves out the sync script; the header must not need it.
  EXPECT_FALSE(contains(header, "sync-crd.sh"));
  EXPECT_FALSE(contains(header, "DESIGN.md"));
}

// crds.enabled (default true) renders the CRD from the source, with the chart's labels and,
// with crds.keep (default true), helm.sh/resource-policy: keep; helm upgrade then upgrades it.
TEST(ChartRender, CrdIsATemplateOfTheSourceKeptByDefault) {
  const YAML::Node source = YAML::LoadFile(sourcePath("crds/pluginruns.yaml"));
  const auto docs = documents(renderChart("crd", "ps", {}));
  const auto crds = ofKind(docs, "CustomResourceDefinition");
  ASSERT_EQ(crds.size(), 1u);
  const YAML::Node crd = crds[0];
  EXPECT_EQ(crd["metadata"]["name"].as<std::string>(), "pluginruns.sandbox.plugins.dev");
  EXPECT_TRUE(sameYaml(crd["spec"], source["spec"])) << "the rendered spec differs from crds/";
  EXPECT_EQ(crd["apiVersion"].as<std::string>(), source["apiVersion"].as<std::string>());
  EXPECT_EQ(crd["metadata"]["labels"]["app.kubernetes.io/instance"].as<std::string>(), "crd");
  EXPECT_EQ(crd["metadata"]["labels"]["app.kubernetes.io/managed-by"].as<std::string>(), "Helm");
  EXPECT_EQ(crd["metadata"]["annotations"]["helm.sh/resource-policy"].as<std::string>(), "keep");
  EXPECT_FALSE(crd["metadata"]["namespace"].IsDefined());

  const auto unkept =
      ofKind(documents(renderChart("crd", "ps", {"crds.keep=false"})), "CustomResourceDefinition");
  ASSERT_EQ(unkept.size(), 1u);
  EXPECT_FALSE(unkept[0]["metadata"]["annotations"].IsDefined());
  EXPECT_TRUE(ofKind(documents(renderChart("crd", "ps", {"crds.enabled=false"})),
                     "CustomResourceDefinition")
                  .empty());
}

TEST(ChartRender, NameOverrideAndFullnameOverrideNameEveryObject) {
  const auto named = documents(renderChart("rel", "ps", {"nameOverride=sandbox"}));
  EXPECT_EQ(ofKind(named, "Deployment").at(0)["metadata"]["name"].as<std::string>(), "rel-sandbox");
  EXPECT_EQ(ofKind(named, "Deployment")
                .at(0)["metadata"]["labels"]["app.kubernetes.io/name"]
                .as<std::string>(),
            "sandbox");
  EXPECT_EQ(ofKind(named, "Deployment")
                .at(0)["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
                .as<std::string>(),
            "sandbox");

  const auto full = documents(renderChart("rel", "ps", {"fullnameOverride=ps-ctl"}));
  for (const YAML::Node& doc : full) {
    const std::string kind = doc["kind"].as<std::string>();
    if (kind == "CustomResourceDefinition") continue;  // named by the API
    const std::string name = doc["metadata"]["name"].as<std::string>();
    EXPECT_EQ(name.rfind("ps-ctl", 0), 0u) << kind << " " << name;
  }
  EXPECT_TRUE(
      hasArg(containerArgs(ofKind(full, "Deployment").at(0)), "--leader-election-id=ps-ctl"));
  EXPECT_EQ(podSpec(full)["serviceAccountName"].as<std::string>(), "ps-ctl");
}

// A Service name is a DNS label: the longest full name still gives a valid metrics Service.
TEST(ChartRender, LongestFullnameKeepsTheServiceNameALabel) {
  const std::string longest(63, 'a');
  const auto docs = documents(renderChart("rel", "ps", {"fullnameOverride=" + longest}));
  const std::string service = ofKind(docs, "Service").at(0)["metadata"]["name"].as<std::string>();
  EXPECT_LE(service.size(), 63u) << service;
  EXPECT_EQ(service.substr(service.size() - 8), "-metrics");
  EXPECT_EQ(ofKind(docs, "Deployment").at(0)["metadata"]["name"].as<std::string>(), longest);
}

// Two releases in one namespace elect on two Leases (before: both on `plugin-controller`).
TEST(ChartRender, LeaseIsNamedAfterTheRelease) {
  const auto first =
      containerArgs(ofKind(documents(renderChart("one", "ps", {})), "Deployment").at(0));
  const auto second =
      containerArgs(ofKind(documents(renderChart("two", "ps", {})), "Deployment").at(0));
  EXPECT_TRUE(hasArg(first, "--leader-election-id=one-plugin-sandbox"));
  EXPECT_TRUE(hasArg(second, "--leader-election-id=two-plugin-sandbox"));
  const auto installedAsChartName =
      containerArgs(ofKind(documents(renderChart("plugin-sandbox", "ps", {})), "Deployment").at(0));
  EXPECT_TRUE(hasArg(installedAsChartName, "--leader-election-id=plugin-sandbox"));
}

TEST(ChartRender, DefaultPodIsValidUnderPodSecurityRestricted) {
  const auto problems = restrictedViolations(podSpec(documents(renderChart("psa", "ps", {}))));
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  // Also with every optional volume and a replica set.
  const auto full = restrictedViolations(podSpec(documents(
      renderChart("psa", "ps",
                  {"signing.existingSecret=keys", "replicaCount=2", "extraVolumes[0].name=ca",
                   "extraVolumes[0].configMap.name=ca", "extraVolumeMounts[0].name=ca",
                   "extraVolumeMounts[0].mountPath=/etc/ssl/extra"}))));
  EXPECT_TRUE(full.empty()) << ::testing::PrintToString(full);
}

// The checker itself refuses what the restricted profile refuses (so the test above can fail).
TEST(ChartRender, RestrictedCheckRefusesWeakenedContexts) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> weakened{
      {{"securityContext.allowPrivilegeEscalation=true"}, "allowPrivilegeEscalation"},
      {{"securityContext.allowPrivilegeEscalation=null"}, "allowPrivilegeEscalation"},
      {{"securityContext.privileged=true"}, "privileged"},
      {{"securityContext.capabilities.drop=null"}, "capabilities.drop"},
      {{"securityContext.capabilities.add={SYS_ADMIN}"}, "capabilities.add SYS_ADMIN"},
      {{"securityContext.runAsNonRoot=null", "podSecurityContext.runAsNonRoot=null"},
       "runAsNonRoot"},
      {{"podSecurityContext.runAsUser=0"}, "runAsUser=0"},
      {{"securityContext.seccompProfile.type=Unconfined"}, "seccompProfile"},
      {{"extraVolumes[0].name=host", "extraVolumes[0].hostPath.path=/"}, "volume types"},
  };
  for (const auto& [sets, rule] : weakened) {
    const auto problems = restrictedViolations(podSpec(documents(renderChart("weak", "ps", sets))));
    EXPECT_TRUE(std::any_of(problems.begin(), problems.end(),
                            [&](const std::string& p) { return contains(p, rule); }))
        << ::testing::PrintToString(sets) << " passed as restricted";
  }
}

// User values are merged over the hardened defaults, key by key; null removes one key.
TEST(ChartRender, SecurityContextOverridesMergeOverTheHardenedDefaults) {
  const auto docs =
      documents(renderChart("sc", "ps",
                            {"podSecurityContext.runAsUser=1000", "podSecurityContext.fsGroup=null",
                             "securityContext.capabilities.add={NET_BIND_SERVICE}",
                             "securityContext.readOnlyRootFilesystem=false"}));
  const YAML::Node pod = podSpec(docs);
  EXPECT_EQ(pod["securityContext"]["runAsUser"].as<int>(), 1000);
  EXPECT_FALSE(pod["securityContext"]["fsGroup"].IsDefined());
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  const YAML::Node container = pod["containers"][0]["securityContext"];
  EXPECT_FALSE(container["readOnlyRootFilesystem"].as<bool>());
  EXPECT_EQ(container["capabilities"]["add"].as<std::vector<std::string>>(),
            std::vector<std::string>{"NET_BIND_SERVICE"});
  EXPECT_EQ(container["capabilities"]["drop"].as<std::vector<std::string>>(),
            std::vector<std::string>{"ALL"});
  EXPECT_FALSE(container["allowPrivilegeEscalation"].as<bool>());
  EXPECT_TRUE(restrictedViolations(pod).empty()) << "NET_BIND_SERVICE is allowed by restricted";
}

TEST(ChartRender, ExtraEnvVolumesAndMountsComeAfterTheChartsOwn) {
  const auto docs = renderWithValues("extra", R"(
extraEnv:
  - {name: HTTPS_PROXY, value: "http://proxy:3128"}
  - name: FROM_SECRET
    valueFrom: {secretKeyRef: {name: s, key: k}}
extraVolumes:
  - name: ca
    configMap: {name: corporate-ca}
extraVolumeMounts:
  - {name: ca, mountPath: /etc/ssl/corporate, readOnly: true}
)");
  const YAML::Node pod = podSpec(docs);
  const YAML::Node container = pod["containers"][0];
  EXPECT_EQ(names(container["env"]),
            (std::vector<std::string>{"POD_NAMESPACE", "POD_NAME", "PLUGIN_POLICY_FILE",
                                      "HTTPS_PROXY", "FROM_SECRET"}));
  EXPECT_EQ(container["env"][3]["value"].as<std::string>(), "http://proxy:3128");
  EXPECT_EQ(container["env"][4]["valueFrom"]["secretKeyRef"]["name"].as<std::string>(), "s");
  EXPECT_EQ(names(pod["volumes"]), (std::vector<std::string>{"tmp", "policy", "ca"}));
  EXPECT_EQ(pod["volumes"][2]["configMap"]["name"].as<std::string>(), "corporate-ca");
  EXPECT_EQ(names(container["volumeMounts"]), (std::vector<std::string>{"tmp", "policy", "ca"}));
  EXPECT_EQ(container["volumeMounts"][2]["mountPath"].as<std::string>(), "/etc/ssl/corporate");
  // Nothing extra by default.
  const YAML::Node plain = podSpec(documents(renderChart("extra", "ps", {})));
  EXPECT_EQ(names(plain["volumes"]), (std::vector<std::string>{"tmp", "policy"}));
}

TEST(ChartRender, PodDisruptionBudgetTakesExactlyOneBound) {
  auto pdbOf = [](const std::vector<std::string>& sets) {
    return ofKind(documents(renderChart("pdb", "ps", sets)), "PodDisruptionBudget");
  };
  const auto byDefault = pdbOf({"replicaCount=2"});
  ASSERT_EQ(byDefault.size(), 1u);
  EXPECT_EQ(byDefault[0]["spec"]["minAvailable"].as<int>(), 1);
  EXPECT_FALSE(byDefault[0]["spec"]["maxUnavailable"].IsDefined());

  const auto maxUnavailable = pdbOf({"replicaCount=3", "podDisruptionBudget.maxUnavailable=1"});
  ASSERT_EQ(maxUnavailable.size(), 1u);
  EXPECT_EQ(maxUnavailable[0]["spec"]["maxUnavailable"].as<int>(), 1);
  EXPECT_FALSE(maxUnavailable[0]["spec"]["minAvailable"].IsDefined());

  const auto percent = pdbOf({"replicaCount=3", "podDisruptionBudget.minAvailable=50%"});
  ASSERT_EQ(percent.size(), 1u);
  EXPECT_EQ(percent[0]["spec"]["minAvailable"].as<std::string>(), "50%");

  // null counts as not given: the other bound may then be set.
  const auto nulled = pdbOf({"replicaCount=2", "podDisruptionBudget.minAvailable=null",
                             "podDisruptionBudget.maxUnavailable=1"});
  ASSERT_EQ(nulled.size(), 1u);
  EXPECT_FALSE(nulled[0]["spec"]["minAvailable"].IsDefined());

  EXPECT_TRUE(pdbOf({"replicaCount=2", "podDisruptionBudget.enabled=false"}).empty());
  EXPECT_TRUE(pdbOf({"replicaCount=1", "podDisruptionBudget.enabled=true"}).empty())
      << "one replica: a PDB could only block drains";
}

TEST(ChartRender, ServiceMonitorNamespaceLabelsAndRelabelings) {
  const auto docs = renderWithValues("smon", R"(
metrics:
  serviceMonitor:
    enabled: true
    namespace: monitoring
    labels: {release: kube-prometheus-stack}
    relabelings:
      - {sourceLabels: [__meta_kubernetes_pod_node_name], targetLabel: node}
)");
  const auto monitors = ofKind(docs, "ServiceMonitor");
  ASSERT_EQ(monitors.size(), 1u);
  const YAML::Node monitor = monitors[0];
  EXPECT_EQ(monitor["metadata"]["namespace"].as<std::string>(), "monitoring");
  EXPECT_EQ(monitor["metadata"]["labels"]["release"].as<std::string>(), "kube-prometheus-stack");
  EXPECT_EQ(monitor["spec"]["namespaceSelector"]["matchNames"].as<std::vector<std::string>>(),
            std::vector<std::string>{"ps"});
  const YAML::Node endpoint = monitor["spec"]["endpoints"][0];
  EXPECT_EQ(endpoint["relabelings"][0]["targetLabel"].as<std::string>(), "node");
  // Beside the Service, no selector of namespaces is needed.
  const auto local =
      ofKind(documents(renderChart("smon", "ps", {"metrics.serviceMonitor.enabled=true"})),
             "ServiceMonitor");
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(local[0]["metadata"]["namespace"].as<std::string>(), "ps");
  EXPECT_FALSE(local[0]["spec"]["namespaceSelector"].IsDefined());
  EXPECT_FALSE(local[0]["spec"]["endpoints"][0]["relabelings"].IsDefined());
}

// global.imagePullSecrets was accepted and ignored; now it comes first, names or objects alike.
TEST(ChartRender, GlobalAndLocalImagePullSecretsAreHonoured) {
  const auto docs = renderWithValues("pull", R"(
global:
  imagePullSecrets: [mirror, {name: shared}]
imagePullSecrets:
  - name: shared
  - own
)");
  EXPECT_EQ(names(podSpec(docs)["imagePullSecrets"]),
            (std::vector<std::string>{"mirror", "shared", "own"}));
  const auto onlyGlobal =
      documents(renderChart("pull", "ps", {"global.imagePullSecrets={mirror}"}));
  EXPECT_EQ(names(podSpec(onlyGlobal)["imagePullSecrets"]), std::vector<std::string>{"mirror"});
  EXPECT_FALSE(podSpec(documents(renderChart("pull", "ps", {})))["imagePullSecrets"].IsDefined());
}

TEST(ChartRender, MaxRunningZeroMeansNoCap) {
  const auto args = containerArgs(
      ofKind(documents(renderChart("cap", "ps", {"controller.maxRunning=0"})), "Deployment").at(0));
  EXPECT_TRUE(hasArg(args, "--max-running=0"));
}

TEST(ChartRender, AllowedRuntimeClassesBecomeOneFlag) {
  const auto byDefault =
      containerArgs(ofKind(documents(renderChart("rc", "ps", {})), "Deployment").at(0));
  for (const auto& arg : byDefault) {
    EXPECT_EQ(arg.rfind("--allowed-runtime-classes", 0), std::string::npos) << arg;
  }
  const auto allowed = containerArgs(
      ofKind(documents(renderChart("rc", "ps", {"controller.allowedRuntimeClasses={gvisor,kata}"})),
             "Deployment")
          .at(0));
  EXPECT_TRUE(hasArg(allowed, "--allowed-runtime-classes=gvisor,kata"));
}

TEST(ChartRender, MaxRunningPerNamespaceIsPassedAndOffByDefault) {
  const auto byDefault =
      containerArgs(ofKind(documents(renderChart("cap", "ps", {})), "Deployment").at(0));
  EXPECT_TRUE(hasArg(byDefault, "--max-running-per-namespace=0"));
  const auto capped = containerArgs(
      ofKind(documents(renderChart("cap", "ps", {"controller.maxRunningPerNamespace=3"})),
             "Deployment")
          .at(0));
  EXPECT_TRUE(hasArg(capped, "--max-running-per-namespace=3"));
}

TEST(ChartRender, NetworkIsolationWaitIsPassedWithItsDefault) {
  const auto byDefault =
      containerArgs(ofKind(documents(renderChart("niw", "ps", {})), "Deployment").at(0));
  EXPECT_TRUE(hasArg(byDefault, "--network-isolation-wait=30"));
  const auto off = containerArgs(
      ofKind(documents(renderChart("niw", "ps", {"controller.networkIsolationWait=0"})),
             "Deployment")
          .at(0));
  EXPECT_TRUE(hasArg(off, "--network-isolation-wait=0"));
}

// The value as one --default-pod-template flag holding its JSON (the controller checks it), and
// no flag at all by default.
TEST(ChartRender, DefaultPodTemplateBecomesOneJsonFlag) {
  const auto byDefault =
      containerArgs(ofKind(documents(renderChart("dpt", "ps", {})), "Deployment").at(0));
  for (const auto& arg : byDefault) {
    EXPECT_EQ(arg.rfind("--default-pod-template", 0), std::string::npos) << arg;
  }
  const std::string value =
      R"({"nodeSelector":{"pool":"plugins"},"tolerations":[{"key":"plugins","operator":"Exists",)"
      R"("effect":"NoSchedule"}],"priorityClassName":"low","imagePullSecrets":[{"name":"mirror"}],)"
      R"("runtimeClassName":"gvisor","affinity":{"podAntiAffinity":{)"
      R"("preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{)"
      R"("topologyKey":"kubernetes.io/hostname","labelSelector":{"matchLabels":{"note":"a: b"}}}}]}}})";
  const CommandResult rendered =
      templateChart("dpt", "ps", {"--set-json", "controller.defaultPodTemplate=" + value});
  ASSERT_TRUE(rendered.ok()) << describe(rendered);
  const auto args = containerArgs(ofKind(documents(rendered.out), "Deployment").at(0));
  std::vector<std::string> flags;
  for (const auto& arg : args) {
    if (arg.rfind("--default-pod-template=", 0) == 0) flags.push_back(arg);
  }
  ASSERT_EQ(flags.size(), 1u);
  const YAML::Node passed =
      YAML::Load(flags[0].substr(std::string("--default-pod-template=").size()));
  EXPECT_TRUE(sameYaml(passed, YAML::Load(value))) << flags[0];
}

// createWatchNamespaces makes the missing ones (restricted, kept on uninstall), never the
// release's own. Offline, lookup sees no cluster, so every listed one counts as missing.
TEST(ChartRender, CreateWatchNamespacesRendersRestrictedKeptNamespaces) {
  const auto docs = documents(renderChart(
      "nsc", "ps", {"createWatchNamespaces=true", "watchNamespaces={team-a,ps,team-b}"}));
  std::vector<std::string> created;
  for (const YAML::Node& ns : ofKind(docs, "Namespace")) {
    created.push_back(ns["metadata"]["name"].as<std::string>());
    EXPECT_EQ(ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"].as<std::string>(),
              "restricted");
    EXPECT_EQ(ns["metadata"]["annotations"]["helm.sh/resource-policy"].as<std::string>(), "keep");
  }
  EXPECT_EQ(created, (std::vector<std::string>{"team-a", "team-b"}));
  EXPECT_TRUE(ofKind(documents(renderChart("nsc", "ps", {"watchNamespaces={team-a}"})), "Namespace")
                  .empty());
  // Without a cluster the existence check cannot run, so helm template still renders.
  EXPECT_EQ(
      ofKind(documents(renderChart("nsc", "ps", {"watchNamespaces={team-a}"})), "Role").size(), 2u);
}

// The default policy lists no plugin: NOTES say so and how to allow the example, instead of
// suggesting a run that can only be Rejected.
TEST(ChartRender, NotesSayTheDefaultPolicyAllowsNothing) {
  const std::string notes = renderNotes({});
  EXPECT_TRUE(contains(notes, "the policy allows no plugin")) << notes;
  EXPECT_TRUE(contains(notes, "The policy does not allow techdebt")) << notes;
  EXPECT_TRUE(contains(notes, "helm upgrade notes charts/plugin-sandbox -n ps --reuse-values"))
      << notes;
  EXPECT_TRUE(contains(notes, "policy=$(cat plugins/policy.json)")) << notes;
  EXPECT_TRUE(contains(notes, "kubectl -n NAMESPACE create configmap techdebt")) << notes;
}

TEST(ChartRender, NotesWithTheExamplePolicyShowARunThatIsAllowed) {
  const std::string policy = readFile(sourcePath("plugins/policy.json"));
  ASSERT_FALSE(policy.empty());
  const std::string notes =
      renderNotes({"--set-json", "policy=" + policy, "--set", "watchNamespaces={plugin-demo}"});
  EXPECT_FALSE(contains(notes, "allows no plugin")) << notes;
  EXPECT_FALSE(contains(notes, "does not allow techdebt")) << notes;
  EXPECT_TRUE(contains(notes, "kubectl -n plugin-demo create configmap techdebt")) << notes;
  EXPECT_TRUE(contains(notes, "kubectl -n plugin-demo wait pluginrun/techdebt-1")) << notes;
  // A policy allowing other plugins only: NOTES name them.
  const std::string other = renderNotes(
      {"--set-json", R"(policy={"plugins":{"example":{"permissions":["read_files"]}}})"});
  EXPECT_TRUE(contains(other, "The policy does not allow techdebt (it allows example)")) << other;
  EXPECT_FALSE(contains(other, "allows no plugin (")) << other;
}

// Every value of values.yaml is described by the schema, and every top-level one is in the
// README's chart section.
TEST(ChartRender, EveryValueIsInTheSchemaAndTheReadme) {
  const YAML::Node values = YAML::LoadFile(chartDir() + "/values.yaml");
  const YAML::Node schema = YAML::LoadFile(chartDir() + "/values.schema.json");
  const std::string readme = readFile(sourcePath("README.md"));
  const size_t begin = readme.find("<!-- section:chart -->");
  const size_t end = readme.find("<!-- /section:chart -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string chartSection = readme.substr(begin, end - begin);
  // The properties a schema node describes: its own, its $ref's and its allOf's.
  std::function<void(const YAML::Node&, std::map<std::string, YAML::Node>&)> collect =
      [&](const YAML::Node& node, std::map<std::string, YAML::Node>& into) {
        if (!node.IsMap()) return;
        for (const auto& property : node["properties"]) {
          into.emplace(property.first.as<std::string>(), property.second);
        }
        if (node["$ref"]) {
          const std::string ref = node["$ref"].as<std::string>();  // #/definitions/NAME
          collect(schema["definitions"][ref.substr(ref.rfind('/') + 1)], into);
        }
        for (const YAML::Node& part : node["allOf"]) collect(part, into);
      };
  std::function<void(const YAML::Node&, const YAML::Node&, const std::string&)> walk =
      [&](const YAML::Node& value, const YAML::Node& described, const std::string& path) {
        std::map<std::string, YAML::Node> properties;
        collect(described, properties);
        if (properties.empty()) return;  // a free-form object (resources, nodeSelector, ...)
        for (const auto& entry : value) {
          const std::string key = entry.first.as<std::string>();
          const std::string here = path.empty() ? key : path + "." + key;
          const auto found = properties.find(key);
          EXPECT_NE(found, properties.end()) << here << " is not in values.schema.json";
          if (found != properties.end() && entry.second.IsMap())
            walk(entry.second, found->second, here);
        }
      };
  walk(values, schema, "");
  for (const auto& entry : schema["properties"]) {
    const std::string key = entry.first.as<std::string>();
    EXPECT_TRUE(contains(chartSection, "`" + key)) << key << " is not in README's chart section";
  }
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
      {"crds.enabled=maybe", "/crds/enabled"},
      {"crds.keep=1", "/crds/keep"},
      {"crds.install=true", "/crds"},
      {"nameOverride=Not_A_Name", "/nameOverride"},
      {"fullnameOverride=" + std::string(64, 'a'), "/fullnameOverride"},
      {"podSecurityContext.runAsUsr=1000", "/podSecurityContext"},
      {"podSecurityContext.runAsUser=-1", "/podSecurityContext/runAsUser"},
      {"securityContext.privileged=yes", "/securityContext/privileged"},
      {"securityContext.seccompProfile.type=Permissive", "/securityContext/seccompProfile/type"},
      {"extraEnv[0].value=x", "/extraEnv/0"},  // no name
      {"extraEnv[0].name=PLUGIN_SIGNING_KEY", "/extraEnv/0/name"},
      {"extraEnv[0].name=POD_NAMESPACE", "/extraEnv/0/name"},
      {"extraVolumes[0].name=tmp", "/extraVolumes/0/name"},
      {"extraVolumes[0].name=ca", "/extraVolumes/0"},            // no source
      {"extraVolumeMounts[0].name=ca", "/extraVolumeMounts/0"},  // no mountPath
      {"extraVolumeMounts[0].mountPath=relative", "/extraVolumeMounts/0"},
      {"podDisruptionBudget.minAvailable=150%", "/podDisruptionBudget/minAvailable"},
      {"podDisruptionBudget.maxUnavailable=-1", "/podDisruptionBudget/maxUnavailable"},
      {"podDisruptionBudget.enabled=yes", "/podDisruptionBudget/enabled"},
      {"metrics.serviceMonitor.namespace=Bad_NS", "/metrics/serviceMonitor/namespace"},
      {"metrics.serviceMonitor.relabelings=drop", "/metrics/serviceMonitor/relabelings"},
      {"metrics.serviceMonitor.interval=soon", "/metrics/serviceMonitor/interval"},
      {"global.imagePullSecrets[0].nme=x", "/global/imagePullSecrets/0"},
      {"imagePullSecrets={Bad_Secret}", "/imagePullSecrets/0"},
      {"controller.maxRunning=-1", "/controller/maxRunning"},
      {"controller.maxRunningPerNamespace=-1", "/controller/maxRunningPerNamespace"},
      {"controller.allowedRuntimeClasses={Bad_Name}", "/controller/allowedRuntimeClasses/0"},
      {"controller.maxRunningPerNamespace=two", "/controller/maxRunningPerNamespace"},
      {"createWatchNamespaces=yes", "/createWatchNamespaces"},
      {"controller.networkIsolationWait=601", "/controller/networkIsolationWait"},
      {"controller.networkIsolationWait=-1", "/controller/networkIsolationWait"},
      {"controller.networkIsolationWait=soon", "/controller/networkIsolationWait"},
      {"controller.defaultPodTemplate.hostNetwork=true", "/controller/defaultPodTemplate"},
      {"controller.defaultPodTemplate.tolerations[0].effect=Evict",
       "/controller/defaultPodTemplate/tolerations/0/effect"},
      {"controller.defaultPodTemplate.runtimeClassName=Bad_Name",
       "/controller/defaultPodTemplate/runtimeClassName"},
      {"controller.defaultPodTemplate.affinity.nodeAfinity.x=1",
       "/controller/defaultPodTemplate/affinity"},
      {"controller.defaultPodTemplate.imagePullSecrets[0].nme=x",
       "/controller/defaultPodTemplate/imagePullSecrets/0"},
  };
  // Both PodDisruptionBudget bounds at once (the API server would refuse the object).
  {
    const CommandResult both = templateChart("bad", "ps",
                                             {"--set", "podDisruptionBudget.minAvailable=1",
                                              "--set", "podDisruptionBudget.maxUnavailable=1"});
    EXPECT_FALSE(both.ok()) << "minAvailable and maxUnavailable were both accepted";
    EXPECT_TRUE(contains(both.err, "/podDisruptionBudget")) << both.err;
  }
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
  const YAML::Node deployment = ofKind(docs, "Deployment").at(0);
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
  const auto args = containerArgs(ofKind(docs, "Deployment").at(0));
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
  const YAML::Node deployment = ofKind(docs, "Deployment").at(0);
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
  EXPECT_EQ(ofKind(docs, "ServiceMonitor").at(0)["spec"]["endpoints"][0]["port"].as<std::string>(),
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
