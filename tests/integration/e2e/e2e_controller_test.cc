// The controller Deployment itself under churn, with real Pods: a replacement controller adopts a
// run that is already running (no second sandbox Pod), and with two replicas exactly one leads and
// the Lease passes cleanly to the other when the leader's Pod is deleted.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_fixture.h"
#include "node_fixture.h"

namespace ps::testing::e2e {
namespace {

using namespace std::chrono_literals;

const std::string kControllerSelector = "app.kubernetes.io/instance=" + std::string(kRelease);

// Prints, sleeps `seconds`, prints again: long enough to disturb the controller meanwhile.
std::string sleepingPlugin(int seconds) {
  return "import time\n"
         "print('started', flush=True)\n"
         "time.sleep(" +
         std::to_string(seconds) +
         ")\n"
         "print('done', flush=True)\n";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) result.push_back(line);
  }
  return result;
}

// The controller Pods of the release that are Running and not being deleted.
std::vector<std::string> liveControllerPods() {
  const CommandResult pods = cluster().kubectl(
      {"-n", kReleaseNamespace, "get", "pods", "-l", kControllerSelector, "-o",
       R"(jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name} {.metadata.deletionTimestamp}{"\n"}{end})"});
  std::vector<std::string> live;
  for (const std::string& line : lines(pods.out)) {
    const auto space = line.find(' ');
    const bool deleting = space != std::string::npos && space + 1 < line.size();
    if (!deleting) live.push_back(line.substr(0, space));
  }
  return live;
}

// The holderIdentity of every Lease in the release's namespace.
std::vector<std::string> leaseHolders() {
  const CommandResult holders =
      cluster().kubectl({"-n", kReleaseNamespace, "get", "leases", "-o",
                         R"(jsonpath={range .items[*]}{.spec.holderIdentity}{"\n"}{end})"});
  return lines(holders.out);
}

// The controller Pod whose name starts the Lease's holderIdentity; "" when none does.
std::string leaderPod() {
  const std::vector<std::string> holders = leaseHolders();
  if (holders.size() != 1) return "";
  for (const std::string& pod : liveControllerPods()) {
    if (holders[0].rfind(pod, 0) == 0) return pod;
  }
  return "";
}

// The run's Pod: name and uid once it is Running.
struct RunningPod {
  std::string name;
  std::string uid;
};
RunningPod waitForRunningPod(const std::string& ns, const std::string& run) {
  RunningPod pod;
  const bool running = waitFor(
      [&] {
        const CommandResult got = cluster().kubectl(
            {"-n", ns, "get", "pods", "-l", "sandbox.plugins.dev/pluginrun=" + run, "-o",
             R"(jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name} {.metadata.uid}{"\n"}{end})"});
        const std::vector<std::string> found = lines(got.out);
        if (found.size() != 1) return false;
        pod.name = found[0].substr(0, found[0].find(' '));
        pod.uid = found[0].substr(found[0].find(' ') + 1);
        return true;
      },
      90s, "the Pod of " + ns + "/" + run + " to run");
  EXPECT_TRUE(running);
  return pod;
}

// Every Pod of the run, as "name uid" lines: exactly the one seen running means no second Pod.
void expectOnlyPod(const std::string& ns, const std::string& run, const RunningPod& pod) {
  const CommandResult all = cluster().kubectl(
      {"-n", ns, "get", "pods", "-l", "sandbox.plugins.dev/pluginrun=" + run, "-o",
       R"(jsonpath={range .items[*]}{.metadata.name} {.metadata.uid}{"\n"}{end})"});
  ASSERT_TRUE(all.ok()) << all.err;
  EXPECT_EQ(lines(all.out), std::vector<std::string>{pod.name + " " + pod.uid});
}

std::string statusText(const json& run) {
  return run.is_object() ? run.value("status", json::object()).dump() : "(no run)";
}

TEST(E2eController, AReplacementControllerAdoptsARunningRunWithoutASecondPod) {
  const std::string ns = caseNamespace("adopt");
  applyPluginConfigMap(ns, "adopt", signedTestPlugin("e2e-adopt", sleepingPlugin(20)));
  applyRun(ns, "adopt-1", "adopt", {{"timeoutSeconds", 120}});
  const RunningPod pod = waitForRunningPod(ns, "adopt-1");

  const std::vector<std::string> before = liveControllerPods();
  ASSERT_EQ(before.size(), 1u) << "expected one controller Pod";
  ASSERT_TRUE(cluster()
                  .kubectl({"-n", kReleaseNamespace, "delete", "pod", before[0], "--wait=false"})
                  .ok());
  ASSERT_TRUE(waitFor(
      [&] {
        const std::vector<std::string> now = liveControllerPods();
        return now.size() == 1 && now[0] != before[0] && !leaderPod().empty() &&
               leaderPod() == now[0];
      },
      120s, "a replacement controller Pod to run and lead"));

  const json run = waitForFinished(ns, "adopt-1", 120s);
  EXPECT_EQ(succeededCondition(run).value("reason", ""), "Succeeded") << statusText(run);
  EXPECT_NE(run["status"].value("result", "").find("done"), std::string::npos) << statusText(run);
  expectOnlyPod(ns, "adopt-1", pod);
}

TEST(E2eController, TwoReplicasHaveOneLeaderAndHandOverCleanly) {
  const std::string ns = caseNamespace("handover");
  const CommandResult scaled = installChart({"replicaCount=2"});
  ASSERT_TRUE(scaled.ok()) << scaled.out << scaled.err;
  ASSERT_TRUE(waitFor([&] { return liveControllerPods().size() == 2 && !leaderPod().empty(); },
                      120s, "two controller Pods, one of them leading"));
  ASSERT_EQ(leaseHolders().size(), 1u) << "the replicas share one Lease";
  const std::string leader = leaderPod();

  applyPluginConfigMap(ns, "handover", signedTestPlugin("e2e-handover", sleepingPlugin(15)));
  applyRun(ns, "handover-1", "handover", {{"timeoutSeconds", 120}});
  const RunningPod pod = waitForRunningPod(ns, "handover-1");

  // The leader's Pod goes; the standby (or the leader's replacement) takes the Lease. The old
  // leader releases it on SIGTERM, so this takes a retry period, not a lease duration.
  const auto deleted = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      cluster().kubectl({"-n", kReleaseNamespace, "delete", "pod", leader, "--wait=false"}).ok());
  std::string successor;
  ASSERT_TRUE(waitFor(
      [&] {
        successor = leaderPod();
        return !successor.empty() && successor != leader;
      },
      60s, "another controller Pod to take the Lease from " + leader));
  const auto handOver = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - deleted);
  std::cout << "hand-over from " << leader << " to " << successor << " took " << handOver.count()
            << " ms\n";
  EXPECT_LT(handOver, 20s) << "a clean hand-over is not a lease expiry";
  EXPECT_EQ(leaseHolders().size(), 1u);

  const json run = waitForFinished(ns, "handover-1", 120s);
  EXPECT_EQ(succeededCondition(run).value("reason", ""), "Succeeded") << statusText(run);
  expectOnlyPod(ns, "handover-1", pod);
  // The new leader takes new work.
  applyRun(ns, "handover-2", "handover", {{"timeoutSeconds", 120}});
  const json second = waitForFinished(ns, "handover-2", 120s);
  EXPECT_EQ(succeededCondition(second).value("reason", ""), "Succeeded") << statusText(second);

  const CommandResult restored = installChart();
  EXPECT_TRUE(restored.ok()) << restored.out << restored.err;
}

}  // namespace
}  // namespace ps::testing::e2e
