// helm install for real, then what the chart's ServiceAccount may and may not do (kubectl auth
// can-i with impersonation, plus real requests that must be Forbidden), then helm uninstall.
#include <gtest/gtest.h>

#include "chart_fixture.h"

namespace ps::testing {
namespace {

struct Access {
  std::string verb;
  std::string resource;  // resource.group, optionally with --subresource handled below
  std::string ns;        // empty: cluster-wide (--all-namespaces)
  std::string subresource;
};

std::string label(const Access& a) {
  return a.verb + " " + a.resource + (a.subresource.empty() ? "" : "/" + a.subresource) + " in " +
         (a.ns.empty() ? "all namespaces" : a.ns);
}

class ChartRbac : public ::testing::Test {
 protected:
  void SetUp() override {
    system_ = std::make_unique<TestNamespace>(cluster().uniqueNamespace("chart-sys"));
    watched_ = std::make_unique<TestNamespace>(cluster().uniqueNamespace("chart-watched"));
    other_ = std::make_unique<TestNamespace>(cluster().uniqueNamespace("chart-other"));
    // Cluster-scoped names derive from the release: unique per run, so runs never collide.
    release_ = "rbac-" + system_->name().substr(system_->name().size() - 6);
    fullname_ = release_ + "-plugin-sandbox";
    serviceAccount_ = "system:serviceaccount:" + system_->name() + ":" + fullname_;
  }

  CommandResult install(const std::vector<std::string>& sets) {
    std::vector<std::string> args{"install",       release_, chartDir(),          "--namespace",
                                  system_->name(), "--set",  "crds.enabled=false"};
    for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
    return helm(args);
  }

  bool can(const Access& a) {
    std::vector<std::string> args{"auth", "can-i", a.verb, a.resource, "--as", serviceAccount_};
    if (a.ns.empty()) {
      args.push_back("--all-namespaces");
    } else {
      args.insert(args.end(), {"-n", a.ns});
    }
    if (!a.subresource.empty()) args.push_back("--subresource=" + a.subresource);
    const CommandResult result = cluster().kubectl(args);
    EXPECT_TRUE(result.exitCode == 0 || result.exitCode == 1) << label(a) << ": " << result.err;
    return result.exitCode == 0;
  }

  std::vector<Access> needed(const std::string& ns) const {
    std::vector<Access> list;
    for (const char* verb : {"get", "list", "watch"}) {
      list.push_back({verb, "pluginruns.sandbox.plugins.dev", ns, ""});
      list.push_back({verb, "configmaps", ns, ""});
    }
    // ttlSecondsAfterFinished: the controller deletes finished runs.
    list.push_back({"delete", "pluginruns.sandbox.plugins.dev", ns, ""});
    for (const char* verb : {"update", "patch"}) {
      list.push_back({verb, "pluginruns.sandbox.plugins.dev", ns, "status"});
    }
    for (const char* verb : {"create", "get", "list", "watch", "delete"}) {
      list.push_back({verb, "pods", ns, ""});
    }
    for (const char* verb : {"get", "list", "create", "update"}) {
      list.push_back({verb, "networkpolicies.networking.k8s.io", ns, ""});
    }
    for (const char* verb : {"create", "patch"}) {
      list.push_back({verb, "events", ns, ""});
      list.push_back({verb, "events.events.k8s.io", ns, ""});
    }
    return list;
  }

  std::vector<Access> forbidden(const std::string& ns) const {
    std::vector<Access> list;
    for (const char* verb : {"get", "list", "watch"}) list.push_back({verb, "secrets", ns, ""});
    for (const char* verb : {"update", "patch", "create"}) {
      list.push_back({verb, "pluginruns.sandbox.plugins.dev", ns, ""});
    }
    for (const char* verb : {"delete", "create", "update", "patch"}) {
      list.push_back({verb, "configmaps", ns, ""});
    }
    list.push_back({"get", "pods", ns, "log"});
    list.push_back({"create", "pods", ns, "exec"});
    list.push_back({"delete", "networkpolicies.networking.k8s.io", ns, ""});
    list.push_back({"create", "leases.coordination.k8s.io", ns, ""});
    list.push_back({"create", "serviceaccounts", ns, "token"});
    list.push_back({"create", "rolebindings.rbac.authorization.k8s.io", ns, ""});
    return list;
  }

  void expectMatrix(const std::vector<Access>& allowed, const std::vector<Access>& denied) {
    // The authorizer learns new bindings through a watch: wait until the first and last grants
    // (different bindings) are seen.
    ASSERT_FALSE(allowed.empty());
    for (const Access* probe : {&allowed.front(), &allowed.back()}) {
      EXPECT_TRUE(waitFor([&] { return can(*probe); }, std::chrono::seconds(30),
                          "the release's RBAC to take effect (" + label(*probe) + ")"));
    }
    for (const Access& a : allowed) EXPECT_TRUE(can(a)) << "cannot " << label(a);
    for (const Access& a : denied) EXPECT_FALSE(can(a)) << "can " << label(a);
  }

