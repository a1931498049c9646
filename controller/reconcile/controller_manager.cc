#include "reconcile/controller_manager.h"

#include <atomic>
#include <thread>

#include "kube/controller.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/work_queue.h"
#include "observe/health_checks.h"
#include "observe/http_server.h"
#include "observe/runtime_metrics.h"
#include "reconcile/pod_naming.h"

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

kube::InformerOptions informerOptions(std::string labelSelector) {
  kube::InformerOptions options;
  options.watcher.labelSelector = std::move(labelSelector);
  options.transform = kube::stripManagedFields;
  return options;
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

}  // namespace

int runControllerManager(kube::KubeClient& client, core::TrustConfig trust,
                         const ManagerOptions& options, observe::Logger& log,
                         observe::MetricsRegistry& metrics, kube::StopSignal& stop) {
  const std::string ns = options.watchNamespace;
  kube::Informer runs(client, pluginRunsResource(), ns, informerOptions(""));
  kube::Informer pods(client, kube::podsResource(), ns, informerOptions(kRunLabel));
  observe::WorkQueueMetrics queueMetrics(metrics, "pluginrun");
  kube::WorkQueueOptions queueOptions;
  queueOptions.metrics = &queueMetrics;
  kube::WorkQueue queue(queueOptions);
  runs.addHandlers(enqueueRun(queue));
  pods.addHandlers(enqueueOwner(queue));

  PluginRunReconciler reconciler(client, runs.store(), pods.store(), trust, options.reconciler);
  observe::ReconcileMetrics reconcileMetrics(metrics, "pluginrun");
  kube::Controller controller(
      {"pluginrun", options.workers, &reconcileMetrics}, queue,
      [&reconciler](const std::string& key) { return reconciler.reconcile(key); });

  observe::HealthChecks liveness;
  observe::HealthChecks readiness;
  liveness.add("ping", [] { return std::optional<std::string>(); });
  readiness.add("informers", [&runs, &pods]() -> std::optional<std::string> {
    if (runs.hasSynced() && pods.hasSynced()) return std::nullopt;
    return "caches not synced";
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

  runs.start();
  pods.start();
  std::atomic<bool> lostLease{false};
  std::atomic<bool> started{false};
  std::thread elector;
  if (options.leaderElect) {
    kube::LeaderElectionConfig config;
    config.leaseNamespace = options.leaseNamespace;
    config.leaseName = options.leaseName;
    config.identity = options.identity;
    kube::LeaderCallbacks callbacks;
    callbacks.onStartedLeading = [&] {
      log.info("started leading", {{"identity", options.identity}});
      started = true;
      controller.start();
    };
    callbacks.onStoppedLeading = [&] {
      if (!stop.stopped()) lostLease = true;
      stop.stop();
    };
    elector = std::thread([&client, &stop, config, callbacks] {
      kube::LeaderElector(client, config, callbacks).run(stop);
    });
  } else {
    started = true;
    controller.start();
  }
  log.info("controller started", {{"namespace", ns.empty() ? "(all)" : ns},
                                  {"workers", options.workers},
                                  {"leaderElect", options.leaderElect}});
  while (stop.sleepFor(kube::SteadyClock::instance(), std::chrono::hours(1))) {
  }

  log.info("shutting down");
  if (elector.joinable()) elector.join();  // no more onStartedLeading after this
  bool drained = true;
  if (started) {
    drained = controller.stop(kShutdownGrace);
  } else {
    queue.shutDown();  // no workers ever ran to drain it
  }
  runs.stop();
  pods.stop();
  if (metricsServer) metricsServer->stop();
  if (probeServer) probeServer->stop();
  if (lostLease) log.error("lost the leader lease");
  log.info("stopped", {{"drained", drained}});
  return lostLease ? 1 : 0;
}

}  // namespace ps::reconcile
