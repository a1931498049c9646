// Real PluginRuns through the installed chart: the controller Deployment creates the sandbox Pod on
// the test node, the launcher in the sandbox image runs the signed plugin, and the run's status is
// read back from the API server. Each case has its own restricted namespace.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e_fixture.h"
#include "node_fixture.h"

namespace ps::testing::e2e {
namespace {

using namespace std::chrono_literals;

std::string reason(const json& run) {
  return succeededCondition(run).value("reason", "");
}
std::string message(const json& run) {
  return succeededCondition(run).value("message", "");
}
std::string result(const json& run) {
  return run.is_object() ? run.value("status", json::object()).value("result", "") : "";
}
std::string statusOf(const json& run) {
  return run.is_object() ? run.value("status", json::object()).dump() : "(no run)";
}

// techdebt (plugins/techdebt, signed as shipped) over an input ConfigMap with known markers.
TEST(E2eRun, TechdebtSucceedsWithItsJsonReportInStatusAndLogs) {
  const std::string ns = caseNamespace("techdebt");
  applyPluginConfigMap(ns, "techdebt", sourceDir() + "/plugins/techdebt");
  node::applyObject(ns, {{"apiVersion", "v1"},
                         {"kind", "ConfigMap"},
                         {"metadata", {{"name", "snapshot"}}},
                         {"data",
                          {{"main.py", "# TODO: one\n# FIXME: two\nx = 1  # TODO three\n"},
                           {"notes.txt", "XXX nothing else\n"}}}});
  applyRun(ns, "techdebt-1", "techdebt",
           {{"input", {{"configMap", "snapshot"}}}, {"timeoutSeconds", 120}});
  const json run = waitForFinished(ns, "techdebt-1", 150s);
  ASSERT_EQ(reason(run), "Succeeded") << statusOf(run);
  EXPECT_EQ(run["status"].value("exitCode", -1), 0);

  const json report = json::parse(result(run), nullptr, false);
  ASSERT_TRUE(report.is_object()) << "status.result is not JSON: " << result(run);
  EXPECT_EQ(report["totals"]["TODO"], 2) << report.dump();
  EXPECT_EQ(report["totals"]["FIXME"], 1) << report.dump();
  EXPECT_EQ(report["totals"]["XXX"], 1) << report.dump();
  EXPECT_EQ(report.value("filesScanned", 0), 2) << report.dump();
  // Each key once, under its own name: not the kubelet's `..<timestamp>/` copy, and the visible
  // names (symlinks into it) not counted as skipped files.
  EXPECT_EQ(report.value("filesSkipped", -1), 0) << report.dump();
  std::vector<std::string> paths;
  for (const json& file : report.value("files", json::array()))
    paths.push_back(file.value("path", ""));
  EXPECT_EQ(paths, (std::vector<std::string>{"main.py", "notes.txt"})) << report.dump();

  const CommandResult logs = runLogs(ns, "techdebt-1");
  ASSERT_TRUE(logs.ok()) << logs.err;
  const json logged = json::parse(logs.out, nullptr, false);
  ASSERT_TRUE(logged.is_object()) << "kubectl logs is not the JSON report: " << logs.out;
  EXPECT_EQ(logged, report);
}

TEST(E2eRun, ExitThreeIsFailedWithExitCodeThree) {
  const json run = runPlugin("exit3",
                             "import sys\n"
                             "print('exiting with 3', flush=True)\n"
                             "sys.exit(3)\n",
                             {{"timeoutSeconds", 60}}, 90s);
  ASSERT_EQ(reason(run), "Failed") << statusOf(run);
  EXPECT_EQ(succeededCondition(run).value("status", ""), "False");
  EXPECT_EQ(run["status"].value("exitCode", -1), 3) << statusOf(run);
  EXPECT_NE(message(run).find("status 3"), std::string::npos) << message(run);
  EXPECT_NE(result(run).find("exiting with 3"), std::string::npos) << statusOf(run);
}

// The plugin's ConfigMap edited after the controller checked it and pinned its digests, before the
// kubelet mounts it (the node is cordoned meanwhile, so the Pod waits unscheduled): the launcher
// reads the kubelet's real `..data` layout, finds plugin.py's bytes changed and refuses with 126;
// the run is Failed and its message names the file.
TEST(E2eRun, PluginChangedAfterTheCheckIsRefusedByTheLauncher) {
  const std::string ns = caseNamespace("changed");
  const std::string dir = signedTestPlugin("e2e-changed", "print('the signed bytes ran')\n");
  applyPluginConfigMap(ns, "changed", dir);
  const std::string nodeName = node::facts().name;
  ASSERT_TRUE(cluster().kubectl({"cordon", nodeName}).ok());
  struct Uncordon {
    std::string name;
    ~Uncordon() { cluster().kubectl({"uncordon", name}); }
  } uncordon{nodeName};

  applyRun(ns, "changed-1", "changed", {{"timeoutSeconds", 60}});
  const std::string selector = "sandbox.plugins.dev/pluginrun=changed-1";
  ASSERT_TRUE(waitFor(
      [&] {
        const CommandResult pods =
            cluster().kubectl({"-n", ns, "get", "pods", "-l", selector, "-o", "name"});
        return pods.ok() && !pods.out.empty();
      },
      60s, "the controller to create the run's Pod"));
  const CommandResult edited = cluster().kubectl(
      {"-n", ns, "patch", "configmap", "changed", "--type=merge", "-p",
       json({{"data", {{"plugin.py", "print('bytes nobody signed')\n"}}}}).dump()});
  ASSERT_TRUE(edited.ok()) << edited.err;
  ASSERT_TRUE(cluster().kubectl({"uncordon", nodeName}).ok());

  const json run = waitForFinished(ns, "changed-1", 90s);
  EXPECT_EQ(reason(run), "Failed") << statusOf(run);
  EXPECT_EQ(run["status"].value("exitCode", -1), 126) << statusOf(run);
  EXPECT_NE(message(run).find("plugin changed after the check: plugin.py digest differs"),
            std::string::npos)
      << statusOf(run);
  EXPECT_EQ(result(run).find("nobody signed"), std::string::npos) << statusOf(run);
  EXPECT_EQ(result(run).find("the signed bytes ran"), std::string::npos) << statusOf(run);
}

// Writes outside /tmp fail with an errno the plugin prints: the root, /etc, and the plugin's
// ConfigMap volume (/sandbox; the launcher runs a verified copy of it from under /tmp). /tmp takes
// small files but refuses to grow past its size limit (64Mi, ControllerSettings::tmpSizeLimit),
// written as 4 MiB files so that no per-file limit is what stops it.
TEST(E2eRun, WritesOutsideTmpFailAndTmpIsSizeLimited) {
  const json run =
      runPlugin("files", R"(import errno, os

def attempt(path):
    try:
        with open(path, "w") as handle:
            handle.write("x")
        return "written"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))

here = os.path.dirname(os.path.abspath(__file__))
print("here:", here)
print("root:", attempt("/e2e-probe"))
print("volume:", attempt("/sandbox/e2e-probe"))
print("etc:", attempt("/etc/e2e-probe"))
print("tmp:", attempt("/tmp/e2e-probe"))
chunk = b"\1" * (1 << 20)
total, outcome = 0, "no limit"
try:
    while total < 512:
        with open("/tmp/fill-%d" % (total // 4), "ab") as handle:
            handle.write(chunk)
            handle.flush()
        total += 1
except OSError as error:
    outcome = errno.errorcode.get(error.errno, str(error.errno))
print("fill: %s after %d MiB" % (outcome, total), flush=True)
)",
                {{"timeoutSeconds", 60}, {"resources", {{"limits", {{"memory", "256Mi"}}}}}}, 90s);
  ASSERT_EQ(reason(run), "Succeeded") << statusOf(run);
  const std::string out = result(run);
  for (const std::string where : {"root", "volume", "etc"}) {
    const auto line = out.find(where + ": ");
    ASSERT_NE(line, std::string::npos) << out;
    const std::string value =
        out.substr(line + where.size() + 2, out.find('\n', line) - line - where.size() - 2);
    EXPECT_TRUE(value == "EROFS" || value == "EACCES" || value == "EPERM" || value == "ENOENT")
        << where << " write: " << value << "\n"
        << out;
  }
  EXPECT_NE(out.find("tmp: written"), std::string::npos) << out;
  EXPECT_NE(out.find("here: /tmp/"), std::string::npos) << out;
  const auto fill = out.find("fill: ");
  ASSERT_NE(fill, std::string::npos) << out;
  EXPECT_EQ(out.substr(fill, 12), "fill: ENOSPC") << out;
  const int mib = std::stoi(out.substr(out.find("after ", fill) + 6));
  EXPECT_GT(mib, 0) << out;
  EXPECT_LE(mib, 64) << out;
}

TEST(E2eRun, SleeperPastItsTimeoutIsTimedOut) {
  const json run = runPlugin("sleeper",
                             "import time\n"
                             "print('sleeping', flush=True)\n"
                             "time.sleep(600)\n",
                             {{"timeoutSeconds", 5}}, 90s);
  EXPECT_EQ(reason(run), "TimedOut") << statusOf(run);
  EXPECT_EQ(succeededCondition(run).value("status", ""), "False");
}

// The Pod's memory limit (64Mi) OOM-kills a hog (the launcher's RLIMIT_AS is only a 4x backstop,
// commit 4709e45), and the condition says so.
TEST(E2eRun, MemoryHogIsFailedOutOfMemory) {
  const json run =
      runPlugin("hog",
                "blocks = []\n"
                "while True:\n"
                "    blocks.append(b'\\1' * (1 << 20))\n"
                "    if len(blocks) % 16 == 0:\n"
                "        print(len(blocks), 'MiB', flush=True)\n",
                {{"timeoutSeconds", 60}, {"resources", {{"limits", {{"memory", "64Mi"}}}}}}, 90s);
  std::cout << "hog-1: " << statusOf(run) << "\n";
  EXPECT_EQ(reason(run), "Failed") << statusOf(run);
  EXPECT_NE(message(run).find("out of memory"), std::string::npos) << statusOf(run);
  EXPECT_EQ(result(run).find("MemoryError"), std::string::npos) << statusOf(run);
}

// A fork bomb ends (killed by the launcher's process limit and timeout, the Pod's limits), never
// Succeeded, and the node stays Ready.
TEST(E2eRun, ForkBombEndsAndTheNodeStaysReady) {
  const std::string ns = caseNamespace("fork");
  const json run =
      runPlugin("fork",
                "import os, time\n"
                "print('forking', flush=True)\n"
                "while True:\n"
                "    try:\n"
                "        os.fork()\n"
                "    except OSError:\n"
                "        time.sleep(0.05)\n",
                {{"timeoutSeconds", 10}, {"resources", {{"limits", {{"memory", "128Mi"}}}}}}, 120s);
  std::cout << "fork-1: " << statusOf(run) << "\n";
  EXPECT_EQ(succeededCondition(run).value("status", ""), "False") << statusOf(run);
  EXPECT_NE(reason(run), "Succeeded") << statusOf(run);

  const CommandResult node =
      cluster().kubectl({"get", "node", node::facts().name, "-o",
                         "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"});
  ASSERT_TRUE(node.ok()) << node.err;
  EXPECT_EQ(node.out, "True");
  // The Pod is finished: none of its processes still runs.
  const CommandResult phase =
      cluster().kubectl({"-n", ns, "get", "pods", "-l", "sandbox.plugins.dev/pluginrun=fork-1",
                         "-o", "jsonpath={.items[*].status.phase}"});
  ASSERT_TRUE(phase.ok()) << phase.err;
  EXPECT_TRUE(phase.out == "Failed" || phase.out == "Succeeded" || phase.out.empty()) << phase.out;
}

}  // namespace
}  // namespace ps::testing::e2e
