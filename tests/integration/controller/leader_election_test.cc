// Two plugin-controllers with --leader-elect against one namespace and one Lease: exactly one acts
// (the Lease names it, the other's /metrics shows no reconcile and no successful write), a SIGTERM
// hands the Lease over at once (released on shutdown), a SIGKILL only after it expires.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cluster_environment.h"
#include "controller_process.h"

namespace ps::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

const std::string kSourceDir = PS_SOURCE_DIR;
constexpr auto kWait = 60s;
// leader_election.h defaults: the lease lasts 15 s, candidates retry every 2 s.
constexpr auto kLeaseDuration = 15s;
constexpr auto kRetryPeriod = 2s;
const std::string kLeaseName = "plugin-controller";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether `pid` is a child of this test process (never signal anything else).
bool isOurChild(pid_t pid) {
  std::istringstream status(readFile("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("PPid:", 0) == 0) return std::stoi(line.substr(5)) == getpid();
  }
  return false;
}

// The sum of a Prometheus counter's samples whose labels contain every one of `labelParts`.
std::optional<double> sumSamples(const std::string& metrics, const std::string& name,
                                 const std::vector<std::string>& labelParts = {}) {
  std::istringstream lines(metrics);
  std::optional<double> sum;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool matches = true;
    for (const auto& part : labelParts) matches = matches && line.find(part) != std::string::npos;
    if (!matches) continue;
    sum = sum.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// One controller replica: its process, log file and metrics port.
struct Replica {
  std::string name;
  int metricsPort = 0;
  std::string logPath;
  std::unique_ptr<ControllerProcess> process;

  std::string log() const { return readFile(logPath); }

  // The identity from its "started leading" log line, "" while it has not led.
  std::string leaderIdentity() const {
    std::istringstream lines(log());
    for (std::string line; std::getline(lines, line);) {
      json entry = json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("msg", "") == "started leading") {
        return entry.value("identity", "");
      }
    }
    return "";
  }

  std::string metrics() const {
    auto result = runCommand({"curl", "-sf", "--max-time", "10",
                              "http://127.0.0.1:" + std::to_string(metricsPort) + "/metrics"});
    return result.ok() ? result.out : "";
  }
  std::optional<double> reconciles() const {
    return sumSamples(metrics(), "controller_runtime_reconcile_total");
  }
  // Successful writes to the API server: what acting means (a follower's lost Lease-create race
  // answers 409, which is not a success).
  double successfulWrites() const {
    const std::string text = metrics();
    double writes = 0;
    for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
      for (const char* code : {"200", "201", "202"}) {
        writes += sumSamples(text, "rest_client_requests_total",
                             {std::string("method=\"") + method + "\"",
                              std::string("code=\"") + code + "\""})
                      .value_or(0);
      }
    }
    return writes;
  }
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_.emplace(cluster().uniqueNamespace("lead"));
    policyFile_ = std::filesystem::temp_directory_path() / (ns() + "-policy.json");
    std::ofstream(policyFile_) << R"({"plugins":{"example":{"permissions":["read_files"]}}})";
    createPluginConfigMap();
  }
  void TearDown() override {
    for (auto& replica : replicas_) {
      if (HasFailure()) std::cerr << "log of " << replica.name << ":\n" << replica.log();
      replica.process.reset();
      std::filesystem::remove(replica.logPath);
    }
    std::filesystem::remove(policyFile_);
  }

  const std::string& ns() const { return ns_->name(); }
  CommandResult kubectlNs(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"-n", ns()});
    return cluster().kubectl(args, input);
  }

  Replica& startReplica(const std::string& name) {
    Replica replica;
    replica.name = name;
    replica.metricsPort = freeLoopbackPort();
    replica.logPath =
        (std::filesystem::temp_directory_path() / (ns() + "-" + name + ".log")).string();
    const std::vector<std::string> args{"--kubeconfig",
                                        cluster().kubeconfigPath(),
                                        "--namespace",
                                        ns(),
                                        "--leader-elect",
                                        "--leader-election-namespace",
                                        ns(),
                                        "--metrics-bind-address",
                                        "127.0.0.1:" + std::to_string(replica.metricsPort),
                                        "--health-probe-bind-address",
                                        "0",
                                        "--log-format",
                                        "json"};
    replica.process = std::make_unique<ControllerProcess>(
        args,
        std::vector<std::string>{"PLUGIN_POLICY_FILE=" + policyFile_.string(),
                                 "PLUGIN_SIGNING_KEY=" + kSourceDir + "/plugins/keys/demo.pub.pem"},
        replica.logPath);
    replicas_.push_back(std::move(replica));
    return replicas_.back();
  }

  // Both replicas serve /metrics (so both are up and campaigning).
  ::testing::AssertionResult waitServing() {
    return waitFor(
        [&] {
          for (const auto& replica : replicas_) {
            if (!replica.reconciles()) return false;
          }
          return true;
        },
        kWait, "every replica to serve /metrics");
  }

  // Waits until exactly one running replica has started leading; its index.
  std::optional<size_t> waitSingleLeader() {
    std::optional<size_t> leader;
    const bool found = waitFor(
        [&] {
          leader.reset();
          size_t leaders = 0;
          for (size_t i = 0; i < replicas_.size(); ++i) {
            if (replicas_[i].process->running() && !replicas_[i].leaderIdentity().empty()) {
              leader = i;
              ++leaders;
            }
          }
          return leaders == 1;
        },
        kWait, "exactly one running replica to log \"started leading\"");
    EXPECT_TRUE(found);
    return found ? leader : std::nullopt;
  }

  // The Lease's spec, an empty object when it cannot be read.
  json leaseSpec() const {
    auto result = kubectlNs({"get", "lease", kLeaseName, "-o", "json"});
    json lease = result.ok() ? json::parse(result.out, nullptr, false) : json();
    if (!lease.is_object() || !lease.contains("spec") || !lease["spec"].is_object()) {
      return json::object();
    }
    return lease["spec"];
  }
  std::string leaseHolder() const { return leaseSpec().value("holderIdentity", ""); }

  void createPluginConfigMap() {
    const std::string dir = kSourceDir + "/plugins/example";
    json configMap = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", {{"name", "example"}}},
                      {"data",
                       {{"manifest.json", readFile(dir + "/manifest.json")},
                        {"plugin.py", readFile(dir + "/plugin.py")}}}};
    ASSERT_TRUE(kubectlNs({"apply", "-f", "-"}, configMap.dump()).ok());
  }
  void createRun(const std::string& name) {
    json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                {"kind", "PluginRun"},
                {"metadata", {{"name", name}}},
                {"spec", {{"plugin", {{"configMap", "example"}}}}}};
    auto result = kubectlNs({"apply", "-f", "-"}, run.dump());
    ASSERT_TRUE(result.ok()) << result.err;
  }

  // Sandbox Pods per run (label value → count).
  std::map<std::string, int> podsPerRun() const {
    std::map<std::string, int> counts;
    auto result = kubectlNs({"get", "pods", "-l", "sandbox.plugins.dev/pluginrun", "-o", "json"});
    json list = result.ok() ? json::parse(result.out, nullptr, false) : json();
    if (!list.is_object()) return counts;
    for (const json& pod : list.value("items", json::array())) {
      ++counts[pod["metadata"]["labels"].value("sandbox.plugins.dev/pluginrun", "")];
    }
    return counts;
  }
  std::string reason(const std::string& run) const {
    auto result = kubectlNs({"get", "pluginrun", run, "-o",
                             "jsonpath={.status.conditions[?(@.type==\"Succeeded\")].reason}"});
    return result.ok() ? result.out : "";
  }
  ::testing::AssertionResult waitRunning(const std::vector<std::string>& runs) {
    return waitFor(
        [&] {
          auto counts = podsPerRun();
          for (const auto& run : runs) {
            if (counts[run] != 1 || reason(run) != "Running") return false;
          }
          return true;
        },
        kWait, "each run Running with its one Pod");
  }

  // Waits for a replica other than `previous` to start leading; how long that took from `since`.
  std::optional<steady_clock::duration> waitTakeover(size_t previous,
                                                     steady_clock::time_point since, size_t& next) {
    const bool found = waitFor(
        [&] {
          for (size_t i = 0; i < replicas_.size(); ++i) {
            if (i != previous && !replicas_[i].leaderIdentity().empty()) {
              next = i;
              return true;
            }
          }
          return false;
        },
        kWait + kLeaseDuration, "another replica to start leading");
    EXPECT_TRUE(found);
    if (!found) return std::nullopt;
    return steady_clock::now() - since;
  }

  std::optional<TestNamespace> ns_;
  std::filesystem::path policyFile_;
  std::deque<Replica> replicas_;  // deque: references stay valid as replicas are added
};

