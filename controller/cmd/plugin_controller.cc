// plugin-controller: watches PluginRuns and runs their plugins in hardened Pods.
#include <pthread.h>
#include <unistd.h>

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
#include "manager/controller_flags.h"
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
  auto parsed = ps::reconcile::parseControllerFlags(argc, argv, std::cout, std::cerr);
  if (parsed.exitNow) return *parsed.exitNow;
  ps::reconcile::ControllerFlags& flags = parsed.flags;
  ps::reconcile::ManagerOptions& options = flags.options;
  if (options.leaseNamespace.empty()) options.leaseNamespace = defaultLeaseNamespace();
  ps::observe::Logger log(std::cerr, flags.logFormat, flags.logLevel);
  // Local: the same reconciler runs accepted plugins in the kernel sandbox on this host (as root).
  options.executor = flags.executor == "local" ? ps::reconcile::ExecutorKind::Local
                                               : ps::reconcile::ExecutorKind::Pod;
  const ps::reconcile::WatchNamespaces watched =
      ps::reconcile::parseWatchNamespaces(flags.namespaces);
  if (!watched.error.empty()) {
    log.error(watched.error);
    return ps::reconcile::kUsageExit;
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
  auto config = ps::kube::loadClientConfig(flags.kubeconfig, ps::kube::processEnvironment());
  if (!config) {
    log.error("cannot configure the API client", {{"error", config.error().describe()}});
    return 1;
  }
  if (!flags.sandboxImage.empty()) options.reconciler.settings.sandboxImage = flags.sandboxImage;
  options.reconciler.maxRunning = static_cast<size_t>(flags.maxRunning);
  options.identity = defaultIdentity();

  ps::kube::StopSignal stop;
  std::thread signalWaiter = stopOnSignal(stop);
  ps::observe::RestClientMetrics restMetrics(metrics, config->server);
  ps::kube::ClientOptions clientOptions;
  clientOptions.metrics = &restMetrics;
  clientOptions.userAgent = "plugin-controller";
  clientOptions.qps = flags.apiQps;
  clientOptions.burst = flags.apiBurst;
  ps::kube::KubeClient client(ps::kube::makeCpprestHttpClient(*config), clientOptions);
  std::thread trustReloadLoop;  // started after the signal mask, so it inherits it
  if (flags.trustReloadSeconds > 0) {
    trustReloadLoop = std::thread([&] {
      trustReloader.run(stop, std::chrono::duration_cast<ps::kube::Clock::Duration>(
                                  std::chrono::duration<double>(flags.trustReloadSeconds)));
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
