// `make chaos`: PluginRuns kept in flight against the real control plane while faults hit it one
// after another (API server and etcd kill -9, watch expiry, the API server throttling with 429s,
// SIGKILL of the leading controller of two, SIGKILL of a replica every ~10 s x5, a controller
// started while the API server is down), then a table of fault x invariant.
// Exits 1 naming every invariant that failed. Observations are our own: a watch recording every
// run's status transitions, the API server's audit log for Pod creations, /proc for the replicas.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "api/pod_naming.h"
#include "api/resources.h"
#include "bench_objects.h"
#include "cluster_environment.h"
#include "controller_child.h"
#include "fleet_observers.h"
#include "kube/cpprest_http_client.h"
#include "kube/informer.h"
#include "kube/kube_config.h"
#include "kubelet_player.h"
#include "reconcile/run_state.h"

namespace ps::chaos {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Every run's deadline (spec.timeoutSeconds) and how long past it a run may stay non-terminal.
constexpr int kRunTimeoutSeconds = 60;
constexpr auto kDeadlineBound = 60s;
// Replica bounds, stated up front: resident memory and open descriptors of each process.
constexpr size_t kRssBound = 256u << 20;
constexpr size_t kFdBound = 256;
// /readyz must answer within 2 s; a replica that never synced must not claim ready while the API
// server is gone; every replica is ready again within this long after the control plane is.
constexpr auto kReadyAfterRecovery = 60s;
// The throttled API server: the classic in-flight limit (priority and fairness off, so it applies
// and answers 429 at once) at one request of each kind, held while the burst is worked on.
constexpr const char* kThrottleArgs =
    " --enable-priority-and-fairness=false --max-requests-inflight=1"
    " --max-mutating-requests-inflight=1";
constexpr auto kThrottleHold = 30s;
// SIGKILL of a replica every ~10 s, five times.
constexpr int kReplicaKills = 5;
constexpr auto kReplicaKillEvery = 10s;

const kube::GroupVersionResource kNamespaces{"", "v1", "namespaces", false};
const kube::GroupVersionResource kServiceAccounts{"", "v1", "serviceaccounts", true};
const kube::GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases", true};

using testing::CommandResult;

std::string lastLogLine(const std::string& path) {
  std::ifstream in(path);
  std::string last;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) last = line;
  }
  return last;
}