TEST_F(LeaderElectionTest, ExactlyOneReplicaLeadsAndOnlyItActs) {
  startReplica("a");
  startReplica("b");
  ASSERT_TRUE(waitServing());
  const auto leader = waitSingleLeader();
  ASSERT_TRUE(leader);
  const Replica& acting = replicas_[*leader];
  const Replica& follower = replicas_[1 - *leader];
  const std::string identity = acting.leaderIdentity();

  const std::vector<std::string> runs{"r1", "r2", "r3", "r4", "r5"};
  std::vector<std::string> holders;
  for (const auto& run : runs) {
    createRun(run);
    holders.push_back(leaseHolder());
  }
  ASSERT_TRUE(waitRunning(runs));
  holders.push_back(leaseHolder());
  for (const auto& holder : holders) EXPECT_EQ(holder, identity);
  EXPECT_EQ(podsPerRun().size(), runs.size());

  EXPECT_GE(acting.reconciles().value_or(0), static_cast<double>(runs.size()));
  EXPECT_GE(acting.successfulWrites(), static_cast<double>(runs.size()));
  EXPECT_EQ(follower.reconciles(), std::optional<double>(0)) << follower.metrics();
  EXPECT_EQ(follower.successfulWrites(), 0) << follower.metrics();
  EXPECT_EQ(follower.leaderIdentity(), "");
  EXPECT_TRUE(follower.process->running());
}

