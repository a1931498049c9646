// Node test helpers: `cluster.sh env`, probe Pods, and waits on the Pods' real status.
#include "node_fixture.h"

#include <sstream>

#ifndef PS_SOURCE_DIR
#error "PS_SOURCE_DIR must name the repository root"
#endif

namespace ps::testing::node {
namespace {

const std::string kClusterScript = std::string(PS_SOURCE_DIR) + "/tests/cluster/cluster.sh";

}  // namespace

CommandResult clusterScript(const std::vector<std::string>& args,
                            const std::vector<std::string>& environment) {
  std::vector<std::string> argv{"env"};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.push_back(kClusterScript);
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv);
}

const NodeFacts& facts() {
  static const NodeFacts known = [] {
    const CommandResult env = clusterScript({"env"});
    EXPECT_TRUE(env.ok()) << env.err;
    NodeFacts f;
    f.name = envValue(env.out, "NODE_NAME");
    f.ip = envValue(env.out, "NODE_IP");
    f.podCidr = envValue(env.out, "NODE_POD_CIDR");
    f.stateDir = envValue(env.out, "NODE_STATE");
    f.lockFile = envValue(env.out, "NODE_LOCK");
    f.pauseImage = envValue(env.out, "NODE_PAUSE_IMAGE");
    f.probeImage = envValue(env.out, "NODE_PROBE_IMAGE");
    f.probeArchive = envValue(env.out, "NODE_PROBE_ARCHIVE");
    return f;
  }();
  return known;
}

json probePod(const std::string& name, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& labels) {
  json container = {{"name", "probe"},
                    {"image", facts().probeImage},
                    {"imagePullPolicy", "Never"},
                    {"args", args},
                    {"securityContext",
                     {{"runAsUser", 65532},
                      {"runAsNonRoot", true},
                      {"allowPrivilegeEscalation", false},
                      {"readOnlyRootFilesystem", true},
                      {"capabilities", {{"drop", {"ALL"}}}}}}};
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", json(labels)}}},
          {"spec",
           {{"restartPolicy", "Never"},
            {"terminationGracePeriodSeconds", 1},
            {"automountServiceAccountToken", false},
            {"containers", json::array({container})}}}};
}

void applyObject(const std::string& ns, const json& object) {
  const CommandResult applied = cluster().kubectl({"-n", ns, "apply", "-f", "-"}, object.dump());
  ASSERT_TRUE(applied.ok()) << applied.err << "\n" << object.dump();
}

json getPod(const std::string& ns, const std::string& name) {
  const CommandResult got = cluster().kubectl({"-n", ns, "get", "pod", name, "-o", "json"});
  if (!got.ok()) return nullptr;
  return json::parse(got.out, nullptr, false);
}

json waitForPhase(const std::string& ns, const std::string& name,
                  const std::vector<std::string>& phases, std::chrono::seconds timeout) {
  json last;
  const bool reached = waitFor(
      [&] {
        last = getPod(ns, name);
        if (!last.is_object()) return false;
        const std::string phase = last["status"].value("phase", "");
        for (const auto& wanted : phases) {
          if (phase == wanted) return true;
        }
        return false;
      },
      timeout, "Pod " + ns + "/" + name + " to reach " + phases.front());
  EXPECT_TRUE(reached) << brief(last);
  return last;
}

json terminated(const json& pod) {
  if (!pod.is_object()) return json::object();
  const json statuses = pod["status"].value("containerStatuses", json::array());
  if (statuses.empty()) return json::object();
  return statuses[0]["state"].value("terminated", json::object());
}

std::string podLogs(const std::string& ns, const std::string& name) {
  const CommandResult logs = cluster().kubectl({"-n", ns, "logs", name});
  return logs.ok() ? logs.out : "kubectl logs failed: " + logs.err;
}

std::string brief(const json& pod) {
  if (!pod.is_object()) return "(no Pod)";
  return pod.value("status", json::object()).dump();
}

}  // namespace ps::testing::node
