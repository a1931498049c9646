// plugin-controller run end to end as the chart's ServiceAccount: helm install (RBAC,
// ServiceAccount, policy ConfigMap), a token from the TokenRequest API, a kubeconfig holding only
// that token, and the controller started with it. Its log must show no 403; the test plays the
// kubelet as admin. Then real requests as that identity: Secrets and Pods outside the watched
// namespaces are Forbidden.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "chart_fixture.h"
#include "controller_process.h"

namespace ps::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kWait = 60s;

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ChartController : public ::testing::Test {
 protected:
  void SetUp() override {
    system_.emplace(cluster().uniqueNamespace("chart-ctl-sys"));
    watched_.emplace(cluster().uniqueNamespace("chart-ctl-watched"));
    other_.emplace(cluster().uniqueNamespace("chart-ctl-other"));
    release_ = "ctl-" + system_->name().substr(system_->name().size() - 6);
    fullname_ = release_ + "-plugin-sandbox";
    workDir_ = std::filesystem::temp_directory_path() / system_->name();
    std::filesystem::create_directories(workDir_);
  }
  void TearDown() override {
    if (controller_ && HasFailure()) std::cerr << "controller log:\n" << controller_->log();
    controller_.reset();
    if (!release_.empty()) helm({"uninstall", release_, "--namespace", system_->name()});
    std::filesystem::remove_all(workDir_);
  }

  // helm install with the given watched namespaces and the example plugin allowed.
  void install(const std::vector<std::string>& watched) {
    std::string list;
    for (const auto& ns : watched) list += (list.empty() ? "" : ",") + ns;
    const CommandResult installed =
        helm({"install", release_, chartDir(), "--namespace", system_->name(), "--set",
              "crds.enabled=false", "--set", "watchNamespaces={" + list + "}", "--set",
              "controller.leaderElect=true", "--set-json",
              R"(policy={"plugins":{"example":{"permissions":["read_files"]}}})", "--set-file",
              "signing.publicKeys=" + sourcePath("plugins/keys/demo.pub.pem")});
    ASSERT_TRUE(installed.ok()) << describe(installed);
  }

  // A kubeconfig whose only credential is a fresh token of the release's ServiceAccount; ready
  // once that identity may list PluginRuns in `probe` (a namespace the release watches).
  void writeServiceAccountKubeconfig(const std::string& probe) {
    const CommandResult token = cluster().kubectl(
        {"create", "token", fullname_, "-n", system_->name(), "--duration", "1h"});
    ASSERT_TRUE(token.ok()) << describe(token);
    std::string bearer = token.out;
    while (!bearer.empty() && (bearer.back() == '\n' || bearer.back() == '\r')) bearer.pop_back();
    kubeconfig_ = (workDir_ / "sa.kubeconfig").string();
    std::ofstream(kubeconfig_) << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n"
                               << "  cluster:\n    server: " << cluster().serverUrl() << "\n"
                               << "    certificate-authority: " << cluster().stateDir()
                               << "/pki/ca.crt\nusers:\n- name: sa\n  user:\n    token: " << bearer
                               << "\ncontexts:\n- name: sa\n  context:\n"
                               << "    cluster: test\n    user: sa\ncurrent-context: sa\n";
    // The authorizer learns new RoleBindings through a watch: wait until the grant is visible.
    ASSERT_TRUE(waitFor(
        [&] {
          return asServiceAccount({"-n", probe, "get", "pluginruns"}).ok();
        },
        30s, "the ServiceAccount to be allowed to list PluginRuns"));
  }

  // The policy exactly as the chart rendered it into its ConfigMap.
  std::string writeChartPolicy() {
    const CommandResult policy =
        cluster().kubectl({"get", "configmap", fullname_ + "-policy", "-n", system_->name(), "-o",
                           "jsonpath={.data.policy\\.json}"});
    EXPECT_TRUE(policy.ok()) << describe(policy);
    const std::string path = (workDir_ / "policy.json").string();
    std::ofstream(path) << policy.out;
    return path;
  }

  // The controller's arguments exactly as the installed Deployment passes them, except the
  // listeners (a free loopback port instead of :8080/:8081, which this host may not have free)
  // and, for the negative case, `--namespace`.
  std::vector<std::string> deploymentArgs(const std::string& namespaces) {
    const CommandResult args =
        cluster().kubectl({"get", "deployment", fullname_, "-n", system_->name(), "-o",
                           "jsonpath={.spec.template.spec.containers[0].args}"});
    EXPECT_TRUE(args.ok()) << describe(args);
    const json rendered = json::parse(args.out, nullptr, false);
    EXPECT_TRUE(rendered.is_array()) << args.out;
    std::vector<std::string> result{"--kubeconfig", kubeconfig_};
    for (const json& arg : rendered.is_array() ? rendered : json::array()) {
      const std::string text = arg.get<std::string>();
      if (text.rfind("--metrics-bind-address=", 0) == 0) {
        result.push_back("--metrics-bind-address=127.0.0.1:" + std::to_string(metricsPort_));
      } else if (text.rfind("--health-probe-bind-address=", 0) == 0) {
        result.push_back("--health-probe-bind-address=0");
      } else if (text.rfind("--namespace=", 0) == 0) {
        result.push_back("--namespace=" + namespaces);
      } else {
        result.push_back(text);
      }
    }
    return result;
  }

  // Started as the Deployment would start it: its args, POD_NAMESPACE/POD_NAME as the Downward
  // API sets them (the Lease goes to POD_NAMESPACE), the chart's policy and keys.
  void startController(const std::string& namespaces) {
    const std::string policy = writeChartPolicy();
    metricsPort_ = freeLoopbackPort();
    const std::vector<std::string> args = deploymentArgs(namespaces);
    EXPECT_NE(std::find(args.begin(), args.end(), "--leader-elect=true"), args.end());
    controller_ = std::make_unique<ControllerProcess>(
        args,
        std::vector<std::string>{"POD_NAMESPACE=" + system_->name(),
                                 "POD_NAME=" + fullname_ + "-test", "PLUGIN_POLICY_FILE=" + policy,
                                 "PLUGIN_SIGNING_KEY=" + sourcePath("plugins/keys/demo.pub.pem")},
        (workDir_ / "controller.log").string());
  }

  void installAndStart(const std::vector<std::string>& watched) {
    ASSERT_NO_FATAL_FAILURE(install(watched));
    ASSERT_NO_FATAL_FAILURE(writeServiceAccountKubeconfig(watched.at(0)));
    std::string list;
    for (const auto& ns : watched) list += (list.empty() ? "" : ",") + ns;
    startController(list);
    ASSERT_TRUE(
        waitFor([&] { return controller_->log().find("\"started leading\"") != std::string::npos; },
                kWait, "the controller to take the Lease as the ServiceAccount"));
  }

  CommandResult asServiceAccount(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", kubeconfig_});
    return runCommand(args, input);
  }

  // Admin requests (the test's own part: creating runs, playing the kubelet).
  CommandResult admin(const std::string& ns, std::vector<std::string> args,
                      const std::string& input = "") const {
    args.insert(args.begin(), {"-n", ns});
    return cluster().kubectl(args, input);
  }
  json get(const std::string& ns, const std::string& kind, const std::string& name) const {
    const CommandResult result = admin(ns, {"get", kind, name, "-o", "json"});
    return result.ok() ? json::parse(result.out, nullptr, false) : json();
  }
  // The run's status, an empty object until the controller writes one.
  json status(const std::string& ns, const std::string& run) const {
    json object = get(ns, "pluginrun", run);
    if (!object.is_object() || !object.contains("status") || !object["status"].is_object()) {
      return json::object();
    }
    return object["status"];
  }
  bool exists(const std::string& ns, const std::string& kind, const std::string& name) const {
    const CommandResult result = admin(ns, {"get", kind, name, "--ignore-not-found", "-o", "name"});
    return result.ok() && !result.out.empty();
  }

  void createPluginConfigMap(const std::string& ns, const std::string& plugin) {
    const std::string dir = sourcePath("plugins/" + plugin);
    json configMap = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", {{"name", plugin}}},
                      {"data",
                       {{"manifest.json", readText(dir + "/manifest.json")},
                        {"plugin.py", readText(dir + "/plugin.py")}}}};
    const CommandResult applied = admin(ns, {"apply", "-f", "-"}, configMap.dump());
    ASSERT_TRUE(applied.ok()) << describe(applied);
  }
  void createRun(const std::string& ns, const std::string& name, const std::string& plugin,
                 const json& extraSpec = json::object()) {
    json spec = {{"plugin", {{"configMap", plugin}}}};
    spec.update(extraSpec);
    json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                {"kind", "PluginRun"},
                {"metadata", {{"name", name}}},
                {"spec", spec}};
    const CommandResult applied = admin(ns, {"apply", "-f", "-"}, run.dump());
    ASSERT_TRUE(applied.ok()) << describe(applied);
  }

  // "status/reason" of the run's Succeeded condition, "" when absent.
  std::string succeeded(const std::string& ns, const std::string& run) const {
    for (const json& entry : status(ns, run).value("conditions", json::array())) {
      if (entry.value("type", "") == "Succeeded") {
        return entry.value("status", "") + "/" + entry.value("reason", "");
      }
    }
    return "";
  }
  ::testing::AssertionResult waitSucceeded(const std::string& ns, const std::string& run,
                                           const std::string& expected) {
    return waitFor([&] { return succeeded(ns, run) == expected; }, kWait,
                   ns + "/" + run + " Succeeded == " + expected);
  }
  std::string waitPod(const std::string& ns, const std::string& run) {
    std::string pod;
    EXPECT_TRUE(waitFor(
        [&] {
          pod = status(ns, run).value("podName", "");
          return !pod.empty() && exists(ns, "pod", pod);
        },
        kWait, "the Pod of " + ns + "/" + run));
    return pod;
  }

  // The kubelet's part: the plugin container ran and exited 0 with `message`.
  void finishPod(const std::string& ns, const std::string& pod, const std::string& message) {
    json status = {{"phase", "Succeeded"},
                   {"startTime", "2026-01-01T00:00:00Z"},
                   {"containerStatuses",
                    {{{"name", "plugin"},
                      {"ready", false},
                      {"restartCount", 0},
                      {"image", "sandbox"},
                      {"imageID", ""},
                      {"state",
                       {{"terminated",
                         {{"exitCode", 0},
                          {"reason", "Completed"},
                          {"message", message},
                          {"startedAt", "2026-01-01T00:00:01Z"},
                          {"finishedAt", "2026-01-01T00:00:02Z"}}}}}}}}};
    const CommandResult patched =
        admin(ns, {"patch", "pod", pod, "--subresource=status", "--type=merge", "-p",
                   json{{"status", status}}.dump()});
    ASSERT_TRUE(patched.ok()) << describe(patched);
  }

  // A run of the example plugin that succeeds with a result, the kubelet played by the test.
  void expectRunSucceeds(const std::string& ns, const std::string& run) {
    createRun(ns, run, "example");
    const std::string pod = waitPod(ns, run);
    ASSERT_FALSE(pod.empty());
    finishPod(ns, pod, "{\"todo\": 7}\n");
    ASSERT_TRUE(waitSucceeded(ns, run, "True/Succeeded"));
    const json done = status(ns, run);
    EXPECT_NE(done.value("result", "").find("\"todo\": 7"), std::string::npos) << done.dump();
    EXPECT_EQ(done.value("signedBy", "").rfind("sha256:", 0), 0u) << done.dump();
    EXPECT_TRUE(exists(ns, "networkpolicy", "plugin-sandbox-deny-all"));
  }

  // GET on the controller's metrics listener (which serves /readyz too); nullopt unless 200.
  std::optional<std::string> fromController(const std::string& path) const {
    const CommandResult result =
        runCommand({"curl", "-sf", "--max-time", "10",
                    "http://127.0.0.1:" + std::to_string(metricsPort_) + path});
    if (!result.ok()) return std::nullopt;
    return result.out;
  }
  // Requests the API server answered 403, from the controller's rest_client_requests_total.
  std::optional<double> forbiddenRequests() const {
    const auto metrics = fromController("/metrics");
    if (!metrics) return std::nullopt;
    std::istringstream lines(*metrics);
    double forbidden = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("rest_client_requests_total{", 0) == 0 &&
          line.find("code=\"403\"") != std::string::npos) {
        forbidden += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return forbidden;
  }

  // Nothing the controller asked was refused: not in its log, not in its request metrics, and
  // its caches synced (an informer whose list is refused never syncs, and logs nothing).
  void expectNothingForbidden() const {
    const std::string log = controller_->log();
    EXPECT_EQ(log.find("403"), std::string::npos) << log;
    EXPECT_EQ(log.find("orbidden"), std::string::npos) << log;
    EXPECT_TRUE(fromController("/readyz").has_value()) << "/readyz is not 200";
    EXPECT_EQ(forbiddenRequests(), std::optional<double>(0));
  }

  std::optional<TestNamespace> system_, watched_, other_;
  std::string release_, fullname_, kubeconfig_;
  std::filesystem::path workDir_;
  int metricsPort_ = 0;
  std::unique_ptr<ControllerProcess> controller_;
};