TEST_F(LeaderElectionTest, SigtermReleasesTheLeaseAndTheOtherReplicaTakesOver) {
  startReplica("a");
  startReplica("b");
  ASSERT_TRUE(waitServing());
  const auto leader = waitSingleLeader();
  ASSERT_TRUE(leader);
  createRun("before");
  ASSERT_TRUE(waitRunning({"before"}));
  const int transitions = leaseSpec().value("leaseTransitions", -1);

  EXPECT_EQ(replicas_[*leader].process->stop(), 0);  // SIGTERM, drains, releases the Lease
  const auto stopped = steady_clock::now();
  size_t next = 0;
  const auto takeover = waitTakeover(*leader, stopped, next);
  ASSERT_TRUE(takeover);
  // Released on shutdown: no waiting out the 15 s lease (the record said 1 s).
  EXPECT_LT(*takeover, kLeaseDuration - kRetryPeriod)
      << std::chrono::duration_cast<std::chrono::milliseconds>(*takeover).count() << " ms";
  std::cerr << "takeover after SIGTERM: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(*takeover).count() << " ms\n";
  EXPECT_TRUE(waitFor([&] { return leaseHolder() == replicas_[next].leaderIdentity(); }, kWait,
                      "the Lease to name the new leader"));
  EXPECT_GT(leaseSpec().value("leaseTransitions", -1), transitions);

  createRun("after");
  ASSERT_TRUE(waitRunning({"after"}));
  EXPECT_EQ(podsPerRun(), (std::map<std::string, int>{{"after", 1}, {"before", 1}}));
  EXPECT_GE(replicas_[next].reconciles().value_or(0), 1);
}

TEST_F(LeaderElectionTest, SigkilledLeaderIsReplacedAfterTheLeaseExpires) {
  startReplica("a");
  startReplica("b");
  ASSERT_TRUE(waitServing());
  const auto leader = waitSingleLeader();
  ASSERT_TRUE(leader);
  const std::string killedIdentity = replicas_[*leader].leaderIdentity();
  ASSERT_TRUE(waitFor([&] { return leaseHolder() == killedIdentity; }, kWait,
                      "the Lease to name the leader"));

  // The identity ends in the pid (host-pid): the process to kill without letting it release.
  const pid_t pid = std::stoi(killedIdentity.substr(killedIdentity.rfind('-') + 1));
  ASSERT_TRUE(isOurChild(pid)) << killedIdentity;
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  const auto killed = steady_clock::now();
  EXPECT_EQ(replicas_[*leader].process->stop(), 128 + SIGKILL);  // reaps it: it was this replica
  size_t next = 0;
  const auto takeover = waitTakeover(*leader, killed, next);
  ASSERT_TRUE(takeover);
  // Not released: the survivor waits until it has seen no renewal for a whole lease duration
  // (it may have seen the last one up to two retry periods before the kill).
  EXPECT_GE(*takeover, kLeaseDuration - 2 * kRetryPeriod)
      << std::chrono::duration_cast<std::chrono::milliseconds>(*takeover).count() << " ms";
  std::cerr << "takeover after SIGKILL: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(*takeover).count() << " ms\n";
  EXPECT_TRUE(waitFor([&] { return leaseHolder() == replicas_[next].leaderIdentity(); }, kWait,
                      "the Lease to name the new leader"));
  EXPECT_NE(replicas_[next].leaderIdentity(), killedIdentity);

  createRun("after-kill");
  ASSERT_TRUE(waitRunning({"after-kill"}));
  EXPECT_EQ(podsPerRun().size(), 1u);
}

}  // namespace
}  // namespace ps::testing
