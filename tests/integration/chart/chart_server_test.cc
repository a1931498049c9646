// The chart against the real API server: NOTES of `helm install --dry-run` (helm connects for it),
// server-side dry runs of renderings, Pod Security admission of the controller Pod, and what
// `helm install` does with watched namespaces that do not exist.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "chart_fixture.h"

namespace ps::testing {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The test cluster's CRD was applied from crds/ by kubectl: every release here leaves it alone.
const std::vector<std::string> kNoCrd{"--set", "crds.enabled=false"};

std::vector<std::string> withNoCrd(std::vector<std::string> args) {
  args.insert(args.end(), kNoCrd.begin(), kNoCrd.end());
  return args;
}

// The lines of helm's stderr but its own warnings (e.g. about the kubeconfig's file mode).
std::vector<std::string> errorLines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty() && line.rfind("WARNING:", 0) != 0) result.push_back(line);
  }
  return result;
}

// The release's objects of one kind in a namespace ("" = cluster-scoped), by Helm's label.
std::string releaseObjects(const std::string& kind, const std::string& ns,
                           const std::string& release) {
  std::vector<std::string> args{"get", kind,  "-l", "app.kubernetes.io/instance=" + release,
                                "-o",  "name"};
  if (!ns.empty()) args.insert(args.end(), {"-n", ns});
  const CommandResult listed = cluster().kubectl(args);
  EXPECT_TRUE(listed.ok()) << describe(listed);
  return listed.out;
}

TEST(ChartServer, NoPolicyMeansNoConfigMapAndAWarning) {
  const CommandResult install = helm(withNoCrd({"install", "nopolicy", chartDir(), "--namespace",
                                                "ps", "--dry-run", "--set", "policy=null"}));
  ASSERT_TRUE(install.ok()) << describe(install);
  EXPECT_FALSE(contains(install.out, "PLUGIN_POLICY_FILE"));
  EXPECT_FALSE(contains(install.out, "name: nopolicy-plugin-sandbox-policy"));
  EXPECT_TRUE(contains(install.out, "WARNING: no policy configured"));
}

TEST(ChartServer, NotesTellHowToWaitForSuccessAndFailureAndArgoHealth) {
  const CommandResult install =
      helm(withNoCrd({"install", "notes", chartDir(), "--namespace", "ps", "--dry-run"}));
  ASSERT_TRUE(install.ok()) << describe(install);
  for (const std::string expected :
       {"--for=condition=Succeeded", "--for=condition=Stalled", "resource.customizations.health",
        "hs.status = \"Degraded\"", "kstatus", "the policy allows no plugin",
        "The policy does not allow techdebt"}) {
    EXPECT_TRUE(contains(install.out, expected)) << "NOTES lack " << expected;
  }
}

// The API server itself accepts every rendered object (schemas, RBAC, policy/v1 PDB).
TEST(ChartServer, ServerAcceptsDefaultAndVariantRenderings) {
  auto system = cluster().uniqueNamespace("chart-dry");
  auto watched = cluster().uniqueNamespace("chart-dry-w");
  for (const std::vector<std::string>& sets :
       {std::vector<std::string>{},
        {"watchNamespaces={" + watched.name() + "}", "image.digest=" + kDigest,
         "sandboxImage.digest=" + kDigest, "replicaCount=2", "metrics.serviceMonitor.enabled=false",
         "signing.existingSecret=keys"},
        // The cert-manager-style values, all at once.
        {"nameOverride=plugin-sandbox", "crds.keep=false", "global.imagePullSecrets={mirror}",
         "imagePullSecrets[0].name=own", "controller.maxRunning=0", "replicaCount=3",
         "podDisruptionBudget.maxUnavailable=34%", "extraEnv[0].name=HTTPS_PROXY",
         "extraEnv[0].value=http://proxy:3128", "extraVolumes[0].name=ca",
         "extraVolumes[0].configMap.name=ca", "extraVolumeMounts[0].name=ca",
         "extraVolumeMounts[0].mountPath=/etc/ssl/extra", "podSecurityContext.runAsUser=1000",
         "securityContext.capabilities.add={NET_BIND_SERVICE}"}}) {
    const std::string rendered = renderChart("dry", system.name(), sets);
    ASSERT_FALSE(rendered.empty());
    const CommandResult applied =
        cluster().kubectl({"apply", "--dry-run=server", "--validate=strict", "-f", "-"}, rendered);
    EXPECT_TRUE(applied.ok()) << describe(applied);
    EXPECT_TRUE(
        contains(applied.out, "deployment.apps/dry-plugin-sandbox created (server dry run)"))
        << applied.out;
    // The CRD too (crds.enabled by default): the rendered object is valid for the server.
    EXPECT_TRUE(contains(applied.out,
                         "customresourcedefinition.apiextensions.k8s.io/"
                         "pluginruns.sandbox.plugins.dev"))
        << applied.out;
  }
}

