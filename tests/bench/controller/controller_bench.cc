// `make bench` for plugin-controller against the real API server: the raw Pod-create rate of one
// client (the baseline, measured in the same run), 1,000 PluginRuns created at once and paced at
// 50/s (time until every run has its Pod, latency from create to Pod), the controller's requests
// per run, and its memory with 10,000 finished runs (and their Pods) cached.
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
  std::vector<int> workers{2};
  std::string phases = "raw,burst,paced,memory";  // to run a part while investigating

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
class BenchNamespace {
 public:
  BenchNamespace(kube::KubeClient& client, const std::string& prefix) : client_(client) {
    name_ = "ctl-bench-" + prefix + "-" + std::to_string(std::random_device{}() % 100000);
    json object = {
        {"apiVersion", "v1"},
        {"kind", "Namespace"},
        {"metadata",
         {{"name", name_}, {"labels", {{"pod-security.kubernetes.io/enforce", "restricted"}}}}}};
    ok_ = check(client_.create(kNamespaces, "", object), "namespace create");
    // Pods are admitted only once the ServiceAccount controller made `default`.
    ok_ = ok_ && waitUntil([&] { return !!client_.get(kServiceAccounts, name_, "default"); }, 60s);
  }
  ~BenchNamespace() {
    (void)client_.remove(kNamespaces, "", name_);
    waitUntil([&] { return !client_.get(kNamespaces, "", name_); }, 300s);
  }
  BenchNamespace(const BenchNamespace&) = delete;
  BenchNamespace& operator=(const BenchNamespace&) = delete;

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }

 private:
  kube::KubeClient& client_;
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

class Bench {
 public:
  Bench(const Args& args, kube::KubeClient& client, kube::HttpClient& apiServer)
      : args_(args), client_(client), apiServer_(apiServer) {}

  Report& report() { return report_; }
  bool allComplete() const { return complete_; }

  // Pods/s from `threads` clients creating `args.runs` small Pods.
  double rawPodRate(int threads) {
    BenchNamespace ns(client_, "raw" + std::to_string(threads));
    if (!ns.ok()) return fail(0.0);
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
    if (failures) complete_ = false;
    return rate;
  }

  // 1,000 runs created at once (interval 0) or paced at `interval` apart.
  void runs(const std::string& label, int workers, int count, Steady::duration interval,
            double rawRate);
  void memory(int count);

 private:
  void fail() { complete_ = false; }
  double fail(double value) {
    complete_ = false;
    return value;
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
            args_.controllerEnv};
  }
  bool createPluginConfigMap(const std::string& ns) {
    return check(client_.create(kube::configMapsResource(), ns,
                                pluginConfigMap("techdebt", args_.sourceDir + "/plugins/techdebt")),
                 "ConfigMap create");
  }
  std::vector<json> finishedRuns(const std::string& ns, int count, const std::string& result);
  void finishedPods(const std::string& ns, const std::vector<json>& runs,
                    const std::string& result);
  void measureMemory(const std::string& ns, int count, int visits, const std::string& what);
  void measureMemoryOf(const std::string& binary, const std::string& ns, int count, int visits,
                       const std::string& what);
  void probeTrim(ControllerChild& process);
  void requestsPerRun(const std::string& controllerMetrics,
                      const std::map<std::string, double>& serverBefore, int count, double seconds);

  const Args& args_;
  kube::KubeClient& client_;
  kube::HttpClient& apiServer_;
  Report report_;
  bool complete_ = true;
  json controllerPod_;  // one Pod the controller made, the template for the memory phase
};

