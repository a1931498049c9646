#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/pod_template.h"
#include "kube/quantity.h"

namespace ps::reconcile {

// What the controller's operator decides for every Pod: the image, defaults and hard maxima.
// A run's own spec may ask for less, never for more.
struct ControllerSettings {
  std::string sandboxImage = "localhost/plugin-sandbox/sandbox:dev";
  std::optional<std::string> runtimeClassName;  // e.g. "gvisor"
  // The RuntimeClasses a run's spec.podTemplate.runtimeClassName may name (--allowed-runtime-
  // classes); empty: none, so no run can pick a weaker runtime than the operator's.
  std::vector<std::string> allowedRuntimeClasses;
  // Scheduling every Pod gets unless its run's spec.podTemplate sets the field itself
  // (--default-pod-template; withDefaults() is the merge). Its runtimeClassName is the
  // operator's choice, so it needs no --allowed-runtime-classes entry.
  PodTemplate podTemplateDefaults;
  int64_t defaultTimeoutSeconds = 300;
  int64_t maxTimeoutSeconds = 3600;
  kube::Quantity defaultCpu = *kube::Quantity::parse("500m");
  kube::Quantity maxCpu = *kube::Quantity::parse("2");
  kube::Quantity defaultMemory = *kube::Quantity::parse("256Mi");
  kube::Quantity maxMemory = *kube::Quantity::parse("1Gi");
  kube::Quantity tmpSizeLimit = *kube::Quantity::parse("64Mi");
  // Extra time the kubelet grants beyond the launcher's own --timeout, so the launcher can
  // still write its termination message (exit 124) before the Pod is killed.
  int64_t deadlineGraceSeconds = 10;
  // How long a run waits for its plugin ConfigMap (GitOps tools may apply it after the run)
  // before it fails PluginNotFound, counted from the run's creation.
  int64_t missingPluginGraceSeconds = 120;
  // How long a Pod may fail to pull its image before the run fails ImagePullFailed, counted
  // from the Pod's creation (Tekton fails such runs too, after its own grace period).
  int64_t imagePullGraceSeconds = 60;
  // How long a sandbox Pod's launcher waits for the namespace's deny-all NetworkPolicy to take
  // effect on it before the plugin starts (a network plugin applies it to a new Pod only after
  // the Pod has started); then the run fails with exit 126. 0: no check, for clusters whose
  // network plugin does not enforce NetworkPolicy (there a plugin has the network).
  int64_t networkIsolationWaitSeconds = 30;
};

}  // namespace ps::reconcile
