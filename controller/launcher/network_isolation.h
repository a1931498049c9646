#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/expected.h"

namespace ps::launcher {

// In a Pod, "no network" is the namespace's deny-all NetworkPolicy, and a CNI applies a policy to
// a new Pod some time after the Pod has started (Kubernetes documents the window; on the test
// node kube-router let a plugin's first connection through and refused one a second later). So
// before the plugin runs, the launcher proves its Pod is isolated: a TCP connection to the API
// server's Service, which every container can name (KUBERNETES_SERVICE_HOST/PORT, set by the
// kubelet even with enableServiceLinks off), must fail. Connected means not yet isolated: it
// tries again every 100 ms until `wait` has passed.
struct ServiceAddress {
  std::string host;  // a numeric IPv4 or IPv6 address
  std::string port;
};

// KUBERNETES_SERVICE_HOST/PORT, or nullopt when either is missing.
std::optional<ServiceAddress> kubernetesServiceFromEnvironment();

struct IsolationCheck {
  ServiceAddress probe;
  std::chrono::milliseconds wait{0};
  // How long one connection attempt may take before it counts as dropped (a dropping enforcer
  // never answers; a reachable API server answers in well under this).
  std::chrono::milliseconds attemptTimeout{500};
};

// Succeeds once a connection to `probe` fails (isolated); otherwise, after `wait`, fails with the
// line saying why the plugin must not start.
core::Status awaitNetworkIsolation(const IsolationCheck& check);

}  // namespace ps::launcher
