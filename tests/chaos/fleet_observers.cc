#include "fleet_observers.h"

#include <dirent.h>

#include <fstream>
#include <sstream>

#include "api/pod_naming.h"
#include "kube/cpprest_http_client.h"
#include "kube/kube_config.h"
#include "reconcile/run_state.h"

namespace ps::chaos {

using nlohmann::json;

std::string runReason(const json& run) {
  const json& status = run.value("status", json::object());
  for (const json& condition : status.value("conditions", json::array())) {
    if (condition.value("type", "") == "Succeeded") return condition.value("reason", "");
  }
  return "";
}

namespace {

bool isTerminalReason(const std::string& reason) {
  auto state = reconcile::runStateFromReason(reason);
  return state && reconcile::isTerminal(*state);
}

std::string runLabel(const json& object) {
  return object.value("metadata", json::object())
      .value("labels", json::object())
      .value(reconcile::kRunLabel, "");
}

}  // namespace

void RunRecorder::observed(const json& run) {
  const std::string name = run["metadata"].value("name", "");
  const std::string reason = runReason(run);
  std::lock_guard lock(mutex_);
  auto& history = histories_[name];
  if (history.empty() || history.back().reason != reason)
    history.push_back({Steady::now(), reason});
}

void RunRecorder::podObserved(const json& pod) {
  const std::string run = runLabel(pod);
  const std::string uid = pod["metadata"].value("uid", "");
  if (run.empty() || uid.empty()) return;
  std::lock_guard lock(mutex_);
  pods_[run].insert(uid);
}

std::vector<RunRecorder::Transition> RunRecorder::history(const std::string& run) const {
  std::lock_guard lock(mutex_);
  auto found = histories_.find(run);
  return found == histories_.end() ? std::vector<Transition>{} : found->second;
}

std::set<std::string> RunRecorder::podUids(const std::string& run) const {
  std::lock_guard lock(mutex_);
  auto found = pods_.find(run);
  return found == pods_.end() ? std::set<std::string>{} : found->second;
}

bool RunRecorder::terminal(const std::string& run) const {
  std::lock_guard lock(mutex_);
  auto found = histories_.find(run);
  return found != histories_.end() && !found->second.empty() &&
         isTerminalReason(found->second.back().reason);
}

size_t RunRecorder::withPods(const std::vector<std::string>& runs) const {
  std::lock_guard lock(mutex_);
  size_t count = 0;
  for (const auto& run : runs) count += pods_.count(run);
  return count;
}

std::map<std::string, std::set<std::string>> auditedPodCreates(const std::string& auditLog,
                                                               const std::string& ns,
                                                               size_t* lines) {
  std::map<std::string, std::set<std::string>> created;
  std::ifstream in(auditLog);
  size_t count = 0;
  for (std::string line; std::getline(in, line);) {
    ++count;
    const json event = json::parse(line, nullptr, false);
    if (!event.is_object() || event.value("verb", "") != "create") continue;
    const json& ref = event.value("objectRef", json::object());
    if (ref.value("resource", "") != "pods" || ref.contains("subresource") ||
        ref.value("namespace", "") != ns) {
      continue;
    }
    if (event.value("responseStatus", json::object()).value("code", 0) != 201) continue;
    const json& pod = event.value("responseObject", json::object());
    const std::string uid = pod.value("metadata", json::object()).value("uid", "");
    created[runLabel(pod)].insert(uid.empty() ? "no-uid-in-audit-event" : uid);
  }
  if (lines) *lines = count;
  return created;
}

std::map<std::string, std::vector<std::string>> auditedStatusWrites(const std::string& auditLog,
                                                                    const std::string& ns) {
  std::map<std::string, std::map<uint64_t, std::string>> byVersion;
  std::ifstream in(auditLog);
  for (std::string line; std::getline(in, line);) {
    const json event = json::parse(line, nullptr, false);
    if (!event.is_object()) continue;
    const json& ref = event.value("objectRef", json::object());
    if (ref.value("resource", "") != "pluginruns" || ref.value("subresource", "") != "status" ||
        ref.value("namespace", "") != ns) {
      continue;
    }
    const int code = event.value("responseStatus", json::object()).value("code", 0);
    if (code < 200 || code > 299) continue;
    const json& run = event.value("responseObject", json::object());
    const std::string version = run.value("metadata", json::object()).value("resourceVersion", "0");
    byVersion[ref.value("name", "")][std::stoull(version)] = runReason(run);
  }
  std::map<std::string, std::vector<std::string>> writes;
  for (const auto& [run, versions] : byVersion) {
    for (const auto& [version, reason] : versions) writes[run].push_back(reason);
  }
  return writes;
}

namespace {

size_t rssBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

size_t openFds(pid_t pid) {
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!dir) return 0;
  size_t count = 0;
  while (const dirent* entry = readdir(dir)) count += entry->d_name[0] != '.';
  closedir(dir);
  return count;
}

}  // namespace

ReplicaSampler::Probe ReplicaSampler::readyz(int probePort) {
  kube::ClientConfig local;
  local.server = "http://127.0.0.1:" + std::to_string(probePort);
  auto http = kube::makeCpprestHttpClient(local);
  kube::HttpRequest request;
  request.path = "/readyz";
  request.timeout = std::chrono::seconds(2);
  const auto started = Steady::now();
  auto response = http->send(request);
  Probe probe;
  if (response) {
    probe.status = response->status;
    return probe;
  }
  probe.error = response.error().describe();
  probe.hung = Steady::now() - started >= std::chrono::milliseconds(1900);
  return probe;
}

ReplicaSampler::ReplicaSampler() : thread_([this] { loop(); }) {}

ReplicaSampler::~ReplicaSampler() {
  stopping_ = true;
  thread_.join();
}

void ReplicaSampler::set(const std::string& replica, pid_t pid, int probePort) {
  std::lock_guard lock(mutex_);
  targets_[replica] = {pid, probePort, false};
}

void ReplicaSampler::drop(const std::string& replica) {
  std::lock_guard lock(mutex_);
  targets_.erase(replica);
}

std::vector<ReplicaSample> ReplicaSampler::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

void ReplicaSampler::loop() {
  while (!stopping_) {
    const auto started = Steady::now();
    std::map<std::string, Target> targets;
    {
      std::lock_guard lock(mutex_);
      targets = targets_;
    }
    for (const auto& [name, target] : targets) {
      ReplicaSample sample;
      sample.replica = name;
      sample.apiServerDown = apiServerDown_;
      const Probe probe = readyz(target.port);
      sample.readyStatus = probe.status;
      sample.probeHung = probe.hung;
      sample.probeError = probe.error;
      sample.at = Steady::now();
      sample.rssBytes = rssBytes(target.pid);
      sample.openFds = openFds(target.pid);
      sample.everReady = target.everReady;
      std::lock_guard lock(mutex_);
      auto current = targets_.find(name);
      if (current == targets_.end() || current->second.pid != target.pid) continue;  // replaced
      if (sample.readyStatus == 200) current->second.everReady = true;
      if (sample.rssBytes > 0) samples_.push_back(sample);
    }
    std::this_thread::sleep_until(started + std::chrono::seconds(1));
  }
}

}  // namespace ps::chaos
