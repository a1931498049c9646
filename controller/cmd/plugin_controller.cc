// plugin-controller: watches PluginRuns and runs their plugins in hardened Pods.
#include <iostream>
#include <string>

#include "core/exit_codes.h"
#include "executor_local/sandbox_subprocess.h"
#include "kube/cpprest_http_client.h"
#include "kube/kube_config.h"
#include "manager/controller_flags.h"
#include "manager/controller_process.h"

int main(int argc, char** argv) {
  using namespace ps;
  // --executor local starts each sandbox from a single-threaded copy of this binary.
  if (argc == 3 && std::string(argv[1]) == reconcile::kSandboxSubprocessArg) {
    return reconcile::runSandboxSubprocess(argv[2]);
  }
  auto parsed = reconcile::parseControllerFlags(argc, argv, std::cout, std::cerr);
  if (parsed.exitNow) return *parsed.exitNow;
  reconcile::ControllerFlags& flags = parsed.flags;
  observe::Logger log(std::cerr, flags.logFormat, flags.logLevel);
  if (auto completed = reconcile::completeManagerOptions(flags); !completed) {
    log.error(completed.error());
    return kExitUsage;
  }
  observe::MetricsRegistry metrics;
  reconcile::TrustReloaderPtr trust = reconcile::loadStartupTrust(metrics, log);
  if (!trust)
    return kExitError;  // fail closed: a set but bad policy or key never means "unchecked"
  auto config = kube::loadClientConfig(flags.kubeconfig, kube::processEnvironment());
  if (!config) {
    log.error("cannot configure the API client", {{"error", config.error().describe()}});
    return kExitError;
  }

  kube::StopSignal stop;
  reconcile::SignalStop signalStop(stop);  // before any other thread: they inherit the mask
  observe::RestClientMetrics restMetrics(metrics, config->server);
  kube::KubeClient client(kube::makeCpprestHttpClient(*config),
                          reconcile::apiClientOptions(flags, restMetrics));
  return reconcile::runManagerWithTrustReload(client, *trust, flags, log, metrics, stop);
}