// The controller Pod as the Deployment makes it, in a namespace enforcing Pod Security
// `restricted`: admitted with the defaults (and merged overrides that stay restricted), refused
// once a value weakens it, so the check can fail.
TEST(ChartServer, RestrictedAdmissionAcceptsTheControllerPod) {
  auto restricted = cluster().uniqueNamespace("chart-psa");
  const CommandResult labelled = cluster().kubectl(
      {"label", "namespace", restricted.name(), "pod-security.kubernetes.io/enforce=restricted"});
  ASSERT_TRUE(labelled.ok()) << describe(labelled);
  auto podFrom = [&](const std::vector<std::string>& sets) {
    const auto docs = documents(renderChart("psa", restricted.name(), sets));
    YAML::Node pod;
    pod["apiVersion"] = "v1";
    pod["kind"] = "Pod";
    pod["metadata"]["name"] = "psa-controller";
    pod["spec"] = ofKind(docs, "Deployment").at(0)["spec"]["template"]["spec"];
    pod["spec"]["serviceAccountName"] = "default";  // the chart's own is not made here
    return YAML::Dump(pod);
  };
  for (const std::vector<std::string>& sets :
       {std::vector<std::string>{},
        {"signing.existingSecret=keys", "podSecurityContext.runAsUser=1000",
         "securityContext.capabilities.add={NET_BIND_SERVICE}", "extraVolumes[0].name=ca",
         "extraVolumes[0].configMap.name=ca", "extraVolumeMounts[0].name=ca",
         "extraVolumeMounts[0].mountPath=/etc/ssl/extra"}}) {
    const CommandResult admitted = cluster().kubectl(
        {"create", "--dry-run=server", "-n", restricted.name(), "-f", "-"}, podFrom(sets));
    EXPECT_TRUE(admitted.ok()) << ::testing::PrintToString(sets) << "\n" << describe(admitted);
  }
  const CommandResult weakened =
      cluster().kubectl({"create", "--dry-run=server", "-n", restricted.name(), "-f", "-"},
                        podFrom({"securityContext.allowPrivilegeEscalation=true"}));
  EXPECT_FALSE(weakened.ok()) << "a Pod allowing privilege escalation was admitted";
  EXPECT_TRUE(contains(weakened.err, "violates PodSecurity")) << weakened.err;
}

// watchNamespaces naming a namespace that does not exist: one line, and nothing made — no
// release, no Role, no ClusterRole, no Deployment — on install and on a server dry run alike.
TEST(ChartServer, InstallRefusesAMissingWatchNamespaceBeforeMakingAnything) {
  auto system = cluster().uniqueNamespace("chart-miss");
  auto watched = cluster().uniqueNamespace("chart-miss-w");
  const std::string release = "miss-" + system.name().substr(system.name().size() - 6);
  const std::string missing = "absent-" + system.name().substr(system.name().size() - 6);
  for (const std::string& dryRun : {std::string("--dry-run=server"), std::string()}) {
    std::vector<std::string> args{"install",
                                  release,
                                  chartDir(),
                                  "--namespace",
                                  system.name(),
                                  "--set",
                                  "watchNamespaces={" + watched.name() + "," + missing + "}"};
    if (!dryRun.empty()) args.push_back(dryRun);
    const CommandResult install = helm(withNoCrd(args));
    EXPECT_FALSE(install.ok()) << dryRun << ": installed with a missing namespace";
    EXPECT_TRUE(contains(install.err, "watchNamespaces: namespace " + missing +
                                          " does not exist: create it first, or set "
                                          "createWatchNamespaces=true"))
        << install.err;
    const auto errors = errorLines(install.err);
    ASSERT_EQ(errors.size(), 1u) << install.err;
    EXPECT_EQ(errors[0].rfind("Error: INSTALLATION FAILED: ", 0), 0u) << errors[0];
  }
  EXPECT_FALSE(helm({"status", release, "--namespace", system.name()}).ok()) << "a release exists";
  EXPECT_EQ(releaseObjects("roles", watched.name(), release), "");
  EXPECT_EQ(releaseObjects("deployments,serviceaccounts,roles", system.name(), release), "");
  EXPECT_EQ(releaseObjects("clusterroles", "", release), "");
  // Existing namespaces only: the same install goes through.
  const CommandResult fine =
      helm(withNoCrd({"install", release, chartDir(), "--namespace", system.name(), "--set",
                      "watchNamespaces={" + watched.name() + "}"}));
  EXPECT_TRUE(fine.ok()) << describe(fine);
  helm({"uninstall", release, "--namespace", system.name()});
}

