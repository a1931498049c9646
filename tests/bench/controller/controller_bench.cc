// `make bench` for plugin-controller against the real API server, beside its peer measured in the
// same run on the same server: the upstream Job controller (kube-controller-manager
// --controllers=job) with the same client limits and workers. In alternating trials, each in a
// fresh namespace: the raw Pod-create rate of as many client threads as the controllers have
// workers, 1,000 objects (PluginRuns / Jobs) created at once at --kube-api-qps 200 and with the
// limiter out of the way (qps 5000), and paced at 50/s (latency from create to Pod); per trial the
// CPU seconds of the controller, the API server and etcd, the requests per object, and the
// machine's other load. Medians over the trials. Then the controller's memory with 10,000
// finished runs (and their Pods) cached.
#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/pod_naming.h"
#include "api/resources.h"
#include "bench_objects.h"
#include "controller_session.h"
#include "cpu_usage.h"
#include "job_controller_session.h"
#include "kube/cpprest_http_client.h"
#include "kube/informer.h"
#include "kube/kube_config.h"
#include "manager/plugin_run_reconciler.h"
#include "prometheus_text.h"
#include "reconcile/pod_builder.h"
#include "run_timings.h"

namespace ps::bench {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct Args {
  std::string kubeconfig, controller, sourceDir, out;
  int runs = 1000;
  int creators = 4;  // client threads creating the PluginRuns "at once"
  int pacedRate = 50;
  int pacedSeconds = 20;
  int cachedRuns = 10000;
  bool cachedPods = false;        // also give the cached runs their (finished) Pods
  std::string compareController;  // another plugin-controller measured on the same objects
  bool trimProbe = false;         // after measuring, malloc_trim(0) in the controller via gdb
  std::vector<std::string> controllerEnv;  // e.g. GLIBC_TUNABLES=..., to try allocator settings
  std::vector<int> workers{8};
  std::string phases = "raw,burst,fast,paced,memory";  // to run a part while investigating
  std::string jobController;  // kube-controller-manager: the peer; "" = none
  std::string stateDir;       // the cluster's STATE_DIR (its pid files), for CPU seconds
  std::string record;         // figures as tab-separated lines for bench_record.py
  int trials = 3;
  // The cluster runs no kube-controller-manager: the bench makes each namespace's `default`
  // ServiceAccount itself and leaves namespaces to `cluster.sh down` (none would finalize).
  bool noControllerManager = false;

  bool has(const std::string& phase) const { return phases.find(phase) != std::string::npos; }
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--kubeconfig") args.kubeconfig = value;
    if (flag == "--controller") args.controller = value;
    if (flag == "--source-dir") args.sourceDir = value;
    if (flag == "--out") args.out = value;
    if (flag == "--runs") args.runs = std::stoi(value);
    if (flag == "--creators") args.creators = std::stoi(value);
    if (flag == "--paced-rate") args.pacedRate = std::stoi(value);
    if (flag == "--paced-seconds") args.pacedSeconds = std::stoi(value);
    if (flag == "--cached-runs") args.cachedRuns = std::stoi(value);
    if (flag == "--phases") args.phases = value;
    if (flag == "--cached-pods") args.cachedPods = value == "1";
    if (flag == "--trim-probe") args.trimProbe = value == "1";
    if (flag == "--compare-controller") args.compareController = value;
    if (flag == "--controller-env") args.controllerEnv.push_back(value);
    if (flag == "--job-controller") args.jobController = value;
    if (flag == "--state-dir") args.stateDir = value;
    if (flag == "--record") args.record = value;
    if (flag == "--trials") args.trials = std::stoi(value);
    if (flag == "--no-controller-manager") args.noControllerManager = value == "1";
    if (flag == "--workers") {
      args.workers.clear();
      std::istringstream list(value);
      for (std::string item; std::getline(list, item, ',');)
        args.workers.push_back(std::stoi(item));
    }
  }
  return args;
}

double secondsSince(Steady::time_point from) {
  return std::chrono::duration<double>(Steady::now() - from).count();
}