TEST_F(ChartController, RunsPluginsEndToEndWithOnlyTheChartsRbac) {
  ASSERT_NO_FATAL_FAILURE(installAndStart({watched_->name()}));
  createPluginConfigMap(watched_->name(), "example");
  createPluginConfigMap(watched_->name(), "techdebt");  // signed, but the policy omits it

  expectRunSucceeds(watched_->name(), "good");

  createRun(watched_->name(), "denied", "techdebt");
  ASSERT_TRUE(waitSucceeded(watched_->name(), "denied", "False/Rejected"));
  EXPECT_TRUE(waitFor(
      [&] {
        const CommandResult events =
            admin(watched_->name(), {"get", "events", "--field-selector",
                                     "involvedObject.name=denied,reason=Rejected", "-o", "name"});
        return events.ok() && !events.out.empty();
      },
      kWait, "a Rejected Event on the denied run"));
  EXPECT_EQ(status(watched_->name(), "denied").value("podName", ""), "");

  // The Lease lives in the release namespace, is named after the release
  // (--leader-election-id), and is held by this controller.
  const CommandResult holder =
      admin(system_->name(), {"get", "lease", fullname_, "-o", "jsonpath={.spec.holderIdentity}"});
  EXPECT_TRUE(holder.ok()) << describe(holder);
  EXPECT_NE(controller_->log().find("\"identity\":\"" + holder.out + "\""), std::string::npos)
      << "Lease holder " << holder.out;
  expectNothingForbidden();
}