double secondsBetween(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = Steady::now() + limit;
  while (!done()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

void say(const std::string& text) {
  std::printf("chaos: %s\n", text.c_str());
  std::fflush(stdout);
}

struct Options {
  std::string kubeconfig, controller, sourceDir, outDir, clusterScript, auditLog;
  // The replicas' own identity (no system:masters, which the API server never throttles); empty:
  // the admin kubeconfig.
  std::string controllerKubeconfig;
  std::set<std::string> onlyFaults;  // --faults a,b: just these waves
  int runs = 300;
  bool shortRun = false;
};

// One plugin-controller replica with --leader-elect; restartable under the same name.
struct Replica {
  std::string name;
  int probePort = 0;
  int metricsPort = 0;
  int starts = 0;
  std::string logPath;
  std::unique_ptr<bench::ControllerChild> process;
};

// One wave: runs created, a fault injected mid-burst, the control plane brought back.
struct Wave {
  std::string fault;
  std::vector<std::string> runs;
  std::vector<Steady::time_point> created;
  Steady::time_point start, faultAt, healthyAt, end;
  bool recovered = true;
  std::string recoveryNote;
  std::vector<std::string> exits;  // replicas that exited on their own during the wave
  std::string faultNote;           // what the fault did (429s seen, replicas killed)
};

class ChaosRun {
 public:
  ChaosRun(Options options, kube::KubeClient& client)
      : options_(std::move(options)), client_(client) {}

  int run();

 private:
  CommandResult cluster(const std::string& command) {
    return testing::runCommand({options_.clusterScript, command});
  }
  bool setUpNamespace();
  void startObservers();
  void startReplica(const std::string& name);
  void restartExited();
  bool replicasReady(std::chrono::milliseconds limit);
  std::optional<pid_t> leaderPid();
  bool waitLeader(std::chrono::milliseconds limit);
  bool controlPlaneUp(Wave& wave);
  double serviceAccountSeconds();
  void runWave(const std::string& fault, const std::function<void(Wave&)>& inject);
  void apiServerKill(Wave& wave);
  void etcdKill(Wave& wave);
  void watchExpiry(Wave& wave);
  void leaderKill(Wave& wave);
  void apiServerThrottle(Wave& wave);
  void replicaKills(Wave& wave);
  void sample429s(std::map<pid_t, long>& seen);
  void startDuringOutage(Wave& wave);
  int report();

  Options options_;
  kube::KubeClient& client_;
  std::string ns_;
  std::string policyFile_;
  std::map<std::string, Replica> replicas_;
  RunRecorder recorder_;
  std::unique_ptr<KubeletPlayer> kubelet_;
  std::unique_ptr<ReplicaSampler> sampler_;
  std::unique_ptr<kube::Informer> runWatch_, podWatch_;
  std::vector<Wave> waves_;
  std::vector<std::string> exits_;  // of the current wave
  int probes_ = 0;
};

bool ChaosRun::setUpNamespace() {
  ns_ = "chaos-" + std::to_string(std::random_device{}() % 100000);
  json object = {
      {"apiVersion", "v1"},
      {"kind", "Namespace"},
      {"metadata",
       {{"name", ns_}, {"labels", {{"pod-security.kubernetes.io/enforce", "restricted"}}}}}};
  if (!client_.create(kNamespaces, "", object)) return false;
  if (!waitUntil([&] { return !!client_.get(kServiceAccounts, ns_, "default"); }, 120s)) {
    say("namespace " + ns_ + " got no default ServiceAccount within 120 s");
    return false;
  }
  return !!client_.create(
      kube::configMapsResource(), ns_,
      bench::pluginConfigMap("example", options_.sourceDir + "/plugins/example"));
}

void ChaosRun::startObservers() {
  kube::InformerOptions runOptions;
  runWatch_ =
      std::make_unique<kube::Informer>(client_, reconcile::pluginRunsResource(), ns_, runOptions);
  runWatch_->addHandlers(
      {[this](const kube::ObjectPtr& run) { recorder_.observed(*run); },
       [this](const kube::ObjectPtr&, const kube::ObjectPtr& run) { recorder_.observed(*run); },
       {}});
  kubelet_ = std::make_unique<KubeletPlayer>(client_, ns_, 1500ms, 8000ms);
  kube::InformerOptions podOptions;
  podOptions.watcher.labelSelector = reconcile::kRunLabel;
  podWatch_ = std::make_unique<kube::Informer>(client_, kube::podsResource(), ns_, podOptions);
  auto onPod = [this](const kube::ObjectPtr& pod) {
    recorder_.podObserved(*pod);
    kubelet_->podSeen(*pod);
  };
  podWatch_->addHandlers(
      {onPod, [onPod](const kube::ObjectPtr&, const kube::ObjectPtr& pod) { onPod(pod); }, {}});
  runWatch_->start();
  podWatch_->start();
  runWatch_->waitForSync(30s);
  podWatch_->waitForSync(30s);
  sampler_ = std::make_unique<ReplicaSampler>();
}

void ChaosRun::startReplica(const std::string& name) {
  Replica& replica = replicas_[name];
  replica.name = name;
  replica.probePort = testing::freeLoopbackPort();
  replica.metricsPort = testing::freeLoopbackPort();
  replica.logPath =
      options_.outDir + "/controller-" + name + "-" + std::to_string(++replica.starts) + ".log";
  const std::string& log = replica.logPath;
  const std::vector<std::string> args{
      "--kubeconfig",
      options_.controllerKubeconfig.empty() ? options_.kubeconfig : options_.controllerKubeconfig,
      "--namespace",
      ns_,
      "--leader-elect",
      "--leader-election-namespace",
      ns_,
      "--metrics-bind-address",
      "127.0.0.1:" + std::to_string(replica.metricsPort),
      "--health-probe-bind-address",
      "127.0.0.1:" + std::to_string(replica.probePort),
      "--log-format",
      "json"};
  const std::vector<std::string> env{
      "PLUGIN_POLICY_FILE=" + options_.sourceDir + "/plugins/policy.json",
      "PLUGIN_SIGNING_KEY=" + options_.sourceDir + "/plugins/keys/demo.pub.pem"};
  replica.process = std::make_unique<bench::ControllerChild>(options_.controller, args, env, log);
  sampler_->set(name, replica.process->pid(), replica.probePort);
}

// A replica that exited on its own (it ends when it loses the Lease, as controller-runtime does)
// is started again, as its Deployment would; each such exit is reported with the wave.
void ChaosRun::restartExited() {
  for (auto& [name, replica] : replicas_) {
    if (!replica.process || replica.process->alive()) continue;
    const std::string log = lastLogLine(replica.logPath);
    say("replica " + name + " exited on its own (last log line " + log + "), restarting it");
    exits_.push_back(name + ": " + log);
    startReplica(name);
  }
}

bool ChaosRun::replicasReady(std::chrono::milliseconds limit) {
  return waitUntil(
      [&] {
        restartExited();
        for (auto& [name, replica] : replicas_) {
          if (replica.process && ReplicaSampler::readyz(replica.probePort).status != 200) {
            return false;
          }
        }
        return true;
      },
      limit);
}

// The Lease holder's pid (identities end in "-<pid>") when it is one of our live replicas.
std::optional<pid_t> ChaosRun::leaderPid() {
  auto lease = client_.get(kLeases, ns_, "plugin-controller");
  if (!lease) return std::nullopt;
  const std::string holder = (*lease)["spec"].value("holderIdentity", "");
  const auto dash = holder.rfind('-');
  if (dash == std::string::npos) return std::nullopt;
  const pid_t pid = std::atoi(holder.c_str() + dash + 1);
  for (auto& [name, replica] : replicas_) {
    if (replica.process && replica.process->pid() == pid && replica.process->alive()) return pid;
  }
  return std::nullopt;
}

bool ChaosRun::waitLeader(std::chrono::milliseconds limit) {
  return waitUntil(
      [&] {
        restartExited();
        return leaderPid().has_value();
      },
      limit);
}

// Seconds until a fresh namespace has its `default` ServiceAccount (-1: not within 120 s).
double ChaosRun::serviceAccountSeconds() {
  const std::string probe = ns_ + "-probe-" + std::to_string(++probes_);
  const auto started = Steady::now();
  json object = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", probe}}}};
  if (!client_.create(kNamespaces, "", object)) return -1;
  const bool ok =
      waitUntil([&] { return !!client_.get(kServiceAccounts, probe, "default"); }, 120s);
  (void)client_.remove(kNamespaces, "", probe);
  return ok ? secondsBetween(started, Steady::now()) : -1;
}

// `cluster.sh up`, then the whole control plane healthy: API server ready, the ServiceAccount
// controller serving a fresh namespace, a leader among our replicas, every replica ready.
bool ChaosRun::controlPlaneUp(Wave& wave) {
  auto up = cluster("up");
  sampler_->setApiServerDown(false);
  if (!up.ok()) {
    wave.recoveryNote = "cluster.sh up failed: " + up.err;
    return false;
  }
  const double saSeconds = serviceAccountSeconds();
  const bool leader = waitLeader(60s);
  const bool ready = replicasReady(kReadyAfterRecovery);
  wave.healthyAt = Steady::now();
  char note[256];
  std::snprintf(note, sizeof(note), "default ServiceAccount in a fresh namespace after %.1f s%s%s",
                saSeconds, leader ? "" : ", NO LEADER", ready ? "" : ", a replica NOT READY");
  wave.recoveryNote = note;
  return saSeconds >= 0 && leader && ready;
}

void ChaosRun::apiServerKill(Wave& wave) {
  cluster("kill-apiserver");
  sampler_->setApiServerDown(true);
  std::this_thread::sleep_for(5s);
  wave.recovered = controlPlaneUp(wave);
}

void ChaosRun::etcdKill(Wave& wave) {
  cluster("kill-etcd");
  std::this_thread::sleep_for(5s);
  wave.recovered = controlPlaneUp(wave);
}

void ChaosRun::watchExpiry(Wave& wave) {
  sampler_->setApiServerDown(true);
  auto expired = cluster("expire-watches");
  wave.recovered = expired.ok() && controlPlaneUp(wave);
}

void ChaosRun::leaderKill(Wave& wave) {
  auto pid = leaderPid();
  for (auto& [name, replica] : replicas_) {
    if (!pid || !replica.process || replica.process->pid() != *pid) continue;
    kill(*pid, SIGKILL);
    while (replica.process->alive()) std::this_thread::sleep_for(20ms);
    say("SIGKILL of leader " + name + " (pid " + std::to_string(*pid) + "), restarting it");
    startReplica(name);
    wave.recovered = waitLeader(60s) && replicasReady(kReadyAfterRecovery);
    wave.healthyAt = Steady::now();
    wave.recoveryNote = "a live replica holds the Lease, every replica ready";
    return;
  }
  wave.recovered = false;
  wave.recoveryNote = "no live leader to kill";
}

// 429s the live replicas' clients got so far (rest_client_requests_total{code="429"} on each
// one's /metrics), by pid: a replica restarted meanwhile starts again from zero under a new pid.
void ChaosRun::sample429s(std::map<pid_t, long>& seen) {
  for (auto& [name, replica] : replicas_) {
    if (!replica.process || !replica.process->alive()) continue;
    kube::ClientConfig local;
    local.server = "http://127.0.0.1:" + std::to_string(replica.metricsPort);
    auto http = kube::makeCpprestHttpClient(local);
    kube::HttpRequest request;
    request.path = "/metrics";
    request.timeout = 2s;
    auto response = http->send(request);
    if (!response || response->status != 200) continue;
    long total = 0;
    std::istringstream lines(response->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("rest_client_requests_total{", 0) != 0) continue;
      if (line.find("code=\"429\"") == std::string::npos) continue;
      total += std::atol(line.c_str() + line.rfind(' ') + 1);
    }
    long& known = seen[replica.process->pid()];
    known = std::max(known, total);
  }
}

// The API server restarted with a tiny in-flight limit while the burst is worked on, then
// restarted without it. The replicas' own identity is not system:masters, so they get real 429s;
// the row fails when none was seen (the fault did not happen).
void ChaosRun::apiServerThrottle(Wave& wave) {
  const char* current = std::getenv("PS_APISERVER_EXTRA_ARGS");
  const std::string normal = current ? current : "";
  std::map<pid_t, long> before, during;
  sample429s(before);
  ::setenv("PS_APISERVER_EXTRA_ARGS", (normal + kThrottleArgs).c_str(), 1);
  sampler_->setApiServerDown(true);
  auto throttled = cluster("restart-apiserver");
  sampler_->setApiServerDown(false);
  const auto until = Steady::now() + kThrottleHold;
  while (Steady::now() < until) {
    restartExited();
    sample429s(during);
    std::this_thread::sleep_for(2s);
  }
  sample429s(during);
  ::setenv("PS_APISERVER_EXTRA_ARGS", normal.c_str(), 1);
  sampler_->setApiServerDown(true);
  const auto restored = cluster("restart-apiserver");
  wave.recovered = throttled.ok() && restored.ok() && controlPlaneUp(wave);
  long seen = 0;
  for (const auto& [pid, count] : during) seen += count - (before.count(pid) ? before[pid] : 0);
  wave.faultNote = std::to_string(seen) + " HTTP 429 answers seen by the replicas in " +
                   std::to_string(kThrottleHold.count()) + " s at" + kThrottleArgs;
  if (!throttled.ok()) wave.recoveryNote = "restart with the limit failed: " + throttled.err;
  if (!restored.ok()) wave.recoveryNote = "restart without the limit failed: " + restored.err;
  if (seen == 0) {
    wave.recovered = false;
    wave.recoveryNote = "no 429 seen: the throttle never bit";
  }
}

// SIGKILL of a replica every ~10 s, five times, each restarted at once as its Deployment would:
// the Lease holder when it is one of ours and alive, else the other replica.
void ChaosRun::replicaKills(Wave& wave) {
  std::string killed;
  for (int k = 1; k <= kReplicaKills; ++k) {
    const auto next = Steady::now() + kReplicaKillEvery;
    const auto leader = leaderPid();
    Replica* victim = nullptr;
    for (auto& [name, replica] : replicas_) {
      if (!replica.process || !replica.process->alive()) continue;
      if (!victim || (leader && replica.process->pid() == *leader)) victim = &replica;
    }
    if (victim) {
      const pid_t pid = victim->process->pid();
      const bool wasLeader = leader && *leader == pid;
      kill(pid, SIGKILL);
      while (victim->process->alive()) std::this_thread::sleep_for(20ms);
      say("SIGKILL " + std::to_string(k) + "/" + std::to_string(kReplicaKills) + " of " +
          (wasLeader ? "leader " : "replica ") + victim->name + " (pid " + std::to_string(pid) +
          "), restarting it");
      killed += (killed.empty() ? "" : ",") + victim->name + (wasLeader ? "(leader)" : "");
      startReplica(victim->name);
    }
    restartExited();
    std::this_thread::sleep_until(next);
  }
  wave.recovered = waitLeader(60s) && replicasReady(kReadyAfterRecovery);
  wave.healthyAt = Steady::now();
  wave.recoveryNote = "a live replica holds the Lease, every replica ready";
  wave.faultNote = "SIGKILLed every " + std::to_string(kReplicaKillEvery.count()) + " s: " + killed;
}

// A third replica started while the API server is gone: /readyz must say not ready until it
// synced, and it must come up once the API server is back.
void ChaosRun::startDuringOutage(Wave& wave) {
  cluster("kill-apiserver");
  sampler_->setApiServerDown(true);
  startReplica("late");
  std::this_thread::sleep_for(8s);
  wave.recovered = controlPlaneUp(wave);
}

void ChaosRun::runWave(const std::string& fault, const std::function<void(Wave&)>& inject) {
  Wave wave;
  wave.fault = fault;
  wave.start = Steady::now();
  say(fault + ": creating " + std::to_string(options_.runs) + " PluginRuns");
  std::atomic<int> next{0};
  std::mutex mutex;
  std::vector<std::thread> creators;
  for (int t = 0; t < 4; ++t) {
    creators.emplace_back([&] {
      for (int i = next++; i < options_.runs; i = next++) {
        const std::string name = fault + "-" + std::to_string(i);
        json run = bench::pluginRun(name, "example");
        run["spec"]["timeoutSeconds"] = kRunTimeoutSeconds;
        // No node carries this label: where a real node exists its scheduler leaves these Pods
        // unbound, so the kubelet player stays their only kubelet.
        run["spec"]["podTemplate"] = {{"nodeSelector", {{"chaos.plugins.dev/kubelet", "played"}}}};
        if (client_.create(reconcile::pluginRunsResource(), ns_, run)) {
          std::lock_guard lock(mutex);
          wave.runs.push_back(name);
          wave.created.push_back(Steady::now());
        }
      }
    });
  }
  for (auto& creator : creators) creator.join();
  // Mid-burst: a third of the runs have their Pod, the rest are still being worked on.
  waitUntil([&] { return recorder_.withPods(wave.runs) * 3 >= wave.runs.size(); }, 60s);
  wave.faultAt = Steady::now();
  say(fault + ": fault at " + std::to_string(recorder_.withPods(wave.runs)) + "/" +
      std::to_string(wave.runs.size()) + " runs with a Pod");
  inject(wave);
  char line[512];
  std::snprintf(line, sizeof(line), "%s: control plane %s %.1f s after the fault (%s)",
                fault.c_str(), wave.recovered ? "healthy" : "NOT healthy",
                secondsBetween(wave.faultAt, wave.healthyAt), wave.recoveryNote.c_str());
  say(line);
  const auto lastCreated = wave.created.empty() ? Steady::now() : wave.created.back();
  const auto limit = lastCreated + std::chrono::seconds(kRunTimeoutSeconds) + kDeadlineBound;
  waitUntil(
      [&] {
        for (const auto& run : wave.runs) {
          if (!recorder_.terminal(run)) return false;
        }
        return true;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(limit - Steady::now()));
  restartExited();
  wave.exits = std::move(exits_);
  exits_.clear();
  wave.end = Steady::now();
  std::snprintf(line, sizeof(line), "%s: wave over after %.1f s", fault.c_str(),
                secondsBetween(wave.start, wave.end));
  say(line);
  waves_.push_back(std::move(wave));
}

int ChaosRun::run() {
  if (!setUpNamespace()) {
    say("cannot set up the namespace");
    return 2;
  }
  startObservers();
  startReplica("a");
  startReplica("b");
  if (!waitLeader(90s) || !replicasReady(60s)) {
    say("the replicas never elected a leader or never became ready (logs in " + options_.outDir +
        ")");
    return 2;
  }
  using Inject = std::function<void(Wave&)>;
  std::vector<std::pair<std::string, Inject>> faults;
  auto apiKill = [this](Wave& w) { apiServerKill(w); };
  auto leader = [this](Wave& w) { leaderKill(w); };
  auto throttle = [this](Wave& w) { apiServerThrottle(w); };
  auto replicaKills5 = [this](Wave& w) { replicaKills(w); };
  if (!options_.onlyFaults.empty()) {
    const std::vector<std::pair<std::string, Inject>> known = {
        {"apiserver-kill-1", apiKill},
        {"etcd-kill", [this](Wave& w) { etcdKill(w); }},
        {"watch-expiry", [this](Wave& w) { watchExpiry(w); }},
        {"apiserver-throttle", throttle},
        {"leader-kill-1", leader},
        {"replica-kill-x5", replicaKills5},
        {"start-during-outage", [this](Wave& w) { startDuringOutage(w); }}};
    for (const auto& [fault, inject] : known)
      if (options_.onlyFaults.count(fault)) faults.emplace_back(fault, inject);
  } else if (options_.shortRun) {
    faults = {{"apiserver-kill-1", apiKill}, {"leader-kill-1", leader}};
  } else {
    faults = {{"apiserver-kill-1", apiKill},
              {"apiserver-kill-2", apiKill},
              {"apiserver-kill-3", apiKill},
              {"etcd-kill", [this](Wave& w) { etcdKill(w); }},
              {"watch-expiry", [this](Wave& w) { watchExpiry(w); }},
              {"apiserver-throttle", throttle},
              {"leader-kill-1", leader},
              {"leader-kill-2", leader},
              {"leader-kill-3", leader},
              {"leader-kill-4", leader},
              {"replica-kill-x5", replicaKills5},
              {"start-during-outage", [this](Wave& w) { startDuringOutage(w); }}};
  }
  for (const auto& [fault, inject] : faults) runWave(fault, inject);
  const int verdict = report();
  // Kept for inspection when an invariant failed.
  if (verdict == 0) (void)client_.remove(kNamespaces, "", ns_);
  return verdict;
}

// Every sample, for a closer look: seconds from the first, replica, RSS, fds, /readyz.
void writeSamples(const std::vector<ReplicaSample>& samples, const std::string& path) {
  std::ofstream out(path);
  out << "seconds,replica,rss_bytes,open_fds,readyz,hung,apiserver_down,ever_ready,error\n";
  for (const auto& sample : samples) {
    out << secondsBetween(samples.front().at, sample.at) << ',' << sample.replica << ','
        << sample.rssBytes << ',' << sample.openFds << ',' << sample.readyStatus << ','
        << sample.probeHung << ',' << sample.apiServerDown << ',' << sample.everReady << ",\""
        << sample.probeError << "\"\n";
  }
}

bool isTerminalReason(const std::string& reason) {
  auto state = reconcile::runStateFromReason(reason);
  return state && reconcile::isTerminal(*state);
}

// One cell of the table: how many runs (or samples) broke the invariant, with examples.
struct Cell {
  bool applicable = true;
  int failures = 0;
  std::string detail;  // the first examples
  std::string figure;  // shown next to the verdict: the maximum RSS and fds
  void fail(const std::string& example) {
    if (++failures <= 3) detail += (detail.empty() ? "" : "; ") + example;
  }
  std::string text() const {
    if (!applicable) return "n/a";
    const std::string verdict = failures == 0 ? "ok" : "FAIL " + std::to_string(failures);
    return figure.empty() ? verdict : verdict + " " + figure;
  }
};

struct Row {
  std::string fault;
  size_t runs = 0;
  double healthySeconds = 0;
  std::vector<std::string> exits;
  std::string faultNote;
  std::string outageAnswers;  // what /readyz said while the API server was gone
  std::map<std::string, Cell> cells;
};

const std::vector<std::string> kInvariants{"recovered", "one-terminal", "<=1-pod", "none-lost",
                                           "deadline",  "rss+fds",      "readyz"};

int ChaosRun::report() {
  size_t auditLines = 0;
  const auto audited = auditedPodCreates(options_.auditLog, ns_, &auditLines);
  const auto statusWrites = auditedStatusWrites(options_.auditLog, ns_);
  std::map<std::string, std::string> finalReason;
  auto all = client_.listAll(reconcile::pluginRunsResource(), ns_);
  for (const json& run : all ? all->items : json::array()) {
    finalReason[run["metadata"].value("name", "")] = runReason(run);
  }
  const auto samples = sampler_->samples();
  writeSamples(samples, options_.outDir + "/samples.csv");
  std::vector<Row> rows;
  size_t maxRss = 0, maxFds = 0;
  for (const Wave& wave : waves_) {
    Row row;
    row.fault = wave.fault;
    row.runs = wave.runs.size();
    row.healthySeconds = secondsBetween(wave.faultAt, wave.healthyAt);
    row.exits = wave.exits;
    row.faultNote = wave.faultNote;
    auto& cells = row.cells;
    for (const auto& name : kInvariants) cells[name];
    if (!wave.recovered) cells["recovered"].fail(wave.recoveryNote);
    for (size_t i = 0; i < wave.runs.size(); ++i) {
      const std::string& run = wave.runs[i];
      const auto history = recorder_.history(run);
      std::optional<RunRecorder::Transition> firstTerminal;
      std::string path;
      for (const auto& step : history) {
        path += (path.empty() ? "" : ">") + (step.reason.empty() ? "-" : step.reason);
        if (firstTerminal && step.reason != firstTerminal->reason) {
          cells["one-terminal"].fail(run + " " + path);
        }
        if (!firstTerminal && isTerminalReason(step.reason)) firstTerminal = step;
      }
      // The same rule over every status the API server accepted (no watch gaps).
      std::string written, writtenTerminal;
      if (auto writes = statusWrites.find(run); writes != statusWrites.end()) {
        for (const auto& reason : writes->second) {
          written += (written.empty() ? "" : ">") + (reason.empty() ? "-" : reason);
          if (!writtenTerminal.empty() && reason != writtenTerminal) {
            cells["one-terminal"].fail(run + " written " + written);
            break;
          }
          if (writtenTerminal.empty() && isTerminalReason(reason)) writtenTerminal = reason;
        }
      }
      auto final = finalReason.find(run);
      if (!firstTerminal)
        cells["one-terminal"].fail(run + " never terminal: " + path);
      else if (final != finalReason.end() && final->second != firstTerminal->reason)
        cells["one-terminal"].fail(run + " now " + final->second + " after " + path);
      const auto auditUids = audited.count(run) ? audited.at(run).size() : 0;
      const auto watchUids = recorder_.podUids(run).size();
      if (auditUids > 1 || watchUids > 1) {
        cells["<=1-pod"].fail(run + " audit " + std::to_string(auditUids) + " watch " +
                              std::to_string(watchUids));
      }
      if (final == finalReason.end())
        cells["none-lost"].fail(run + " is gone");
      else if (auditUids == 0 && !isTerminalReason(final->second))
        cells["none-lost"].fail(run + " no Pod and reason '" + final->second + "'");
      const auto deadline =
          wave.created[i] + std::chrono::seconds(kRunTimeoutSeconds) + kDeadlineBound;
      if (!firstTerminal || firstTerminal->at > deadline) cells["deadline"].fail(run);
    }
    size_t waveRss = 0, waveFds = 0;
    bool sawOutage = false;
    std::map<std::string, int> outageAnswers;  // "a 200", "late 503", "b refused"
    for (const auto& sample : samples) {
      if (sample.at < wave.start || sample.at > wave.end) continue;
      waveRss = std::max(waveRss, sample.rssBytes);
      waveFds = std::max(waveFds, sample.openFds);
      if (!sample.apiServerDown) continue;
      sawOutage = true;
      ++outageAnswers[sample.replica + " " +
                      (sample.readyStatus ? std::to_string(sample.readyStatus)
                       : sample.probeHung ? "hung"
                                          : "refused")];
      // A refused connection is the truth too (nothing listens: not ready); a probe that hangs
      // past its timeout is not, nor a 200 from a replica that never synced.
      if (sample.probeHung) cells["readyz"].fail(sample.replica + " hung: " + sample.probeError);
      if (sample.readyStatus == 200 && !sample.everReady) {
        cells["readyz"].fail(sample.replica + " ready before it ever synced");
      }
    }
    cells["readyz"].applicable = sawOutage;
    for (const auto& [answer, count] : outageAnswers) {
      row.outageAnswers +=
          (row.outageAnswers.empty() ? "" : ", ") + answer + " x" + std::to_string(count);
    }
    if (waveRss > kRssBound || waveFds > kFdBound) {
      cells["rss+fds"].fail("RSS " + std::to_string(waveRss >> 20) + " MiB, " +
                            std::to_string(waveFds) + " fds");
    }
    cells["rss+fds"].figure = std::to_string(waveRss >> 20) + "M/" + std::to_string(waveFds);
    maxRss = std::max(maxRss, waveRss);
    maxFds = std::max(maxFds, waveFds);
    rows.push_back(std::move(row));
  }

  std::printf(
      "\nchaos: namespace %s, %zu audit events, bounds: terminal by creation + %d s "
      "timeout + %lld s; RSS <= %zu MiB, fds <= %zu per replica; /readyz answers in 2 s, "
      "never 200 before a first sync while the API server is gone, 200 again <= %lld s "
      "after recovery\n\n",
      ns_.c_str(), auditLines, kRunTimeoutSeconds, static_cast<long long>(kDeadlineBound.count()),
      kRssBound >> 20, kFdBound, static_cast<long long>(kReadyAfterRecovery.count()));
  std::printf("%-20s %5s %8s %5s", "fault", "runs", "healthy", "exits");
  for (const auto& name : kInvariants) std::printf(" %-14s", name.c_str());
  std::printf("\n");
  std::vector<std::string> broken;
  for (const Row& row : rows) {
    std::printf("%-20s %5zu %7.1fs %5zu", row.fault.c_str(), row.runs, row.healthySeconds,
                row.exits.size());
    for (const auto& name : kInvariants) {
      const Cell& cell = row.cells.at(name);
      std::printf(" %-14s", cell.text().c_str());
      if (cell.failures) broken.push_back(row.fault + " x " + name + ": " + cell.detail);
    }
    std::printf("\n");
  }
  std::printf("\nmax over all waves: RSS %zu MiB, %zu open fds\n", maxRss >> 20, maxFds);
  std::map<std::string, int> reasons;
  for (const auto& [run, reason] : finalReason) ++reasons[reason.empty() ? "-" : reason];
  std::printf("final reasons:");
  for (const auto& [reason, count] : reasons) std::printf(" %s=%d", reason.c_str(), count);
  std::printf("\n");
  for (const Row& row : rows) {
    if (!row.faultNote.empty()) std::printf("%s: %s\n", row.fault.c_str(), row.faultNote.c_str());
    if (!row.outageAnswers.empty()) {
      std::printf("/readyz while the API server was gone, %s: %s\n", row.fault.c_str(),
                  row.outageAnswers.c_str());
    }
    for (const auto& exit : row.exits) {
      std::printf("replica exit in %s: %s\n", row.fault.c_str(), exit.c_str());
    }
  }
  for (const auto& line : broken) std::printf("INVARIANT FAILED: %s\n", line.c_str());
  std::fflush(stdout);
  return broken.empty() ? 0 : 1;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--kubeconfig") options.kubeconfig = value;
    if (flag == "--controller") options.controller = value;
    if (flag == "--source-dir") options.sourceDir = value;
    if (flag == "--out-dir") options.outDir = value;
    if (flag == "--audit-log") options.auditLog = value;
    if (flag == "--runs") options.runs = std::stoi(value);
    if (flag == "--short") options.shortRun = value == "1";
    if (flag == "--controller-kubeconfig") options.controllerKubeconfig = value;
    if (flag == "--faults") {
      std::istringstream names(value);
      for (std::string name; std::getline(names, name, ',');)
        if (!name.empty()) options.onlyFaults.insert(name);
    }
  }
  options.clusterScript = options.sourceDir + "/tests/cluster/cluster.sh";
  return options;
}

}  // namespace
}  // namespace ps::chaos

int main(int argc, char** argv) {
  using namespace ps;
  const chaos::Options options = chaos::parse(argc, argv);
  auto config = kube::loadKubeconfig(options.kubeconfig);
  if (!config || options.controller.empty() || options.sourceDir.empty() ||
      options.outDir.empty() || options.auditLog.empty()) {
    std::fprintf(stderr,
                 "usage: chaos_run --kubeconfig F --controller BIN --source-dir D --out-dir D "
                 "--audit-log F [--runs N] [--short 1] [--controller-kubeconfig F] "
                 "[--faults NAME,...]\n");
    return 2;
  }
  std::filesystem::create_directories(options.outDir);
  kube::ClientOptions unlimited;
  unlimited.qps = 0;
  kube::KubeClient client(kube::makeCpprestHttpClient(config.value()), unlimited);
  chaos::ChaosRun run(options, client);
  return run.run();
}
