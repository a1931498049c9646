#include "manager/controller_manager.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "api/pod_naming.h"
#include "api/resources.h"
#include "core/annotated_mutex.h"
#include "executor/pod_executor.h"
#include "executor_local/sandbox_subprocess.h"
#include "kube/controller.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/store_group.h"
#include "kube/work_queue.h"
#include "manager/cache_transforms.h"
#include "manager/log_limiter.h"
#include "observe/health_checks.h"
#include "observe/http_server.h"
#include "observe/runtime_metrics.h"

namespace ps::reconcile {

namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(30);

kube::ResourceEventHandlers enqueueRun(kube::WorkQueue& queue) {
  auto add = [&queue](const kube::ObjectPtr& object) { queue.add(kube::objectKey(*object)); };
  return {add, [add](const kube::ObjectPtr&, const kube::ObjectPtr& current) { add(current); },
          add};
}

kube::ResourceEventHandlers enqueueOwner(kube::WorkQueue& queue) {
  auto add = [&queue](const kube::ObjectPtr& pod) {
    if (auto key = runKeyForPod(*pod)) queue.add(*key);
  };
  return {add, [add](const kube::ObjectPtr&, const kube::ObjectPtr& current) { add(current); },
          add};
}

// `trim` keeps only what a visit reads (cache_transforms.h), not whole objects. Watch outages
// and recoveries are logged (a failing watch retries with backoff, so one line per failure).
kube::InformerOptions informerOptions(std::string labelSelector, void (*trim)(nlohmann::json&),
                                      observe::Logger& log, const std::string& what) {
  kube::InformerOptions options;
  options.watcher.labelSelector = std::move(labelSelector);
  options.transform = trim;
  options.onWatchError = [&log, what](const kube::KubeError& error) {
    log.warn("watch failed, retrying", {{"resource", what}, {"error", error.describe()}});
  };
  options.onWatchRecovered = [&log, what] {
    log.info("watch recovered", {{"resource", what}});
  };
  return options;
}

// The fix for the list that fails first on a fresh cluster: the CRD is not installed.
std::string describeListError(const kube::KubeError& error) {
  if (error.isNotFound()) {
    return "the API server has no pluginruns." + std::string(kApiGroup) +
           " resource (HTTP 404): install the CRD first (kubectl apply -f crds/, or the chart "
           "with crds enabled)";
  }
  return error.describe();
}

// Starts a listener unless its address is "0"; the error text when it cannot listen.
std::optional<std::string> startServer(const std::string& bindAddress, observe::Routes routes,
                                       observe::HttpServerPtr& server) {
  if (bindAddress == "0") return std::nullopt;
  auto url = observe::listenUrlFromBindAddress(bindAddress);
  if (!url) return "bad bind address \"" + bindAddress + "\"";
  server = observe::makeCpprestHttpServer(*url, std::move(routes));
  return server->start();
}

// The informers of one namespace ("" = all namespaces). No Pod informer for the local executor.
struct NamespaceCaches {
  NamespaceCaches(kube::KubeClient& client, const std::string& ns, bool watchPods,
                  observe::Logger& log)
      : runs(client, pluginRunsResource(), ns,
             informerOptions("", trimPluginRun, log, "pluginruns" + where(ns))) {
    if (watchPods) {
      pods = std::make_unique<kube::Informer>(
          client, kube::podsResource(), ns, informerOptions(kRunLabel, trimPod, log, "pods" + where(ns)));
    }
  }
  static std::string where(const std::string& ns) {
    return ns.empty() ? " (all namespaces)" : " in " + ns;
  }
  bool hasSynced() const { return runs.hasSynced() && (!pods || pods->hasSynced()); }
  void start() {
    runs.start();
    if (pods) pods->start();
  }
  void stop() {
    runs.stop();
    if (pods) pods->stop();
  }
  kube::Informer runs;
  std::unique_ptr<kube::Informer> pods;
};

using Caches = std::vector<std::unique_ptr<NamespaceCaches>>;

bool allSynced(const Caches& caches) {
  for (const auto& cache : caches) {
    if (!cache->hasSynced()) return false;
  }
  return true;
}

// Why the caches are not synced yet, naming the list that failed (e.g. a 403 when the RBAC
// lacks a namespace), so /readyz and the log say it without a debugger.
std::string cacheProblem(const Caches& caches) {
  for (const auto& cache : caches) {
    for (const kube::Informer* informer : {&cache->runs, cache->pods.get()}) {
      if (informer == nullptr || informer->hasSynced()) continue;
      if (auto error = informer->lastError()) {
        return "caches not synced: " +
               (informer == &cache->runs ? describeListError(*error) : error->describe());
      }
    }
  }
  return "caches not synced";
}

// Blocks until every cache synced, logging each new reason it is still waiting; false when
// `stop` fired first.
bool waitForCaches(const Caches& caches, kube::StopSignal& stop, observe::Logger& log) {
  std::string reported = "caches not synced";
  while (!allSynced(caches)) {
    if (!stop.sleepFor(kube::SteadyClock::instance(), std::chrono::milliseconds(50))) return false;
    std::string problem = cacheProblem(caches);
    if (problem != reported && !allSynced(caches)) {
      log.warn(problem);
      reported = std::move(problem);
    }
  }
  return true;
}

// The chosen executor and how many runs it can run at once (0 = no limit of its own).
struct Executor {
  std::unique_ptr<RunExecutor> runs;
  size_t slots = 0;
};

Executor makeExecutor(kube::KubeClient& client, const ManagerOptions& options,
                      const kube::StoreGroup& pods, kube::WorkQueue& queue) {
  if (options.executor == ExecutorKind::Pod) return {std::make_unique<PodExecutor>(client, pods)};
  LocalExecutorOptions local = options.local;
  if (local.slots == 0) local.slots = options.reconciler.maxRunning;
  local.tmpBytes = static_cast<uint64_t>(options.reconciler.settings.tmpSizeLimit.value());
  // Each sandbox from a fresh single-threaded copy of this binary (see sandbox_subprocess.h).
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  auto executor =
      std::make_unique<LocalExecutor>(client, subprocessSandboxRunner(self), local,
                                      [&queue](const std::string& key) { queue.add(key); });
  const size_t slots = executor->slots();
  return {std::move(executor), slots};
}

}  // namespace

