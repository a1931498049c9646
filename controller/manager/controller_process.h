#pragma once

#include <optional>
#include <string>
#include <thread>

#include "core/expected.h"
#include "kube/api_client.h"
#include "kube/stop_signal.h"
#include "manager/controller_flags.h"
#include "observe/logger.h"
#include "observe/metrics_registry.h"
#include "observe/runtime_metrics.h"
#include "trust/trust_reloader.h"

// The steps of plugin-controller's main (controller/cmd/plugin_controller.cc) between parsing its
// flags and running the manager, each short enough to test apart.
namespace ps::reconcile {

// Fills what the flags leave to the process: the Lease namespace and identity from the Pod's
// environment, the executor, the watched namespaces, the sandbox image, the run limit and the
// default pod template. Fails saying why the flags are refused (a bad --namespace or
// --default-pod-template).
core::Status completeManagerOptions(ControllerFlags& flags);

// The trust settings in force at start, with the missing-policy warning said once. Null (and
// logged) when a set but bad policy or key refuses them: never "unchecked".
TrustReloaderPtr loadStartupTrust(observe::MetricsRegistry& metrics, observe::Logger& log);

// The API client's rate limits from the flags, its request metrics into `metrics`.
kube::ClientOptions apiClientOptions(const ControllerFlags& flags,
                                     observe::RestClientMetrics& metrics);

// SIGTERM/SIGINT fire `stop`. Blocks them in the calling thread first, so call it before any other
// thread starts: every later thread inherits the mask and only the waiter receives them.
class SignalStop {
 public:
  explicit SignalStop(kube::StopSignal& stop);
  ~SignalStop();  // wakes and joins the waiter if no signal came
  SignalStop(const SignalStop&) = delete;
  SignalStop& operator=(const SignalStop&) = delete;

 private:
  kube::StopSignal& stop_;
  std::thread waiter_;
};

// Runs the manager until it returns, with the trust reloader polling beside it every
// `flags.trustReloadSeconds` (0: never); then fires `stop` and joins the reload loop.
int runManagerWithTrustReload(kube::KubeClient& client, TrustReloader& trust,
                              const ControllerFlags& flags, observe::Logger& log,
                              observe::MetricsRegistry& metrics, kube::StopSignal& stop);

}  // namespace ps::reconcile