bool waitUntil(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = Steady::now() + limit;
  while (!done()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

double mib(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

// The figures, printed as they come and kept for the file.
class Report {
 public:
  void line(const char* format, ...) __attribute__((format(printf, 2, 3))) {
    char buffer[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof(buffer), format, args);
    va_end(args);
    std::printf("%s\n", buffer);
    std::fflush(stdout);
    text_ += std::string(buffer) + "\n";
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Calls fn(i) for i in [0, count) from `threads` threads; returns the failures.
int parallelFor(int count, int threads, const std::function<bool(int)>& fn) {
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        if (!fn(i)) ++failures;
      }
    });
  }
  for (auto& thread : pool) thread.join();
  return failures;
}

// Reports the first failure of a batch only: one line, not a thousand.
bool check(const kube::Result<json>& result, const char* what) {
  static std::atomic<int> reported{0};
  if (result) return true;
  if (reported++ < 3) {
    std::fprintf(stderr, "controller bench: failed %s: %s\n", what,
                 result.error().describe().c_str());
  }
  return false;
}

std::string httpGet(kube::HttpClient& http, const std::string& path) {
  kube::HttpRequest request;
  request.path = path;
  request.timeout = 30s;
  auto response = http.send(request);
  return response && response->status == 200 ? response->body : std::string();
}

const kube::GroupVersionResource kNamespaces{"", "v1", "namespaces", false};
const kube::GroupVersionResource kServiceAccounts{"", "v1", "serviceaccounts", true};

// One namespace per phase, restricted Pod Security like the integration tests; deleted (and
// waited for, so the next phase does not compete with the namespace controller) at the end.
// `standalone`: the cluster has no kube-controller-manager, so the bench makes the `default`
// ServiceAccount and leaves the namespace in place (nothing would finalize its deletion).
class BenchNamespace {
 public:
  BenchNamespace(kube::KubeClient& client, const std::string& prefix, bool standalone = false)
      : client_(client), standalone_(standalone) {
    name_ = "ctl-bench-" + prefix + "-" + std::to_string(std::random_device{}() % 100000);
    json object = {
        {"apiVersion", "v1"},
        {"kind", "Namespace"},
        {"metadata",
         {{"name", name_}, {"labels", {{"pod-security.kubernetes.io/enforce", "restricted"}}}}}};
    ok_ = check(client_.create(kNamespaces, "", object), "namespace create");
    if (ok_ && standalone_) {
      const json account = {
          {"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}}}};
      (void)client_.create(kServiceAccounts, name_, account);
    }
    // Pods are admitted only once the ServiceAccount controller made `default`.
    ok_ = ok_ && waitUntil([&] { return !!client_.get(kServiceAccounts, name_, "default"); }, 60s);
  }
  ~BenchNamespace() {
    if (standalone_) return;
    (void)client_.remove(kNamespaces, "", name_);
    waitUntil([&] { return !client_.get(kNamespaces, "", name_); }, 300s);
  }
  BenchNamespace(const BenchNamespace&) = delete;
  BenchNamespace& operator=(const BenchNamespace&) = delete;

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }

 private:
  kube::KubeClient& client_;
  const bool standalone_;
  std::string name_;
  bool ok_ = false;
};

// The run's index from its Pod's label ("run-17" -> 17).
std::optional<std::size_t> runIndex(const json& pod) {
  const json& labels = pod["metadata"].value("labels", json::object());
  const std::string run = labels.value(reconcile::kRunLabel, "");
  if (run.rfind("run-", 0) != 0) return std::nullopt;
  return static_cast<std::size_t>(std::stoul(run.substr(4)));
}

// Our own watch on the controller's Pods, timestamping each run's first Pod.
class PodArrivals {
 public:
  PodArrivals(kube::KubeClient& client, const std::string& ns, RunTimings& timings) {
    kube::InformerOptions options;
    options.watcher.labelSelector = reconcile::kRunLabel;
    informer_ = std::make_unique<kube::Informer>(client, kube::podsResource(), ns, options);
    informer_->addHandlers({[&timings](const kube::ObjectPtr& pod) {
                              if (auto index = runIndex(*pod)) timings.podSeen(*index);
                            },
                            {},
                            {}});
    informer_->start();
    informer_->waitForSync(30s);
  }
  ~PodArrivals() { informer_->stop(); }
  kube::ObjectPtr anyPod() const {
    auto pods = informer_->store().list();
    return pods.empty() ? nullptr : pods.front();
  }

 private:
  std::unique_ptr<kube::Informer> informer_;
};

// Which controller a trial measures.
// Compare: another plugin-controller binary (--compare-controller), e.g. the one before a change.
enum class Subject { PluginController, JobController, Compare };

const char* nameOf(Subject subject) {
  switch (subject) {
    case Subject::PluginController:
      return "plugin-controller";
    case Subject::JobController:
      return "job-controller";
    case Subject::Compare:
      return "plugin-controller (--compare-controller)";
  }
  return "";
}

const kube::GroupVersionResource kJobs{"batch", "v1", "jobs", true};

// One trial of one controller: N objects created (at once or paced), each until its Pod.
struct Trial {
  bool ok = false;
  double podsPerSecond = 0;
  double p50Ms = 0, p99Ms = 0;
  double controllerCpu = 0, apiServerCpu = 0, etcdCpu = 0, benchCpu = 0, otherCpu = 0, wall = 0;
  double requestsPerObject = 0;  // at the API server, the bench's own creates not counted
  int objects = 0;
};

// How a trial runs: client limits, how many objects, and how fast they come.
struct TrialShape {
  std::string label;
  int workers = 8;
  double qps = 200;
  int burst = 400;
  int count = 1000;
  Steady::duration interval{};  // zero = all at once
};

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// Until `pid` used less than 20 ms of CPU in half a second (its work after the last Pod, the status
// writes and Events, is part of what a run costs), at most `limit`.
void waitQuiet(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = Steady::now() + limit;
  double last = processCpuSeconds(pid);
  while (Steady::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    const double now = processCpuSeconds(pid);
    if (now - last < 0.02) return;
    last = now;
  }
}

class Bench {
 public:
  Bench(const Args& args, kube::KubeClient& client, kube::HttpClient& apiServer)
      : args_(args), client_(client), apiServer_(apiServer) {}

  Report& report() { return report_; }
  bool allComplete() const { return complete_; }
  double lastRssMiB() const { return lastRssMiB_; }

  // Pods/s from `threads` clients creating `args.runs` small Pods.
  double rawPodRate(int threads) {
    BenchNamespace ns(client_, "raw" + std::to_string(threads), args_.noControllerManager);
    if (!ns.ok()) return fail(0.0);
    CpuWindow cpu(serverPids());
    const auto started = Steady::now();
    const int failures = parallelFor(args_.runs, threads, [&](int i) {
      return check(
          client_.create(kube::podsResource(), ns.name(), smallPod("raw-" + std::to_string(i))),
          "raw Pod create");
    });
    const double seconds = secondsSince(started);
    const double rate = args_.runs / seconds;
    report_.line("raw Pod create, %d client thread(s)     %7.1f Pods/s (%d Pods in %.2f s%s)",
                 threads, rate, args_.runs, seconds, failures ? ", FAILURES" : "");
    report_.line("  CPU: %s", CpuWindow::describe(cpu.used()).c_str());
    if (failures) complete_ = false;
    return rate;
  }

  Trial trial(Subject subject, const TrialShape& shape);
  void memory(int count);

 private:
  void fail() { complete_ = false; }
  double fail(double value) {
    complete_ = false;
    return value;
  }
  std::map<std::string, pid_t> serverPids() const {
    if (args_.stateDir.empty()) return {};
    return {{"kube-apiserver", pidFromFile(args_.stateDir + "/kube-apiserver.pid")},
            {"etcd", pidFromFile(args_.stateDir + "/etcd.pid")}};
  }
  std::map<std::string, double> serverRequests() {
    return samplesBy(httpGet(apiServer_, "/metrics"), "apiserver_request_total",
                     {"verb", "resource", "subresource"});
  }
  SessionOptions session(const std::string& ns, int workers, const std::string& phase) const {
    return {args_.controller,
            args_.kubeconfig,
            ns,
            workers,
            args_.sourceDir + "/plugins/policy.json",
            args_.sourceDir + "/plugins/keys/demo.pub.pem",
            "/tmp/" + ns + "-" + phase + "-controller.log",
            args_.controllerEnv,
            {}};
  }
  bool createPluginConfigMap(const std::string& ns) {
    return check(client_.create(kube::configMapsResource(), ns,
                                pluginConfigMap("techdebt", args_.sourceDir + "/plugins/techdebt")),
                 "ConfigMap create");
  }
  bool createObject(Subject subject, const std::string& ns, int index) {
    const std::string name = "run-" + std::to_string(index);
    if (subject == Subject::JobController) {
      return check(client_.create(kJobs, ns, oneShotJob(name, reconcile::kRunLabel)), "Job create");
    }
    return check(client_.create(reconcile::pluginRunsResource(), ns, pluginRun(name, "techdebt")),
                 "PluginRun create");
  }
  double serverRequestsPerObject(const std::map<std::string, double>& before, Subject subject,
                                 int count, std::string& line);
  std::vector<json> finishedRuns(const std::string& ns, int count, const std::string& result);
  void finishedPods(const std::string& ns, const std::vector<json>& runs,
                    const std::string& result);
  void measureMemory(const std::string& ns, int count, int visits, const std::string& what);
  void measureMemoryOf(const std::string& binary, const std::string& ns, int count, int visits,
                       const std::string& what);
  void probeTrim(ControllerChild& process);

  const Args& args_;
  kube::KubeClient& client_;
  kube::HttpClient& apiServer_;
  Report report_;
  bool complete_ = true;
  double lastRssMiB_ = 0;
  json controllerPod_;  // one Pod the controller made, the template for the memory phase
};

std::string controllerRequests(const std::string& metrics, int count, double& total);
std::string meanTimings(const std::string& metrics);

Trial Bench::trial(Subject subject, const TrialShape& shape) {
  Trial trial;
  trial.objects = shape.count;
  const std::string label = shape.label + "-" +
                            (subject == Subject::JobController ? "job"
                             : subject == Subject::Compare     ? "cmp"
                                                               : "pr");
  BenchNamespace ns(client_, label, args_.noControllerManager);
  if (!ns.ok()) return fail(), trial;
  const std::vector<std::string> limits{"--kube-api-qps",
                                        std::to_string(static_cast<int>(shape.qps)),
                                        "--kube-api-burst", std::to_string(shape.burst)};
  std::unique_ptr<ControllerSession> ours;
  std::unique_ptr<JobControllerSession> peer;
  pid_t controllerPid = -1;
  const std::string logFile = "/tmp/" + ns.name() + "-controller.log";
  if (subject != Subject::JobController) {
    if (!createPluginConfigMap(ns.name())) return fail(), trial;
    SessionOptions options = session(ns.name(), shape.workers, shape.label);
    if (subject == Subject::Compare) options.binary = args_.compareController;
    options.extraArgs = limits;
    options.logFile = logFile;
    ours = std::make_unique<ControllerSession>(options);
    if (!ours->waitReady(60)) {
      report_.line("%s: plugin-controller never became ready (log %s)", label.c_str(),
                   logFile.c_str());
      return fail(), trial;
    }
    controllerPid = ours->process().pid();
  } else {
    peer = std::make_unique<JobControllerSession>(JobControllerOptions{
        args_.jobController, args_.kubeconfig, shape.workers, shape.qps, shape.burst, logFile});
    bool logged = false;
    if (!peer->waitReady(60, logged)) {
      report_.line("%s: the Job controller exited (log %s)", label.c_str(), logFile.c_str());
      return fail(), trial;
    }
    if (!logged) {
      report_.line("%s: no \"Caches are synced\" for job in %s after 60 s; going on", label.c_str(),
                   logFile.c_str());
    }
    controllerPid = peer->process().pid();
  }
  RunTimings timings(static_cast<std::size_t>(shape.count));
  PodArrivals arrivals(client_, ns.name(), timings);
  const auto serverBefore = serverRequests();
  std::map<std::string, pid_t> pids = serverPids();
  pids["controller"] = controllerPid;
  CpuWindow cpu(pids);
  const auto started = Steady::now();
  const bool atOnce = shape.interval == Steady::duration::zero();
  const int threads = atOnce ? args_.creators : 8;
  const int failures = parallelFor(shape.count, threads, [&](int i) {
    std::this_thread::sleep_until(started + i * shape.interval);
    const bool made = createObject(subject, ns.name(), i);
    timings.created(static_cast<std::size_t>(i));
    return made;
  });
  const double createSeconds = secondsSince(started);
  const bool all = waitUntil(
      [&] { return timings.podsSeen() >= static_cast<std::size_t>(shape.count - failures); }, 600s);
  const TimingSummary summary = timings.summarize(started);
  waitQuiet(controllerPid, 30s);
  const auto used = cpu.used();
  if (ours) {
    ours->waitIdle(0, 30);
    if (auto pod = arrivals.anyPod()) controllerPod_ = *pod;
  }
  trial.ok = all && failures == 0;
  trial.podsPerSecond = static_cast<double>(summary.withPod) / summary.lastPodSeconds;
  trial.p50Ms = summary.p50Ms;
  trial.p99Ms = summary.p99Ms;
  trial.controllerCpu = used.at("controller");
  trial.apiServerCpu = used.count("kube-apiserver") ? used.at("kube-apiserver") : 0;
  trial.etcdCpu = used.count("etcd") ? used.at("etcd") : 0;
  trial.benchCpu = used.at("bench");
  trial.otherCpu = used.at("other");
  trial.wall = used.at("wall");
  report_.line(
      "%s, %s (--workers %d, qps %.0f/%d): %zu objects created in %.2f s (%d creator "
      "threads%s), %zu Pods",
      label.c_str(), nameOf(subject), shape.workers, shape.qps, shape.burst, summary.created,
      createSeconds, threads, failures ? ", FAILURES" : "", summary.withPod);
  report_.line(
      "  all Pods after %.2f s = %.1f Pods/s%s; create->Pod p50 %.0f ms, p99 %.0f ms, "
      "max %.0f ms",
      summary.lastPodSeconds, trial.podsPerSecond, all ? "" : " INCOMPLETE", summary.p50Ms,
      summary.p99Ms, summary.maxMs);
  report_.line("  CPU until quiet: %s", CpuWindow::describe(used).c_str());
  std::string line;
  trial.requestsPerObject = serverRequestsPerObject(serverBefore, subject, shape.count, line);
  report_.line(
      "  API server requests per object (the bench's creates and watches not counted): "
      "%stotal %.2f",
      line.c_str(), trial.requestsPerObject);
  if (ours) {
    double total = 0;
    const std::string metrics = ours->metrics();
    const std::string own = controllerRequests(metrics, shape.count, total);
    report_.line("  its own requests per run (verb code): %stotal %.2f", own.c_str(),
                 total / shape.count);
    report_.line("  its timings: %s", meanTimings(metrics).c_str());
  }
  if (!trial.ok) fail();
  return trial;
}

// The API server's request counters for the resources a controller touches, per object, minus
// the bench's own create of each object (POST pluginruns / POST jobs) and every LIST and WATCH.
double Bench::serverRequestsPerObject(const std::map<std::string, double>& before, Subject subject,
                                      int count, std::string& line) {
  const std::string benchCreate =
      subject == Subject::JobController ? "POST jobs" : "POST pluginruns";
  double total = 0;
  for (const auto& [counter, value] : delta(before, serverRequests())) {
    std::string key = counter;
    while (!key.empty() && key.back() == ' ') key.pop_back();
    if (value < 1 || key.rfind("WATCH", 0) == 0 || key.rfind("LIST", 0) == 0) continue;
    bool ours = false;
    for (const char* resource :
         {" pods", " pluginruns", " configmaps", " events", " networkpolicies", " jobs"}) {
      ours = ours || key.find(resource) != std::string::npos;
    }
    if (!ours) continue;
    const double counted = key == benchCreate ? value - count : value;
    if (counted < 1) continue;
    char item[128];
    std::snprintf(item, sizeof(item), "%s %.2f, ", key.c_str(), counted / count);
    line += item;
    total += counted;
  }
  return total / count;
}

// The controller's own counters (exact) and the API server's deltas (the shared server's other
// clients may add to these) per run.
// "GET 200 1.00, POST 201 2.00, " from the controller's rest-client counters, divided by `count`.
std::string controllerRequests(const std::string& metrics, int count, double& total) {
  std::string line;
  total = 0;
  for (const auto& [key, value] :
       samplesBy(metrics, "rest_client_requests_total", {"method", "code"})) {
    char item[96];
    std::snprintf(item, sizeof(item), "%s %.2f, ", key.c_str(), value / count);
    line += item;
    total += value;
  }
  return line;
}

// Where a visit's time goes: mean visit, mean wait in the queue, mean request latency per verb.
std::string meanTimings(const std::string& metrics) {
  auto mean = [&](const std::string& name) {
    const double count = metricSum(metrics, name + "_count");
    return count > 0 ? 1000 * metricSum(metrics, name + "_sum") / count : 0.0;
  };
  char text[160];
  std::snprintf(text, sizeof(text), "visit %.1f ms, queue wait %.0f ms; request latency ",
                mean("controller_runtime_reconcile_time_seconds"),
                mean("workqueue_queue_duration_seconds"));
  std::string line = text;
  const std::string histogram = "rest_client_request_duration_seconds";
  const auto sums = samplesBy(metrics, histogram + "_sum", {"verb"});
  const auto counts = samplesBy(metrics, histogram + "_count", {"verb"});
  for (const auto& [verb, count] : counts) {
    if (count <= 0 || verb == "WATCH" || verb == "LIST") continue;
    std::snprintf(text, sizeof(text), "%s %.1f ms, ", verb.c_str(), 1000 * sums.at(verb) / count);
    line += text;
  }
  return line;
}

std::string techdebtResult() {
  json result = {{"todo", 17}, {"fixme", 4}, {"files", 128}, {"top", json::array()}};
  for (int i = 0; i < 5; ++i) {
    result["top"].push_back(
        {{"path", "src/module_" + std::to_string(i) + "/handler.py"}, {"markers", 5 - i}});
  }
  return result.dump() + "\n";
}

// The kubelet's report for a plugin that exited 0 with `result` on stdout.
json succeededPodStatus(const std::string& result) {
  return {{"status",
           {{"phase", "Succeeded"},
            {"startTime", "2026-01-01T00:00:00Z"},
            {"containerStatuses",
             {{{"name", reconcile::kContainerName},
               {"ready", false},
               {"restartCount", 0},
               {"image", "localhost/plugin-sandbox/sandbox:dev"},
               {"imageID", ""},
               {"state",
                {{"terminated",
                  {{"exitCode", 0},
                   {"reason", "Completed"},
                   {"message", result},
                   {"startedAt", "2026-01-01T00:00:01Z"},
                   {"finishedAt", "2026-01-01T00:00:04Z"}}}}}}}}}}};
}

// `count` PluginRuns marked Succeeded (the status the controller writes) in `ns`.
std::vector<json> Bench::finishedRuns(const std::string& ns, int count, const std::string& result) {
  std::vector<json> runs(static_cast<std::size_t>(count));
  const int failures = parallelFor(count, 8, [&](int i) {
    auto made = client_.create(reconcile::pluginRunsResource(), ns,
                               pluginRun("run-" + std::to_string(i), "techdebt"));
    if (!check(made, "PluginRun create")) return false;
    auto written =
        client_.updateStatus(reconcile::pluginRunsResource(), ns, succeededRun(*made, result));
    if (written) runs[static_cast<std::size_t>(i)] = std::move(*written);
    return check(written, "status update");
  });
  if (failures) fail();
  return runs;
}

// Each run's Pod as the controller made it, finished as the kubelet would report it.
void Bench::finishedPods(const std::string& ns, const std::vector<json>& runs,
                         const std::string& result) {
  const json podTemplate = controllerPod_.is_object() ? controllerPod_ : smallPod("x");
  const json status = succeededPodStatus(result);
  const int failures = parallelFor(static_cast<int>(runs.size()), 8, [&](int i) {
    const json pod = podFor(runs[static_cast<std::size_t>(i)], podTemplate);
    if (!check(client_.create(kube::podsResource(), ns, pod), "Pod create")) return false;
    return check(client_.mergePatch(kube::podsResource(), ns,
                                    pod["metadata"]["name"].get<std::string>(), status, "status"),
                 "Pod status patch");
  });
  if (failures) fail();
}

// A controller started on what `ns` holds: its memory once it has listed and visited everything.
void Bench::measureMemory(const std::string& ns, int count, int visits, const std::string& what) {
  measureMemoryOf(args_.controller, ns, count, visits, what);
  if (!args_.compareController.empty()) {
    measureMemoryOf(args_.compareController, ns, count, visits,
                    what + " [" + args_.compareController + "]");
  }
}

void Bench::measureMemoryOf(const std::string& binary, const std::string& ns, int count, int visits,
                            const std::string& what) {
  const auto started = Steady::now();
  SessionOptions options = session(ns, 2, "mem");
  options.binary = binary;
  ControllerSession controller(options);
  if (!controller.waitReady(300) || !controller.waitIdle(visits, 300)) {
    report_.line("  %s: the controller did not sync and visit everything", what.c_str());
    return fail();
  }
  const ProcessMemory memory = controller.process().memory().value_or(ProcessMemory{});
  if (binary == args_.controller) lastRssMiB_ = mib(memory.rss);
  double total = 0;
  const std::string requests = controllerRequests(controller.metrics(), count, total);
  report_.line(
      "  %s: synced and visited in %.1f s; VmRSS %.1f MiB, VmHWM %.1f MiB; goal < 30 "
      "MiB %s",
      what.c_str(), secondsSince(started), mib(memory.rss), mib(memory.hwm),
      mib(memory.rss) < 30 ? "met" : "MISSED");
  report_.line("    its requests per run (verb code): %stotal %.2f", requests.c_str(),
               total / count);
  if (args_.trimProbe) probeTrim(controller.process());
}

// How much of the RSS is freed heap that glibc kept (the list's pages, say) rather than the
// cache itself: the RSS again after the allocator returned every free page to the kernel.
void Bench::probeTrim(ControllerChild& process) {
  const std::string command = "gdb -p " + std::to_string(process.pid()) +
                              " -batch -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  const ProcessMemory after = process.memory().value_or(ProcessMemory{});
  report_.line("    after malloc_trim(0) in the controller (gdb%s): VmRSS %.1f MiB",
               status == 0 ? "" : " FAILED", mib(after.rss));
}

void Bench::memory(int count) {
  BenchNamespace ns(client_, "mem", args_.noControllerManager);
  if (!ns.ok() || !createPluginConfigMap(ns.name())) return fail();
  const std::string result = techdebtResult();
  auto started = Steady::now();
  const std::vector<json> runs = finishedRuns(ns.name(), count, result);
  report_.line("memory: %d PluginRuns created and marked Succeeded (result %zu B) in %.1f s", count,
               result.size(), secondsSince(started));
  measureMemory(ns.name(), count, count, std::to_string(count) + " Succeeded runs, no Pods");
  if (!args_.cachedPods) return;
  started = Steady::now();
  finishedPods(ns.name(), runs, result);
  report_.line("  their %d Pods (%s) created and marked Succeeded in %.1f s", count,
               controllerPod_.is_object() ? "the controller's Pod" : "a small Pod",
               secondsSince(started));
  measureMemory(ns.name(), count, count,
                std::to_string(count) + " Succeeded runs + their Succeeded Pods");
}

// Medians over the trials of one shape, for one controller.
struct Medians {
  double podsPerSecond = 0, p99Ms = 0, controllerCpuPerK = 0, apiServerCpuPerK = 0,
         requestsPerObject = 0, otherCpu = 0;
  bool measured = false;
};

Medians mediansOf(const std::vector<Trial>& trials) {
  Medians m;
  std::vector<double> rate, p99, ctl, api, requests, other;
  for (const Trial& t : trials) {
    if (!t.ok || t.objects == 0) continue;
    rate.push_back(t.podsPerSecond);
    p99.push_back(t.p99Ms);
    ctl.push_back(1000 * t.controllerCpu / t.objects);
    api.push_back(1000 * t.apiServerCpu / t.objects);
    requests.push_back(t.requestsPerObject);
    other.push_back(t.otherCpu);
  }
  m.measured = !rate.empty();
  m.podsPerSecond = median(rate);
  m.p99Ms = median(p99);
  m.controllerCpuPerK = median(ctl);
  m.apiServerCpuPerK = median(api);
  m.requestsPerObject = median(requests);
  m.otherCpu = median(other);
  return m;
}

// The figures for bench_record.py, one tab-separated line each:
// FIGURE VALUE UNIT BASELINE RATIO GOAL NOTE
class Figures {
 public:
  void add(const std::string& figure, double value, const std::string& unit, double baseline,
           const std::string& goal, const std::string& note) {
    char line[1024];
    std::snprintf(line, sizeof(line), "%s\t%.4f\t%s\t%.4f\t%.4f\t%s\t%s\n", figure.c_str(), value,
                  unit.c_str(), baseline, baseline > 0 ? value / baseline : 0.0, goal.c_str(),
                  note.c_str());
    text_ += line;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string cpuNote(const Medians& ours, const Medians& peer) {
  char note[320];
  std::snprintf(note, sizeof(note),
                "per 1,000 runs: controller CPU %.2f s vs %.2f s, API server CPU %.2f s vs %.2f "
                "s; requests per object %.2f vs %.2f; other load (median CPU s per trial) %.1f / "
                "%.1f",
                ours.controllerCpuPerK, peer.controllerCpuPerK, ours.apiServerCpuPerK,
                peer.apiServerCpuPerK, ours.requestsPerObject, peer.requestsPerObject,
                ours.otherCpu, peer.otherCpu);
  return note;
}

void summarizeCompare(Report& report, const std::string& what, const Medians& ours,
                      const Medians& compare) {
  if (!compare.measured) return;
  report.line(
      "  %s, this plugin-controller vs --compare-controller: %.1f vs %.1f Pods/s, p99 %.0f "
      "vs %.0f ms, controller CPU %.2f vs %.2f s per 1,000, API server CPU %.2f vs %.2f s "
      "per 1,000, requests per object %.2f vs %.2f",
      what.c_str(), ours.podsPerSecond, compare.podsPerSecond, ours.p99Ms, compare.p99Ms,
      ours.controllerCpuPerK, compare.controllerCpuPerK, ours.apiServerCpuPerK,
      compare.apiServerCpuPerK, ours.requestsPerObject, compare.requestsPerObject);
}

void summarize(Report& report, const std::string& what, const Medians& ours, const Medians& peer) {
  report.line(
      "%s: medians plugin-controller %.1f Pods/s p99 %.0f ms | job-controller %.1f Pods/s "
      "p99 %.0f ms",
      what.c_str(), ours.podsPerSecond, ours.p99Ms, peer.podsPerSecond, peer.p99Ms);
  report.line("  %s", cpuNote(ours, peer).c_str());
}

}  // namespace
}  // namespace ps::bench

int main(int argc, char** argv) {
  using namespace ps;
  using bench::Subject;
  const bench::Args args = bench::parse(argc, argv);
  auto config = kube::loadKubeconfig(args.kubeconfig);
  if (!config || args.controller.empty() || args.sourceDir.empty()) {
    std::fprintf(stderr,
                 "usage: controller_bench --kubeconfig F --controller BIN --source-dir D "
                 "[--job-controller KCM] [--state-dir DIR] [--trials N] [--record FILE] "
                 "[--out FILE] [--runs N] [--workers 8] [--cached-runs N]\n");
    return 2;
  }
  kube::ClientOptions unlimited;
  unlimited.qps = 0;  // measure the server and the controller, not the bench's own limiter
  kube::KubeClient client(kube::makeCpprestHttpClient(config.value()), unlimited);
  auto apiServer = kube::makeCpprestHttpClient(config.value());
  bench::Bench bench(args, client, *apiServer);
  bench::Report& report = bench.report();
  const int workers = args.workers.front();
  const bool withPeer = !args.jobController.empty();
  report.line(
      "controller bench: %d objects per trial, %d trials, %d workers, plugin techdebt "
      "(signed, allowed), one shared ConfigMap; peer: %s",
      args.runs, args.trials, workers, withPeer ? args.jobController.c_str() : "none");
  std::vector<Subject> subjects{Subject::PluginController};
  if (withPeer) subjects.push_back(Subject::JobController);
  if (!args.compareController.empty()) subjects.push_back(Subject::Compare);
  const auto interval = std::chrono::duration_cast<bench::Steady::duration>(
      std::chrono::duration<double>(1.0 / args.pacedRate));
  const std::vector<std::pair<std::string, bench::TrialShape>> shapes{
      {"burst", {"burst", workers, 200, 400, args.runs, {}}},
      {"fast", {"fast", workers, 5000, 10000, args.runs, {}}},
      {"paced", {"paced", workers, 200, 400, args.pacedRate * args.pacedSeconds, interval}}};
  std::vector<double> raw;
  std::map<std::string, std::map<Subject, std::vector<bench::Trial>>> trials;
  for (int t = 0; t < args.trials; ++t) {
    report.line("== trial %d of %d", t + 1, args.trials);
    if (args.has("raw")) raw.push_back(bench.rawPodRate(workers));
    for (const auto& [phase, shape] : shapes) {
      if (!args.has(phase)) continue;
      // Alternating: each trial starts with the other controller.
      std::vector<Subject> order = subjects;
      if (t % 2 == 1) std::reverse(order.begin(), order.end());
      for (Subject subject : order) trials[phase][subject].push_back(bench.trial(subject, shape));
    }
  }
  bench::Figures figures;
  const double rawRate = bench::median(raw);
  if (!raw.empty()) {
    report.line("raw Pod create, %d client threads: median %.1f Pods/s", workers, rawRate);
  }
  auto medians = [&](const std::string& phase, Subject subject) {
    return bench::mediansOf(trials[phase][subject]);
  };
  if (args.has("burst")) {
    const auto ours = medians("burst", Subject::PluginController);
    const auto peer = medians("burst", Subject::JobController);
    bench::summarize(report, "1,000 at once, qps 200", ours, peer);
    bench::summarizeCompare(report, "1,000 at once, qps 200", ours,
                            medians("burst", Subject::Compare));
    if (withPeer && peer.measured) {
      const std::string note = bench::cpuNote(ours, peer);
      figures.add("controller 1,000 runs at once, qps 200: Pods/s / Job controller's",
                  ours.podsPerSecond, "Pods/s", peer.podsPerSecond, ">= 1.0", note);
      figures.add("controller CPU per run (1,000 at once, qps 200) / Job controller's",
                  ours.controllerCpuPerK, "CPU s per 1000", peer.controllerCpuPerK, "<= 1.0", note);
      figures.add("API-server CPU per run (1,000 at once, qps 200) / under the Job controller",
                  ours.apiServerCpuPerK, "CPU s per 1000", peer.apiServerCpuPerK, "<= 1.0", note);
      figures.add("requests per object (1,000 at once) / Job controller's", ours.requestsPerObject,
                  "requests", peer.requestsPerObject, "<= 1.0", note);
    }
  }
  if (args.has("fast")) {
    const auto ours = medians("fast", Subject::PluginController);
    const auto peer = medians("fast", Subject::JobController);
    bench::summarize(report, "1,000 at once, qps 5000", ours, peer);
    bench::summarizeCompare(report, "1,000 at once, qps 5000", ours,
                            medians("fast", Subject::Compare));
    if (rawRate > 0 && ours.measured) {
      char note[512];
      std::snprintf(note, sizeof(note), "the Job controller: %.1f Pods/s = %.2fx raw; %s",
                    peer.podsPerSecond, peer.podsPerSecond / rawRate,
                    bench::cpuNote(ours, peer).c_str());
      figures.add("controller 1,000 runs at once, qps 5000: Pods/s / raw Pod create (" +
                      std::to_string(workers) + " threads)",
                  ours.podsPerSecond, "Pods/s", rawRate, ">= 0.31", note);
    }
  }
  if (args.has("paced")) {
    const auto ours = medians("paced", Subject::PluginController);
    const auto peer = medians("paced", Subject::JobController);
    bench::summarize(report, "paced 50/s", ours, peer);
    bench::summarizeCompare(report, "paced 50/s", ours, medians("paced", Subject::Compare));
    if (withPeer && peer.measured) {
      figures.add("controller p99 create->Pod at 50 runs/s for 20 s / Job controller's", ours.p99Ms,
                  "ms", peer.p99Ms, "<= 2.0", bench::cpuNote(ours, peer));
    }
  }
  if (args.has("memory") && args.cachedRuns > 0) {
    bench.memory(args.cachedRuns);
    figures.add(
        "controller RSS with " + std::to_string(args.cachedRuns) + " finished runs cached / 30 MiB",
        bench.lastRssMiB(), "MiB", 30, "< 1.0", "goal beyond: < 20 MiB");
  }
  if (!args.out.empty()) std::ofstream(args.out) << report.text();
  if (!args.record.empty()) std::ofstream(args.record) << figures.text();
  return bench.allComplete() ? 0 : 1;
}