// Two releases in one namespace elect on two Leases, each named after its release (before, both
// used `plugin-controller`: one never led while its /readyz said 200). The first release's
// controller keeps running while the fixture installs and starts the second.
TEST_F(ChartController, TwoReleasesInOneNamespaceEachLeadOnTheirOwnLease) {
  ASSERT_NO_FATAL_FAILURE(installAndStart({watched_->name()}));
  const std::string firstRelease = release_;
  const std::string firstLease = fullname_;
  const std::filesystem::path firstDir = workDir_;
  std::unique_ptr<ControllerProcess> first = std::move(controller_);
  struct UninstallFirst {
    std::string release, ns;
    std::filesystem::path dir;
    ~UninstallFirst() {
      helm({"uninstall", release, "--namespace", ns});
      std::filesystem::remove_all(dir);
    }
  } uninstallFirst{firstRelease, system_->name(), firstDir};

  release_ = firstRelease + "-b";
  fullname_ = release_ + "-plugin-sandbox";
  workDir_ = firstDir / "second";
  std::filesystem::create_directories(workDir_);
  ASSERT_NO_FATAL_FAILURE(installAndStart({other_->name()}));

  EXPECT_NE(first->log().find("\"started leading\""), std::string::npos) << first->log();
  for (const auto& [lease, log] :
       {std::pair{firstLease, first->log()}, std::pair{fullname_, controller_->log()}}) {
    const CommandResult holder =
        admin(system_->name(), {"get", "lease", lease, "-o", "jsonpath={.spec.holderIdentity}"});
    ASSERT_TRUE(holder.ok()) << describe(holder);
    ASSERT_FALSE(holder.out.empty()) << "Lease " << lease << " has no holder";
    EXPECT_NE(log.find("\"identity\":\"" + holder.out + "\""), std::string::npos)
        << "Lease " << lease << " is held by " << holder.out << ", not by its release's controller";
  }
  EXPECT_FALSE(admin(system_->name(), {"get", "lease", "plugin-controller"}).ok())
      << "a release still elects on the shared Lease plugin-controller";
  // Each one works: a run in each release's namespace succeeds.
  createPluginConfigMap(other_->name(), "example");
  expectRunSucceeds(other_->name(), "second");
  createPluginConfigMap(watched_->name(), "example");
  expectRunSucceeds(watched_->name(), "first");
  expectNothingForbidden();
  if (HasFailure()) std::cerr << "first controller log:\n" << first->log();
}

