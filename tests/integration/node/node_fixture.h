// Helpers of the node tests: what `cluster.sh env` says about the node, Pods made from the probe
// image (tests/cluster/probe), and bounded waits on their real status.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster_environment.h"

namespace ps::testing::node {

using nlohmann::json;

// The node as `cluster.sh env` describes it.
struct NodeFacts {
  std::string name;          // plugin-sandbox-node
  std::string ip;            // its InternalIP inside the node's network namespace
  std::string podCidr;       // e.g. 10.203.0.0/24
  std::string stateDir;      // build/cluster/node
  std::string lockFile;      // the machine-wide lock
  std::string pauseImage;    // localhost/plugin-sandbox/pause:<hash>
  std::string probeImage;    // localhost/plugin-sandbox/node-probe:<hash>
  std::string probeArchive;  // its docker-archive
};
const NodeFacts& facts();

// tests/cluster/cluster.sh with arguments (and extra environment, "NAME=VALUE").
CommandResult clusterScript(const std::vector<std::string>& args,
                            const std::vector<std::string>& environment = {});

// A Pod running the probe image with `args`, restartPolicy Never, imagePullPolicy Never.
json probePod(const std::string& name, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& labels = {});

// kubectl apply of `object` in `ns`; fails the test when refused.
void applyObject(const std::string& ns, const json& object);

// The Pod as JSON (null when it cannot be read).
json getPod(const std::string& ns, const std::string& name);

// Waits until the Pod's phase is one of `phases`; returns the last Pod seen.
json waitForPhase(const std::string& ns, const std::string& name,
                  const std::vector<std::string>& phases, std::chrono::seconds timeout);

// The first container's terminated state ({} when not terminated).
json terminated(const json& pod);

// A Pod's logs through the API server (kubelet behind the egress proxy).
std::string podLogs(const std::string& ns, const std::string& name);

// One line of text per JSON for failure messages.
std::string brief(const json& pod);

}  // namespace ps::testing::node
