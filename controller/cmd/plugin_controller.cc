// plugin-controller: watches PluginRuns and runs their plugins in hardened Pods.
#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "core/trust_env.h"
#include "executor_local/sandbox_subprocess.h"
#include "kube/cpprest_http_client.h"
#include "kube/kube_config.h"
#include "manager/controller_manager.h"
#include "manager/watch_namespaces.h"
#include "observe/runtime_metrics.h"
#include "trust/trust_reloader.h"

namespace {

std::string environmentOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// The Pod's name (Downward API POD_NAME, else the host name, which is the Pod's name in a cluster)
// plus the PID, so two processes on one host never share an identity.
std::string defaultIdentity() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return environmentOr("POD_NAME", host) + "-" + std::to_string(getpid());
}

// The controller's own namespace, where its Lease lives (the chart grants Leases only there):
// POD_NAMESPACE from the Downward API, else the service account's namespace file, else "default".
std::string defaultLeaseNamespace() {
  std::ifstream file("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
  std::string fromFile;
  std::getline(file, fromFile);
  return environmentOr("POD_NAMESPACE", fromFile.empty() ? "default" : fromFile);
}

// SIGTERM/SIGINT end the run gracefully; blocked here so that every later thread inherits the mask
// and only the waiter below receives them.
std::thread stopOnSignal(ps::kube::StopSignal& stop) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return std::thread([signals, &stop] {
    int received = 0;
    sigwait(&signals, &received);
    stop.stop();
  });
}

}  // namespace

int main(int argc, char** argv) {
  // --executor local starts each sandbox from a single-threaded copy of this binary.
  if (argc == 3 && std::string(argv[1]) == ps::reconcile::kSandboxSubprocessArg) {
    return ps::reconcile::runSandboxSubprocess(argv[2]);
  }
  ps::reconcile::ManagerOptions options;
  std::string kubeconfig, executor = "pod", logFormat = "json", image, namespaces;
  int64_t maxRunning = 0;
  double trustReloadSeconds = 2;
  CLI::App app{"plugin-controller: runs PluginRuns in hardened sandbox Pods"};
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (else $KUBECONFIG, else in-cluster)");
  app.add_option("--namespace", namespaces,
                 "namespaces to watch, comma-separated (empty = all namespaces)");
  app.add_option("--executor", executor,
                 "pod (hardened Pods) or local (the kernel sandbox on this host, as root)")
      ->check(CLI::IsMember({"pod", "local"}));
  app.add_option("--sandbox-image", image, "image of the sandbox Pods");
  app.add_option("--max-running", maxRunning, "cap on running plugins, 0 = none")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--workers", options.workers, "concurrent reconciles")->check(CLI::Range(1, 64));
  // Client-side rate limit of API requests. A launch costs about two writes, so the limit must
  // sit well above twice the runs per second wanted (client-go's 5/10 would cap at ~2 runs/s).
  double apiQps = 200;
  int apiBurst = 400;
  app.add_option("--kube-api-qps", apiQps, "API requests per second, 0 = unlimited (default 200)")
      ->check(CLI::Range(0.0, 100000.0));
  app.add_option("--kube-api-burst", apiBurst, "API request burst (default 400)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--metrics-bind-address", options.metricsBindAddress, "\"0\" disables");
  app.add_option("--health-probe-bind-address", options.healthProbeBindAddress, "\"0\" disables");
  app.add_flag("--leader-elect", options.leaderElect, "elect a leader on a Lease");
  options.leaseNamespace = defaultLeaseNamespace();
  app.add_option(
      "--leader-election-namespace", options.leaseNamespace,
      "namespace of the Lease (default: $POD_NAMESPACE, else the pod's own, else default)");
  app.add_option("--trust-reload-interval", trustReloadSeconds,
                 "seconds between checks of the policy and key files, 0 = never reload")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--log-format", logFormat, "json|text")->check(CLI::IsMember({"json", "text"}));
  CLI11_PARSE(app, argc, argv);

  ps::observe::Logger log(std::cerr, *ps::observe::parseLogFormat(logFormat),
                          ps::observe::LogLevel::kInfo);
  // Local: the same reconciler runs accepted plugins in the kernel sandbox on this host (as root).
  options.executor =
      executor == "local" ? ps::reconcile::ExecutorKind::Local : ps::reconcile::ExecutorKind::Pod;
  const ps::reconcile::WatchNamespaces watched = ps::reconcile::parseWatchNamespaces(namespaces);
  if (!watched.error.empty()) {
    log.error(watched.error);
    return 2;
  }
  options.watchNamespaces = watched.names;
  ps::observe::MetricsRegistry metrics;
  auto trust =
      ps::reconcile::TrustReloader::load(ps::core::trustSourcesFromEnvironment(), metrics, log);
  if (!trust) {  // fail closed: a set but bad policy or key never means "unchecked"
    log.error("cannot load trust settings", {{"rejection", trust.rejection().line()}});
    return 1;
  }
  ps::reconcile::TrustReloader& trustReloader = *trust.value();
  if (!trustReloader.snapshot()->policy) {
    log.warn("no policy configured: every plugin not asking for network is allowed (set " +
             std::string(ps::core::kPolicyFileEnv) + ")");
  }
  auto config = ps::kube::loadClientConfig(kubeconfig, ps::kube::processEnvironment());
  if (!config) {
    log.error("cannot configure the API client", {{"error", config.error().describe()}});
    return 1;
  }
  if (!image.empty()) options.reconciler.settings.sandboxImage = image;
  options.reconciler.maxRunning = static_cast<size_t>(maxRunning);
  options.identity = defaultIdentity();

  ps::kube::StopSignal stop;
  std::thread signalWaiter = stopOnSignal(stop);
  ps::observe::RestClientMetrics restMetrics(metrics);
  ps::kube::ClientOptions clientOptions;
  clientOptions.metrics = &restMetrics;
  clientOptions.userAgent = "plugin-controller";
  clientOptions.qps = apiQps;
  clientOptions.burst = apiBurst;
  ps::kube::KubeClient client(ps::kube::makeCpprestHttpClient(*config), clientOptions);
  std::thread trustReloadLoop;  // started after the signal mask, so it inherits it
  if (trustReloadSeconds > 0) {
    trustReloadLoop = std::thread([&] {
      trustReloader.run(stop, std::chrono::duration_cast<ps::kube::Clock::Duration>(
                                  std::chrono::duration<double>(trustReloadSeconds)));
    });
  }
  const int status = ps::reconcile::runControllerManager(client, trustReloader.provider(), options,
                                                         log, metrics, stop);
  if (!stop.stopped()) stop.stop();
  if (trustReloadLoop.joinable()) trustReloadLoop.join();
  pthread_kill(signalWaiter.native_handle(), SIGTERM);  // wakes the waiter if no signal came
  signalWaiter.join();
  return status;
}