int runControllerManager(kube::KubeClient& client, TrustProvider trust,
                         const ManagerOptions& options, observe::Logger& log,
                         observe::MetricsRegistry& metrics, kube::StopSignal& stop) {
  std::vector<std::string> namespaces = options.watchNamespaces;
  if (namespaces.empty()) namespaces.push_back("");  // one pair of informers over all namespaces
  Caches caches;
  kube::StoreGroup runStores;
  kube::StoreGroup podStores;
  const bool watchPods = options.executor == ExecutorKind::Pod;
  for (const std::string& ns : namespaces) {
    caches.push_back(std::make_unique<NamespaceCaches>(client, ns, watchPods, log));
    runStores.add(caches.back()->runs.store());
    if (watchPods) podStores.add(caches.back()->pods->store());
  }
  observe::WorkQueueMetrics queueMetrics(metrics, "pluginrun");
  kube::WorkQueueOptions queueOptions;
  queueOptions.metrics = &queueMetrics;
  kube::WorkQueue queue(queueOptions);
  for (auto& cache : caches) {
    cache->runs.addHandlers(enqueueRun(queue));
    if (cache->pods) cache->pods->addHandlers(enqueueOwner(queue));
  }

  // Declared after the queue: the local executor's threads enqueue until it is destroyed.
  Executor executor = makeExecutor(client, options, podStores, queue);
  kube::EventRecorder events(client);
  ReconcilerOptions reconcilerOptions = options.reconciler;
  reconcilerOptions.events = &events;
  reconcilerOptions.log = &log;
  if (options.executor == ExecutorKind::Local && reconcilerOptions.maxRunning == 0) {
    // Runs beyond the sandbox threads wait as Queued, their deadline not yet counting, rather
    // than as Running behind a busy thread.
    reconcilerOptions.maxRunning = executor.slots;
  }
  PluginRunReconciler reconciler(client, runStores, *executor.runs, std::move(trust),
                                 reconcilerOptions, [&caches] { return allSynced(caches); });
  observe::ReconcileMetrics reconcileMetrics(metrics, "pluginrun");
  // Reconcile errors are logged, at most 10 lines in 10 s; the count of those held back is kept.
  LogLimiter errorLines(10, std::chrono::seconds(10));
  kube::ControllerOptions controllerOptions{"pluginrun", options.workers, &reconcileMetrics, {}};
  controllerOptions.onError = [&log, &errorLines](const std::string& key, const std::string& error) {
    if (auto held = errorLines.allow()) {
      log.error("reconcile failed, retrying with backoff",
                {{"pluginrun", key}, {"error", error}, {"suppressedSinceLast", *held}});
    }
  };
  kube::Controller controller(
      controllerOptions, queue,
      [&reconciler](const std::string& key) { return reconciler.reconcile(key); });

  observe::HealthChecks liveness;
  observe::HealthChecks readiness;
  liveness.add("ping", [] { return std::optional<std::string>(); });
  readiness.add("informers", [&caches]() -> std::optional<std::string> {
    if (!allSynced(caches)) return cacheProblem(caches);
    return std::nullopt;
  });
  observe::HttpServerPtr metricsServer;
  observe::HttpServerPtr probeServer;
  auto metricsError =
      startServer(options.metricsBindAddress, observe::probeRoutes(metrics, liveness, readiness),
                  metricsServer);
  auto probeError = startServer(options.healthProbeBindAddress,
                                observe::probeRoutes(metrics, liveness, readiness), probeServer);
  if (metricsError || probeError) {
    log.error("cannot listen",
              {{"metrics", metricsError.value_or("")}, {"probes", probeError.value_or("")}});
    return 1;
  }

  for (auto& cache : caches) cache->start();
  std::atomic<bool> lostLease{false};
  std::atomic<bool> started{false};
  struct {
    Mutex mutex;
    bool shuttingDown GUARDED_BY(mutex) = false;  // no worker starts after this is set
  } startGate;
  // The elector has its own stop: the Lease is released only after the workers drained, so a
  // successor never acts while this replica still finishes its queue.
  kube::StopSignal electionStop;
  std::thread elector;
  if (!waitForCaches(caches, stop, log)) {
    // Stopped before the caches were complete: no worker ever started.
  } else if (options.leaderElect) {
    kube::LeaderElectionConfig config;
    config.leaseNamespace = options.leaseNamespace;
    config.leaseName = options.leaseName;
    config.identity = options.identity;
    kube::LeaderCallbacks callbacks;
    callbacks.onStartedLeading = [&] {
      MutexLock lock(startGate.mutex);
      if (startGate.shuttingDown) return;
      log.info("started leading", {{"identity", options.identity}});
      started = true;
      controller.start();
    };
    callbacks.onStoppedLeading = [&] {
      if (!electionStop.stopped()) lostLease = true;
      stop.stop();
    };
    elector = std::thread([&client, &electionStop, config, callbacks] {
      kube::LeaderElector(client, config, callbacks).run(electionStop);
    });
  } else {
    started = true;
    controller.start();
  }
  std::string watched;
  for (const std::string& ns : options.watchNamespaces)
    watched += (watched.empty() ? "" : ",") + ns;
  log.info("controller started", {{"namespaces", watched.empty() ? "(all)" : watched},
                                  {"workers", options.workers},
                                  {"executor", watchPods ? "pod" : "local"},
                                  {"leaderElect", options.leaderElect}});
  while (stop.sleepFor(kube::SteadyClock::instance(), std::chrono::hours(1))) {
  }

  log.info("shutting down");
  {
    MutexLock lock(startGate.mutex);
    startGate.shuttingDown = true;
  }
  bool drained = true;
  if (started) {
    // With the lease lost another replica may lead already: stop at once instead of draining.
    drained = controller.stop(lostLease ? kube::Clock::Duration::zero() : kShutdownGrace);
  } else {
    queue.shutDown();  // no workers ever ran to drain it
  }
  electionStop.stop();  // now release the Lease
  if (elector.joinable()) elector.join();
  for (auto& cache : caches) cache->stop();
  if (metricsServer) metricsServer->stop();
  if (probeServer) probeServer->stop();
  if (lostLease) log.error("lost the leader lease");
  log.info("stopped", {{"drained", drained}});
  return lostLease ? 1 : 0;
}

}  // namespace ps::reconcile
