// cluster.sh import-images: an archive imported into the running node is usable by Pods at once; a
// missing archive is refused in one line.
#include <gtest/gtest.h>

#include "node_fixture.h"

namespace ps::testing::node {
namespace {

using namespace std::chrono_literals;

TEST(NodeImages, MissingArchiveIsRefusedByName) {
  const CommandResult imported = clusterScript({"import-images", "/nonexistent/image.tar"});
  EXPECT_NE(imported.exitCode, 0);
  EXPECT_NE(imported.err.find("node: no such image archive: /nonexistent/image.tar"),
            std::string::npos)
      << imported.err;
}

TEST(NodeImages, ImportedArchiveRunsAPod) {
  TestNamespace ns = cluster().uniqueNamespace("node-images");
  // Take the probe image out of the runtime: a Pod cannot start from it...
  const CommandResult removed =
      clusterScript({"node-exec", "ctr", "--address", facts().stateDir + "/containerd.sock", "-n",
                     "k8s.io", "images", "rm", facts().probeImage});
  ASSERT_TRUE(removed.ok()) << removed.err;
  applyObject(ns.name(), probePod("without", {"exit", "0", "0", "ran"}));
  std::string reason;
  EXPECT_TRUE(waitFor(
      [&] {
        const json pod = getPod(ns.name(), "without");
        if (!pod.is_object()) return false;
        for (const auto& status : pod["status"].value("containerStatuses", json::array())) {
          reason = status["state"].value("waiting", json::object()).value("reason", "");
        }
        return reason == "ErrImageNeverPull";
      },
      60s, "the removed image to be missing"))
      << reason;
  // ... until its archive is imported again.
  const CommandResult imported = clusterScript({"import-images", facts().probeArchive});
  ASSERT_TRUE(imported.ok()) << imported.err;
  EXPECT_NE(imported.err.find(facts().probeImage), std::string::npos) << imported.err;
  applyObject(ns.name(), probePod("with", {"exit", "0", "0", "ran"}));
  const json done = waitForPhase(ns.name(), "with", {"Succeeded", "Failed"}, 60s);
  EXPECT_EQ(done["status"]["phase"], "Succeeded") << brief(done);
  EXPECT_EQ(terminated(done).value("message", ""), "ran");
}

}  // namespace
}  // namespace ps::testing::node