  void expectUninstallCleansUp(const std::vector<std::string>& namespaces) {
    const CommandResult uninstall = helm({"uninstall", release_, "--namespace", system_->name()});
    ASSERT_TRUE(uninstall.ok()) << describe(uninstall);
    const std::string selector = "app.kubernetes.io/instance=" + release_;
    for (const std::string& ns : namespaces) {
      EXPECT_TRUE(waitFor(
          [&] {
            const CommandResult left = cluster().kubectl(
                {"get",
                 "deployments,serviceaccounts,configmaps,services,secrets,roles,rolebindings", "-n",
                 ns, "-l", selector, "-o", "name"});
            return left.ok() && left.out.empty();
          },
          std::chrono::seconds(60), "the release's objects to leave " + ns));
    }
    for (const char* kind : {"clusterrole", "clusterrolebinding"}) {
      const CommandResult left =
          cluster().kubectl({"get", kind, fullname_, "--ignore-not-found", "-o", "name"});
      EXPECT_TRUE(left.ok() && left.out.empty())
          << kind << " outlived helm uninstall: " << left.out;
    }
  }

  std::unique_ptr<TestNamespace> system_, watched_, other_;
  std::string release_, fullname_, serviceAccount_;
};

TEST_F(ChartRbac, WatchingOneNamespaceGrantsExactlyWhatTheControllerNeedsThere) {
  const CommandResult installed = install({"watchNamespaces={" + watched_->name() + "}"});
  ASSERT_TRUE(installed.ok()) << describe(installed);
  EXPECT_NE(installed.out.find("STATUS: deployed"), std::string::npos) << installed.out;

  std::vector<Access> allowed = needed(watched_->name());
  for (const char* verb : {"get", "create", "update"}) {
    allowed.push_back({verb, "leases.coordination.k8s.io", system_->name(), ""});
  }
  std::vector<Access> denied = forbidden(watched_->name());
  for (const std::string& ns : {other_->name(), system_->name(), std::string("default")}) {
    denied.push_back({"create", "pods", ns, ""});
    denied.push_back({"list", "pluginruns.sandbox.plugins.dev", ns, ""});
    denied.push_back({"get", "secrets", ns, ""});
  }
  denied.push_back({"list", "pods", "", ""});
  denied.push_back({"create", "leases.coordination.k8s.io", other_->name(), ""});
  expectMatrix(allowed, denied);

  // Real requests, not only the authorizer's opinion.
  const CommandResult secrets =
      cluster().kubectl({"get", "secrets", "-n", watched_->name(), "--as", serviceAccount_});
  EXPECT_FALSE(secrets.ok());
  EXPECT_NE(secrets.err.find("Forbidden"), std::string::npos) << secrets.err;
  ASSERT_TRUE(cluster()
                  .kubectl({"-n", watched_->name(), "create", "-f", "-"},
                           "apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\n"
                           "metadata: {name: r1}\nspec: {plugin: {configMap: techdebt}}\n")
                  .ok());
  const CommandResult specPatch =
      cluster().kubectl({"-n", watched_->name(), "patch", "pluginrun", "r1", "--type=merge", "-p",
                         R"({"metadata":{"labels":{"x":"y"}}})", "--as", serviceAccount_});
  EXPECT_FALSE(specPatch.ok());
  EXPECT_NE(specPatch.err.find("Forbidden"), std::string::npos) << specPatch.err;
  // The controller PUTs the status subresource (no GET of pluginruns/status, which kubectl
  // patch would do first): the same raw request, as the ServiceAccount.
  const CommandResult current =
      cluster().kubectl({"-n", watched_->name(), "get", "pluginrun", "r1", "-o", "json"});
  ASSERT_TRUE(current.ok()) << describe(current);
  std::string withStatus = current.out;
  const auto end = withStatus.rfind('}');
  ASSERT_NE(end, std::string::npos);
  withStatus.insert(end, R"(, "status": {"pluginID": "techdebt"})");
  const std::string path =
      "/apis/sandbox.plugins.dev/v1alpha1/namespaces/" + watched_->name() + "/pluginruns/r1/status";
  const CommandResult statusPut =
      cluster().kubectl({"replace", "--raw", path, "-f", "-", "--as", serviceAccount_}, withStatus);
  EXPECT_TRUE(statusPut.ok()) << describe(statusPut);
  EXPECT_NE(statusPut.out.find(R"("pluginID":"techdebt")"), std::string::npos) << statusPut.out;

  expectUninstallCleansUp({system_->name(), watched_->name()});
}

TEST_F(ChartRbac, WatchingAllNamespacesStillCannotReadSecretsOrChangeSpecs) {
  const CommandResult installed = install({});
  ASSERT_TRUE(installed.ok()) << describe(installed);
  std::vector<Access> allowed = needed(other_->name());
  allowed.push_back({"list", "pluginruns.sandbox.plugins.dev", "", ""});
  allowed.push_back({"watch", "pods", "", ""});
  std::vector<Access> denied = forbidden(other_->name());
  denied.push_back({"list", "secrets", "", ""});
  denied.push_back({"create", "leases.coordination.k8s.io", other_->name(), ""});
  expectMatrix(allowed, denied);
  expectUninstallCleansUp({system_->name()});
}

}  // namespace
}  // namespace ps::testing
