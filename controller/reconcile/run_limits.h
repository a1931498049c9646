#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/plugin_run.h"
#include "core/policy.h"
#include "kube/quantity.h"
#include "reconcile/controller_settings.h"

namespace ps::reconcile {

// The limits a run actually gets: its own request (or the controller default), lowered to the
// policy's limit for the plugin and to the controller's maximum.
struct RunLimits {
  int64_t timeoutSeconds = 0;
  kube::Quantity cpu = *kube::Quantity::parse("0");
  kube::Quantity memory = *kube::Quantity::parse("0");
  // One line per value that was lowered, e.g. "timeoutSeconds 7200 lowered to 3600 (controller
  // maximum)": worth an Event so nobody wonders why their run stopped early.
  std::vector<std::string> adjustments;
};

RunLimits clampRunLimits(const PluginRun& run, const core::PolicyLimits& policy,
                         const ControllerSettings& settings);

}  // namespace ps::reconcile