// createWatchNamespaces: the missing namespace is made (restricted) with the release's Role in
// it, survives an upgrade and the uninstall; an existing namespace is used, not taken over.
TEST(ChartServer, CreateWatchNamespacesMakesTheMissingOnesAndKeepsThem) {
  auto system = cluster().uniqueNamespace("chart-mk");
  auto existing = cluster().uniqueNamespace("chart-mk-e");
  const std::string suffix = system.name().substr(system.name().size() - 6);
  const std::string release = "mk-" + suffix;
  const std::string fresh = "made-" + suffix;
  TestNamespace cleanup(fresh, cluster());  // deleted at the end whatever happens
  const std::vector<std::string> args =
      withNoCrd({"--namespace", system.name(), "--set", "createWatchNamespaces=true", "--set",
                 "watchNamespaces={" + fresh + "," + existing.name() + "}"});
  std::vector<std::string> install{"install", release, chartDir()};
  install.insert(install.end(), args.begin(), args.end());
  const CommandResult installed = helm(install);
  ASSERT_TRUE(installed.ok()) << describe(installed);

  const CommandResult enforce =
      cluster().kubectl({"get", "namespace", fresh, "-o",
                         R"(jsonpath={.metadata.labels.pod-security\.kubernetes\.io/enforce})"});
  EXPECT_EQ(enforce.out, "restricted") << describe(enforce);
  EXPECT_NE(releaseObjects("roles", fresh, release), "");
  EXPECT_NE(releaseObjects("roles", existing.name(), release), "");
  const CommandResult untouched =
      cluster().kubectl({"get", "namespace", existing.name(), "-o",
                         R"(jsonpath={.metadata.annotations.meta\.helm\.sh/release-name})"});
  EXPECT_EQ(untouched.out, "") << "the existing namespace was taken over";

  // An upgrade still renders the namespace it made (else Helm would delete it).
  std::vector<std::string> upgrade{"upgrade", release, chartDir()};
  upgrade.insert(upgrade.end(), args.begin(), args.end());
  const CommandResult upgraded = helm(upgrade);
  EXPECT_TRUE(upgraded.ok()) << describe(upgraded);
  EXPECT_TRUE(cluster().kubectl({"get", "namespace", fresh}).ok()) << "upgrade removed " << fresh;

  const CommandResult uninstalled = helm({"uninstall", release, "--namespace", system.name()});
  EXPECT_TRUE(uninstalled.ok()) << describe(uninstalled);
  const CommandResult phase =
      cluster().kubectl({"get", "namespace", fresh, "-o", "jsonpath={.status.phase}"});
  EXPECT_EQ(phase.out, "Active") << "uninstall deleted " << fresh << ": " << describe(phase);
}

// A CRD that Helm did not make (here: the test cluster's, from crds/) is not taken over: the
// default crds.enabled install fails with Helm's ownership message and makes nothing, as the
// README's upgrade note says.
TEST(ChartServer, DefaultInstallRefusesACrdItDidNotMake) {
  auto system = cluster().uniqueNamespace("chart-crd");
  const std::string release = "crd-" + system.name().substr(system.name().size() - 6);
  const CommandResult install =
      helm({"install", release, chartDir(), "--namespace", system.name()});
  EXPECT_FALSE(install.ok()) << "took over the CRD applied by kubectl";
  EXPECT_TRUE(contains(install.err, "pluginruns.sandbox.plugins.dev")) << install.err;
  EXPECT_TRUE(contains(install.err, "invalid ownership metadata")) << install.err;
  EXPECT_EQ(releaseObjects("deployments,serviceaccounts", system.name(), release), "");
  const CommandResult crd =
      cluster().kubectl({"get", "crd", "pluginruns.sandbox.plugins.dev", "-o",
                         R"(jsonpath={.metadata.annotations.meta\.helm\.sh/release-name})"});
  EXPECT_TRUE(crd.ok()) << describe(crd);
  EXPECT_EQ(crd.out, "");
}

}  // namespace
}  // namespace ps::testing
