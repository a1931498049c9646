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
#include "kube/json_member.h"
#include "kube/leader_election.h"
#include "kube/store_group.h"
#include "kube/work_queue.h"
#include "manager/cache_transforms.h"
#include "manager/log_limiter.h"
#include "observe/health_checks.h"
#include "observe/http_server.h"
#include "observe/runtime_metrics.h"
#include "reconcile/conditions.h"

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
  // Pages of 100, not 500: each page's untrimmed objects, freed once trimmed, are what scatters
  // free heap between the long-lived cache entries (fake_api_bench.sh, 10,000 finished runs:
  // VmRSS 46.8 MiB with pages of 500, 40.8 MiB with 100, 40.5 MiB with 50).
  options.watcher.listPageSize = 100;
  options.transform = trim;
  options.onWatchError = [&log, what](const kube::KubeError& error) {
    log.warn("watch failed, retrying", {{"resource", what}, {"error", error.describe()}});
  };
  options.onWatchRecovered = [&log, what] { log.info("watch recovered", {{"resource", what}}); };
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

// Starts a listener unless its address is "0"; fails saying why when it cannot listen.
core::Status startServer(const std::string& bindAddress, observe::Routes routes,
                         observe::HttpServerPtr& server) {
  if (bindAddress == "0") return core::succeeded();
  auto url = observe::listenUrlFromBindAddress(bindAddress);
  if (!url) return core::failed("bad bind address \"" + bindAddress + "\"");
  server = observe::makeCpprestHttpServer(*url, std::move(routes));
  return server->start();
}

// The informers of one namespace ("" = all namespaces): PluginRuns, plugin ConfigMaps (their
// content only, trimConfigMap) and sandbox Pods. No Pod informer for the local executor.
struct NamespaceCaches {
  NamespaceCaches(kube::KubeClient& client, const std::string& ns, bool watchPods,
                  observe::Logger& log)
      : runs(client, pluginRunsResource(), ns,
             informerOptions("", trimAndPackPluginRun, log, "pluginruns" + where(ns))),
        configMaps(client, kube::configMapsResource(), ns,
                   informerOptions("", trimConfigMap, log, "configmaps" + where(ns))) {
    if (watchPods) {
      pods = std::make_unique<kube::Informer>(
          client, kube::podsResource(), ns,
          informerOptions(kRunLabel, trimPod, log, "pods" + where(ns)));
    }
  }
  static std::string where(const std::string& ns) {
    return ns.empty() ? " (all namespaces)" : " in " + ns;
  }
  bool hasSynced() const { return runs.hasSynced() && (!pods || pods->hasSynced()); }
  void start() {
    runs.start();
    configMaps.start();
    if (pods) pods->start();
  }
  void stop() {
    runs.stop();
    configMaps.stop();
    if (pods) pods->stop();
  }
  kube::Informer runs;
  // Not part of hasSynced(): until it syncs (or if it never can), launches GET their ConfigMap.
  kube::Informer configMaps;
  std::unique_ptr<kube::Informer> pods;
};

// The informers of every watched namespace, and the stores the reconciler reads across them.
class Informers {
 public:
  Informers(kube::KubeClient& client, const ManagerOptions& options, observe::Logger& log) {
    std::vector<std::string> namespaces = options.watchNamespaces;
    if (namespaces.empty()) namespaces.push_back("");  // one pair of informers over all namespaces
    const bool watchPods = options.executor == ExecutorKind::Pod;
    for (const std::string& ns : namespaces) {
      caches_.push_back(std::make_unique<NamespaceCaches>(client, ns, watchPods, log));
      runs_.add(caches_.back()->runs.store());
      configMaps_.add(caches_.back()->configMaps.store());
      if (watchPods) pods_.add(caches_.back()->pods->store());
    }
  }
  Informers(const Informers&) = delete;
  Informers& operator=(const Informers&) = delete;