void Bench::runs(const std::string& label, int workers, int count, Steady::duration interval,
                 double rawRate) {
  BenchNamespace ns(client_, label);
  if (!ns.ok() || !createPluginConfigMap(ns.name())) return fail();
  ControllerSession controller(session(ns.name(), workers, label));
  if (!controller.waitReady(60)) {
    report_.line("%s: the controller never became ready (log %s)", label.c_str(),
                 session(ns.name(), workers, label).logFile.c_str());
    return fail();
  }
  RunTimings timings(static_cast<std::size_t>(count));
  PodArrivals arrivals(client_, ns.name(), timings);
  const auto serverBefore = serverRequests();
  const auto started = Steady::now();
  const int threads = interval == Steady::duration::zero() ? args_.creators : 8;
  const int failures = parallelFor(count, threads, [&](int i) {
    std::this_thread::sleep_until(started + i * interval);
    const bool made = check(client_.create(reconcile::pluginRunsResource(), ns.name(),
                                           pluginRun("run-" + std::to_string(i), "techdebt")),
                            "PluginRun create");
    timings.created(static_cast<std::size_t>(i));
    return made;
  });
  const double createSeconds = secondsSince(started);
  const bool all = waitUntil(
      [&] { return timings.podsSeen() >= static_cast<std::size_t>(count - failures); }, 600s);
  const TimingSummary summary = timings.summarize(started);
  controller.waitIdle(0, 30);
  if (auto pod = arrivals.anyPod()) controllerPod_ = *pod;
  const double rate = static_cast<double>(summary.withPod) / summary.lastPodSeconds;
  report_.line("%s (--workers %d): %zu runs created in %.2f s (%d creator threads%s), %zu Pods",
               label.c_str(), workers, summary.created, createSeconds, threads,
               failures ? ", FAILURES" : "", summary.withPod);
  report_.line("  all Pods after %.2f s = %.1f runs/s = %.2fx the raw rate (%.1f Pods/s)%s",
               summary.lastPodSeconds, rate, rawRate > 0 ? rate / rawRate : 0.0, rawRate,
               all ? "" : " INCOMPLETE");
  report_.line("  create->Pod latency p50 %.0f ms, p99 %.0f ms, max %.0f ms", summary.p50Ms,
               summary.p99Ms, summary.maxMs);
  if (interval == Steady::duration::zero()) {
    report_.line("  goal >= 0.45x the raw rate: %s", rawRate <= 0             ? "no baseline"
                                                     : rate / rawRate >= 0.45 ? "met"
                                                                              : "MISSED");
  } else {
    report_.line("  paced at %.0f runs/s for %.0f s; goal p99 < 1 s: %s",
                 1.0 / std::chrono::duration<double>(interval).count(),
                 std::chrono::duration<double>(interval * count).count(),
                 summary.p99Ms < 1000 ? "met" : "MISSED");
  }
  requestsPerRun(controller.metrics(), serverBefore, count, summary.lastPodSeconds);
  if (!all || failures) fail();
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

void Bench::requestsPerRun(const std::string& controllerMetrics,
                           const std::map<std::string, double>& serverBefore, int count,
                           double seconds) {
  double total = 0;
  std::string line = controllerRequests(controllerMetrics, count, total);
  report_.line("  controller requests per run (verb code): %stotal %.2f (%.0f req/s while busy)",
               line.c_str(), total / count, total / seconds);
  report_.line("  controller timings: %s", meanTimings(controllerMetrics).c_str());
  line.clear();
  for (const auto& [counter, value] : delta(serverBefore, serverRequests())) {
    std::string key = counter;
    if (value < 1 || key.rfind("WATCH", 0) == 0 || key.rfind("LIST", 0) == 0) continue;
    const bool ours =
        key.find(" pods") != std::string::npos || key.find(" pluginruns") != std::string::npos ||
        key.find(" configmaps") != std::string::npos || key.find(" events") != std::string::npos ||
        key.find(" networkpolicies") != std::string::npos;
    if (!ours || key.rfind("DELETE", 0) == 0) continue;
    while (!key.empty() && key.back() == ' ') key.pop_back();
    char item[128];
    std::snprintf(item, sizeof(item), "%s %.2f, ", key.c_str(), value / count);
    line += item;
  }
  report_.line(
      "  API server requests per run (our resources, every client; POST pluginruns is the bench): "
      "%s",
      line.c_str());
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
  BenchNamespace ns(client_, "mem");
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

}  // namespace
}  // namespace ps::bench

int main(int argc, char** argv) {
  using namespace ps;
  const bench::Args args = bench::parse(argc, argv);
  auto config = kube::loadKubeconfig(args.kubeconfig);
  if (!config || args.controller.empty() || args.sourceDir.empty()) {
    std::fprintf(stderr,
                 "usage: controller_bench --kubeconfig F --controller BIN --source-dir D "
                 "[--out FILE] [--runs N] [--workers 2,4] [--cached-runs N]\n");
    return 2;
  }
  kube::ClientOptions unlimited;
  unlimited.qps = 0;  // measure the server and the controller, not the bench's own limiter
  kube::KubeClient client(kube::makeCpprestHttpClient(config.value()), unlimited);
  auto apiServer = kube::makeCpprestHttpClient(config.value());
  bench::Bench bench(args, client, *apiServer);
  bench::Report& report = bench.report();
  report.line("controller bench: %d runs, plugin techdebt (signed, allowed), one shared ConfigMap",
              args.runs);
  std::map<int, double> raw;
  if (args.has("raw")) {
    raw[1] = bench.rawPodRate(1);
    for (int workers : args.workers) raw[workers] = bench.rawPodRate(workers);
  }
  for (int workers : args.workers) {
    if (!args.has("burst")) break;
    bench.runs("burst" + std::to_string(workers), workers, args.runs,
               bench::Steady::duration::zero(), raw[workers]);
  }
  const int paced = args.pacedRate * args.pacedSeconds;
  const auto interval = std::chrono::duration_cast<bench::Steady::duration>(
      std::chrono::duration<double>(1.0 / args.pacedRate));
  const int pacedWorkers = args.workers.front();
  if (args.has("paced")) {
    bench.runs("paced" + std::to_string(args.pacedRate), pacedWorkers, paced, interval,
               raw[pacedWorkers]);
  }
  if (args.has("memory") && args.cachedRuns > 0) bench.memory(args.cachedRuns);
  if (!args.out.empty()) std::ofstream(args.out) << report.text();
  return bench.allComplete() ? 0 : 1;
}
