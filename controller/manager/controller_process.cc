#include "manager/controller_process.h"

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>

#include "core/trust_env.h"
#include "manager/controller_manager.h"
#include "manager/default_pod_template.h"
#include "manager/watch_namespaces.h"

namespace ps::reconcile {
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

sigset_t stopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

core::Status completeManagerOptions(ControllerFlags& flags) {
  ManagerOptions& options = flags.options;
  if (options.leaseNamespace.empty()) options.leaseNamespace = defaultLeaseNamespace();
  // Local: the same reconciler runs accepted plugins in the kernel sandbox on this host (as root).
  options.executor = flags.executor == "local" ? ExecutorKind::Local : ExecutorKind::Pod;
  const WatchNamespaces watched = parseWatchNamespaces(flags.namespaces);
  if (!watched.error.empty()) return core::failed(watched.error);
  options.watchNamespaces = watched.names;
  if (!flags.sandboxImage.empty()) options.reconciler.settings.sandboxImage = flags.sandboxImage;
  if (!flags.defaultPodTemplate.empty()) {
    auto defaults = loadDefaultPodTemplate(flags.defaultPodTemplate);
    if (!defaults) return core::failed(defaults.rejection().message);
    options.reconciler.settings.podTemplateDefaults = std::move(defaults.value());
  }
  options.reconciler.maxRunning = static_cast<size_t>(flags.maxRunning);
  options.identity = defaultIdentity();
  return core::succeeded();
}

TrustReloaderPtr loadStartupTrust(observe::MetricsRegistry& metrics, observe::Logger& log) {
  auto trust = TrustReloader::load(core::trustSourcesFromEnvironment(), metrics, log);
  if (!trust) {
    log.error("cannot load trust settings", {{"rejection", trust.rejection().line()}});
    return nullptr;
  }
  if (!trust.value()->snapshot()->policy) {
    log.warn("no policy configured: every plugin not asking for network is allowed (set " +
             std::string(core::kPolicyFileEnv) + ")");
  }
  return std::move(trust).value();
}

kube::ClientOptions apiClientOptions(const ControllerFlags& flags,
                                     observe::RestClientMetrics& metrics) {
  kube::ClientOptions options;
  options.metrics = &metrics;
  options.userAgent = "plugin-controller";
  options.qps = flags.apiQps;
  options.burst = flags.apiBurst;
  return options;
}

SignalStop::SignalStop(kube::StopSignal& stop) : stop_(stop) {
  const sigset_t signals = stopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  waiter_ = std::thread([signals, this] {
    int received = 0;
    sigwait(&signals, &received);
    stop_.stop();
  });
}

SignalStop::~SignalStop() {
  pthread_kill(waiter_.native_handle(), SIGTERM);  // wakes the waiter if no signal came
  waiter_.join();
}

int runManagerWithTrustReload(kube::KubeClient& client, TrustReloader& trust,
                              const ControllerFlags& flags, observe::Logger& log,
                              observe::MetricsRegistry& metrics, kube::StopSignal& stop) {
  std::thread reloadLoop;
  if (flags.trustReloadSeconds > 0) {
    reloadLoop = std::thread([&] {
      trust.run(stop, std::chrono::duration_cast<kube::Clock::Duration>(
                          std::chrono::duration<double>(flags.trustReloadSeconds)));
    });
  }
  const int status =
      runControllerManager(client, trust.provider(), flags.options, log, metrics, stop);
  if (!stop.stopped()) stop.stop();
  if (reloadLoop.joinable()) reloadLoop.join();
  return status;
}

}  // namespace ps::reconcile