  // A run's change visits the run; a Pod's change visits its owning run.
  void enqueueChangesInto(kube::WorkQueue& queue) {
    for (auto& cache : caches_) {
      cache->runs.addHandlers(enqueueRun(queue));
      if (cache->pods) cache->pods->addHandlers(enqueueOwner(queue));
    }
  }
  void start() {
    for (auto& cache : caches_) cache->start();
  }
  void stop() {
    for (auto& cache : caches_) cache->stop();
  }
  bool synced() const {
    for (const auto& cache : caches_) {
      if (!cache->hasSynced()) return false;
    }
    return true;
  }
  // Why the caches are not synced yet, naming the list that failed (e.g. a 403 when the RBAC
  // lacks a namespace), so /readyz and the log say it without a debugger.
  std::string problem() const {
    for (const auto& cache : caches_) {
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
  const kube::StoreGroup& runs() const { return runs_; }
  const kube::StoreGroup& pods() const { return pods_; }
  const kube::StoreGroup& configMaps() const { return configMaps_; }
  bool configMapsSynced() const {
    for (const auto& cache : caches_) {
      if (!cache->configMaps.hasSynced()) return false;
    }
    return true;
  }

 private:
  std::vector<std::unique_ptr<NamespaceCaches>> caches_;
  kube::StoreGroup runs_;
  kube::StoreGroup configMaps_;
  kube::StoreGroup pods_;
};

// Blocks until every cache synced, logging each new reason it is still waiting; false when
// `stop` fired first.
bool waitForCaches(const Informers& informers, kube::StopSignal& stop, observe::Logger& log) {
  std::string reported = "caches not synced";
  while (!informers.synced()) {
    if (!stop.sleepFor(kube::SteadyClock::instance(), std::chrono::milliseconds(50))) return false;
    std::string problem = informers.problem();
    if (problem != reported && !informers.synced()) {
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

// The reconciler's options as the manager completes them: Events off the worker, state changes
// logged, and with the local executor a cap of its sandbox threads when none was given.
ReconcilerOptions reconcilerOptionsFor(const ManagerOptions& options, const Executor& executor,
                                       const Informers& informers, kube::EventRecorder& events,
                                       observe::Logger& log, observe::RunMetrics& runMetrics) {
  ReconcilerOptions reconciler = options.reconciler;
  reconciler.configMaps = &informers.configMaps();
  reconciler.configMapsSynced = [&informers] { return informers.configMapsSynced(); };
  reconciler.events = &events;
  reconciler.log = &log;
  reconciler.runMetrics = &runMetrics;
  if (options.executor == ExecutorKind::Local && reconciler.maxRunning == 0) {
    // Runs beyond the sandbox threads wait as Queued, their deadline not yet counting, rather
    // than as Running behind a busy thread.
    reconciler.maxRunning = executor.slots;
  }
  return reconciler;
}

std::vector<std::string> terminalReasons() {
  std::vector<std::string> reasons;
  for (RunState state : kAllRunStates) {
    if (isTerminal(state)) reasons.emplace_back(reasonOf(state));
  }
  return reasons;
}

// The queued and running gauges, counted from the PluginRun cache when /metrics is scraped.
void countRuns(const kube::StoreGroup& runs, observe::RunMetrics& metrics) {
  size_t queued = 0;
  size_t running = 0;
  for (const kube::ObjectPtr& run : runs.list()) {
    if (isPackedRun(*run)) continue;  // finished
    const RunState state = runStateFromStatus(kube::member(*run, "status"));
    queued += state == RunState::Queued;
    running += state == RunState::Running;
  }
  metrics.counts(queued, running);
}

// Reconcile errors are logged, at most 10 lines in 10 s (`errorLines`); the count of those held
// back is kept.
kube::ControllerOptions controllerOptionsFor(const ManagerOptions& options,
                                             observe::ReconcileMetrics& metrics,
                                             observe::Logger& log, LogLimiter& errorLines) {
  kube::ControllerOptions controller{"pluginrun", options.workers, &metrics, {}};
  controller.onError = [&log, &errorLines](const std::string& key, const std::string& error) {
    if (auto held = errorLines.allow()) {
      log.error("reconcile failed, retrying with backoff",
                {{"pluginrun", key}, {"error", error}, {"suppressedSinceLast", *held}});
    }
  };
  return controller;
}

// /metrics and the probes (/healthz always passes, /readyz once the caches synced).
class Probes {
 public:
  Probes(observe::MetricsRegistry& metrics, const Informers& informers) : metrics_(metrics) {
    liveness_.add("ping", [] { return core::succeeded(); });
    readiness_.add("informers", [&informers] {
      return informers.synced() ? core::succeeded() : core::failed(informers.problem());
    });
  }
  // Listens on both addresses; false (after logging why) when either cannot listen.
  bool start(const ManagerOptions& options, observe::Logger& log) {
    const auto metrics = startServer(options.metricsBindAddress, routes(), metricsServer_);
    const auto probes = startServer(options.healthProbeBindAddress, routes(), probeServer_);
    if (metrics && probes) return true;
    log.error("cannot listen", {{"metrics", metrics ? "" : metrics.error()},
                                {"probes", probes ? "" : probes.error()}});
    return false;
  }
  void stop() {
    if (metricsServer_) metricsServer_->stop();
    if (probeServer_) probeServer_->stop();
  }

 private:
  observe::Routes routes() const { return observe::probeRoutes(metrics_, liveness_, readiness_); }

  observe::MetricsRegistry& metrics_;
  observe::HealthChecks liveness_;
  observe::HealthChecks readiness_;
  observe::HttpServerPtr metricsServer_;
  observe::HttpServerPtr probeServer_;
};

// When the workers run: at once, or while this replica leads (losing the lease ends the process,
// as controller-runtime does). The elector has its own stop: the Lease is released only after the
// workers drained, so a successor never acts while this replica still finishes its queue.
class Workers {
 public:
  Workers(kube::Controller& controller, kube::WorkQueue& queue, observe::Logger& log)
      : controller_(controller), queue_(queue), log_(log) {}
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  ~Workers() {
    electionStop_.stop();
    if (elector_.joinable()) elector_.join();
  }

  void startNow() {
    started_ = true;
    controller_.start();
  }

  // Campaigns for the Lease on its own thread; losing it fires `stop`.
  void startWhileLeading(kube::KubeClient& client, const ManagerOptions& options,
                         kube::StopSignal& stop) {
    kube::LeaderElectionConfig config;
    config.leaseNamespace = options.leaseNamespace;
    config.leaseName = options.leaseName;
    config.identity = options.identity;
    kube::LeaderCallbacks callbacks;
    callbacks.onStartedLeading = [this, identity = options.identity] {
      MutexLock lock(mutex_);
      if (shuttingDown_) return;
      log_.info("started leading", {{"identity", identity}});
      startNow();
    };
    callbacks.onStoppedLeading = [this, &stop] {
      if (!electionStop_.stopped()) lostLease_ = true;
      stop.stop();
    };
    elector_ = std::thread([&client, this, config, callbacks] {
      kube::LeaderElector(client, config, callbacks).run(electionStop_);
    });
  }

  // Stops the workers (draining them, unless the lease was lost: another replica may lead
  // already), then releases the Lease. Returns whether everything drained.
  bool stop() {
    {
      MutexLock lock(mutex_);
      shuttingDown_ = true;  // no worker starts after this
    }
    bool drained = true;
    if (started_) {
      drained = controller_.stop(lostLease_ ? kube::Clock::Duration::zero() : kShutdownGrace);
    } else {
      queue_.shutDown();  // no workers ever ran to drain it
    }
    electionStop_.stop();  // now release the Lease
    if (elector_.joinable()) elector_.join();
    return drained;
  }

  bool lostLease() const { return lostLease_; }

 private:
  kube::Controller& controller_;
  kube::WorkQueue& queue_;
  observe::Logger& log_;
  std::atomic<bool> lostLease_{false};
  std::atomic<bool> started_{false};
  Mutex mutex_;
  bool shuttingDown_ GUARDED_BY(mutex_) = false;
  kube::StopSignal electionStop_;
  std::thread elector_;
};

void logStarted(const ManagerOptions& options, observe::Logger& log) {
  std::string watched;
  for (const std::string& ns : options.watchNamespaces)
    watched += (watched.empty() ? "" : ",") + ns;
  log.info("controller started",
           {{"namespaces", watched.empty() ? "(all)" : watched},
            {"workers", options.workers},
            {"executor", options.executor == ExecutorKind::Pod ? "pod" : "local"},
            {"leaderElect", options.leaderElect}});
}

}  // namespace

int runControllerManager(kube::KubeClient& client, TrustProvider trust,
                         const ManagerOptions& options, observe::Logger& log,
                         observe::MetricsRegistry& metrics, kube::StopSignal& stop) {
  Informers informers(client, options, log);
  observe::WorkQueueMetrics queueMetrics(metrics, "pluginrun");
  kube::WorkQueueOptions queueOptions;
  queueOptions.metrics = &queueMetrics;
  kube::WorkQueue queue(queueOptions);
  informers.enqueueChangesInto(queue);
  // Declared after the queue: the local executor's threads enqueue until it is destroyed.
  Executor executor = makeExecutor(client, options, informers.pods(), queue);
  kube::EventRecorder events(client);
  observe::RunMetrics runMetrics(metrics, terminalReasons());
  const auto runCounts =
      metrics.onCollect([&informers, &runMetrics] { countRuns(informers.runs(), runMetrics); });
  PluginRunReconciler reconciler(
      client, informers.runs(), *executor.runs, std::move(trust),
      reconcilerOptionsFor(options, executor, informers, events, log, runMetrics),
      [&informers] { return informers.synced(); });
  observe::ReconcileMetrics reconcileMetrics(metrics, "pluginrun");
  LogLimiter errorLines(10, std::chrono::seconds(10));
  kube::Controller controller(
      controllerOptionsFor(options, reconcileMetrics, log, errorLines), queue,
      [&reconciler](const std::string& key) { return reconciler.reconcile(key); });
  Probes probes(metrics, informers);
  if (!probes.start(options, log)) return 1;

  informers.start();
  Workers workers(controller, queue, log);
  // Stopped before the caches were complete: no worker ever starts.
  if (waitForCaches(informers, stop, log)) {
    if (options.leaderElect) {
      workers.startWhileLeading(client, options, stop);
    } else {
      workers.startNow();
    }
  }
  logStarted(options, log);
  while (stop.sleepFor(kube::SteadyClock::instance(), std::chrono::hours(1))) {
  }

  log.info("shutting down");
  const bool drained = workers.stop();
  informers.stop();
  probes.stop();
  if (workers.lostLease()) log.error("lost the leader lease");
  log.info("stopped", {{"drained", drained}});
  return workers.lostLease() ? 1 : 0;
}

}  // namespace ps::reconcile