TEST_F(ChartController, TtlAndDeletionCleanUpWithOnlyTheChartsRbac) {
  ASSERT_NO_FATAL_FAILURE(installAndStart({watched_->name()}));
  createPluginConfigMap(watched_->name(), "example");

  createRun(watched_->name(), "short-lived", "example", {{"ttlSecondsAfterFinished", 1}});
  const std::string ttlPod = waitPod(watched_->name(), "short-lived");
  ASSERT_FALSE(ttlPod.empty());
  finishPod(watched_->name(), ttlPod, "done\n");
  EXPECT_TRUE(waitFor([&] { return !exists(watched_->name(), "pluginrun", "short-lived"); }, kWait,
                      "ttlSecondsAfterFinished to delete the finished run"));

  createRun(watched_->name(), "deleted", "example");
  const std::string pod = waitPod(watched_->name(), "deleted");
  ASSERT_FALSE(pod.empty());
  const CommandResult deleted = admin(watched_->name(), {"delete", "pluginrun", "deleted"});
  ASSERT_TRUE(deleted.ok()) << describe(deleted);
  EXPECT_TRUE(waitFor([&] { return !exists(watched_->name(), "pod", pod); }, kWait,
                      "the deleted run's Pod to go"));
  expectNothingForbidden();
}

TEST_F(ChartController, IdentityCannotReadSecretsOrCreatePodsOutsideWatchedNamespaces) {
  ASSERT_NO_FATAL_FAILURE(install({watched_->name()}));
  ASSERT_NO_FATAL_FAILURE(writeServiceAccountKubeconfig(watched_->name()));
  const std::string pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: probe}\nspec:\n  containers:\n"
      "  - {name: c, image: sandbox}\n";
  // Real requests with the token, not the authorizer's opinion: each must be refused with 403.
  for (const std::string& ns : {watched_->name(), system_->name(), other_->name()}) {
    const CommandResult secrets = asServiceAccount({"-n", ns, "get", "secrets"});
    EXPECT_FALSE(secrets.ok()) << ns;
    EXPECT_NE(secrets.err.find("Forbidden"), std::string::npos) << ns << ": " << secrets.err;
  }
  const CommandResult signingKey = asServiceAccount(
      {"-n", system_->name(), "get", "secret", fullname_ + "-signing-keys", "-o", "name"});
  EXPECT_NE(signingKey.err.find("Forbidden"), std::string::npos) << describe(signingKey);
  for (const std::string& ns : {other_->name(), system_->name(), std::string("default")}) {
    const CommandResult created = asServiceAccount({"-n", ns, "create", "-f", "-"}, pod);
    EXPECT_FALSE(created.ok()) << ns;
    EXPECT_NE(created.err.find("Forbidden"), std::string::npos) << ns << ": " << created.err;
    EXPECT_FALSE(exists(ns, "pod", "probe")) << ns;
  }
  // The same request in the watched namespace is allowed (server-side dry run: nothing is made),
  // so the refusals above are about the namespace, not a malformed request.
  const CommandResult allowed =
      asServiceAccount({"-n", watched_->name(), "create", "--dry-run=server", "-f", "-"}, pod);
  EXPECT_TRUE(allowed.ok()) << describe(allowed);

  // The check of the other tests can fail: pointed at a namespace the chart grants nothing in,
  // the same controller and token are refused (403s counted) and never become ready.
  startController(other_->name());
  EXPECT_TRUE(waitFor([&] { return forbiddenRequests().value_or(0) > 0; }, kWait,
                      "the controller to count 403s in a namespace it has no Role in"));
  EXPECT_FALSE(fromController("/readyz").has_value());
}

TEST_F(ChartController, WatchesTwoNamespacesWithOnlyTheirRoles) {
  const TestNamespace second = cluster().uniqueNamespace("chart-ctl-watched2");
  // A run outside the watched namespaces, created first: the controller must never visit it.
  createPluginConfigMap(other_->name(), "example");
  createRun(other_->name(), "ignored", "example");
  ASSERT_NO_FATAL_FAILURE(installAndStart({watched_->name(), second.name()}));
  for (const std::string& ns : {watched_->name(), second.name()}) {
    createPluginConfigMap(ns, "example");
    expectRunSucceeds(ns, "good");
  }
  // Only the schema's default: no controller wrote it.
  EXPECT_EQ(status(other_->name(), "ignored"), json({{"observedGeneration", 0}}));
  expectNothingForbidden();
}

}  // namespace
}  // namespace ps::testing
