// Real Pods on the node: the kubelet runs them (nothing patches their status), their termination
// message and exit code come from the container, their logs through the API server.
#include <gtest/gtest.h>

#include "node_fixture.h"

namespace ps::testing::node {
namespace {

using namespace std::chrono_literals;

TEST(NodePods, RunsThenSucceedsWithItsTerminationMessage) {
  TestNamespace ns = cluster().uniqueNamespace("node-pod");
  applyObject(ns.name(), probePod("ok", {"exit", "4", "0", "all done: 42"}));
  const json running = waitForPhase(ns.name(), "ok", {"Running", "Succeeded"}, 60s);
  EXPECT_EQ(running["status"]["phase"], "Running") << "never seen Running: " << brief(running);
  EXPECT_EQ(running["spec"]["nodeName"], facts().name) << "bound by kube-scheduler";
  EXPECT_TRUE(running["status"].value("podIP", "").rfind("10.203.0.", 0) == 0) << brief(running);
  const json done = waitForPhase(ns.name(), "ok", {"Succeeded", "Failed"}, 60s);
  EXPECT_EQ(done["status"]["phase"], "Succeeded") << brief(done);
  const json state = terminated(done);
  EXPECT_EQ(state.value("exitCode", -1), 0) << state.dump();
  EXPECT_EQ(state.value("message", ""), "all done: 42") << state.dump();
  EXPECT_EQ(state.value("reason", ""), "Completed") << state.dump();
  EXPECT_EQ(podLogs(ns.name(), "ok"), "all done: 42\n");
}

TEST(NodePods, FailingContainerReportsItsExitCodeAndMessage) {
  TestNamespace ns = cluster().uniqueNamespace("node-pod");
  applyObject(ns.name(), probePod("broken", {"exit", "0", "3", "broke on purpose"}));
  const json done = waitForPhase(ns.name(), "broken", {"Failed", "Succeeded"}, 60s);
  EXPECT_EQ(done["status"]["phase"], "Failed") << brief(done);
  const json state = terminated(done);
  EXPECT_EQ(state.value("exitCode", -1), 3) << state.dump();
  EXPECT_EQ(state.value("message", ""), "broke on purpose") << state.dump();
  EXPECT_EQ(state.value("reason", ""), "Error") << state.dump();
}

// Bad input: an image the node does not have, with pulls forbidden, never starts.
TEST(NodePods, MissingImageIsNeverPulled) {
  TestNamespace ns = cluster().uniqueNamespace("node-pod");
  json pod = probePod("missing", {"exit", "0", "0", "x"});
  pod["spec"]["containers"][0]["image"] = "localhost/plugin-sandbox/not-imported:none";
  applyObject(ns.name(), pod);
  std::string reason;
  EXPECT_TRUE(waitFor(
      [&] {
        const json got = getPod(ns.name(), "missing");
        if (!got.is_object()) return false;
        for (const auto& status : got["status"].value("containerStatuses", json::array())) {
          reason = status["state"].value("waiting", json::object()).value("reason", "");
        }
        return reason == "ErrImageNeverPull";
      },
      60s, "the kubelet to refuse the missing image"))
      << "last reason: " << reason;
  EXPECT_EQ(getPod(ns.name(), "missing")["status"]["phase"], "Pending");
}

}  // namespace
}  // namespace ps::testing::node
