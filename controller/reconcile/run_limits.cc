#include "reconcile/run_limits.h"

namespace ps::reconcile {
namespace {

template <class T>
std::string text(const T& value) {
  if constexpr (std::is_same_v<T, kube::Quantity>) {
    return value.toString();
  } else {
    return std::to_string(value);
  }
}

// Lowers `value` to `ceiling` when it is above it, and says so in `adjustments`.
template <class T>
void lowerTo(T& value, const T& ceiling, const char* field, const char* source,
             std::vector<std::string>& adjustments) {
  if (ceiling < value) {
    adjustments.push_back(std::string(field) + " " + text(value) + " lowered to " + text(ceiling) +
                          " (" + source + ")");
    value = ceiling;
  }
}

}  // namespace

RunLimits clampRunLimits(const PluginRun& run, const core::PolicyLimits& policy,
                         const ControllerSettings& settings) {
  RunLimits limits;
  limits.timeoutSeconds = run.timeoutSeconds.value_or(settings.defaultTimeoutSeconds);
  limits.cpu = run.cpuLimit.value_or(settings.defaultCpu);
  limits.memory = run.memoryLimit.value_or(settings.defaultMemory);
  auto& notes = limits.adjustments;
  if (policy.maxTimeoutSeconds && *policy.maxTimeoutSeconds > 0) {
    lowerTo(limits.timeoutSeconds, *policy.maxTimeoutSeconds, "timeoutSeconds", "policy limit",
            notes);
  }
  lowerTo(limits.timeoutSeconds, settings.maxTimeoutSeconds, "timeoutSeconds", "controller maximum",
          notes);
  lowerTo(limits.cpu, settings.maxCpu, "cpu", "controller maximum", notes);
  if (policy.maxMemory) {
    if (const auto ceiling = kube::Quantity::fromWhole(*policy.maxMemory);
        ceiling && ceiling->milliValue() > 0) {
      lowerTo(limits.memory, *ceiling, "memory", "policy limit", notes);
    }
  }
  lowerTo(limits.memory, settings.maxMemory, "memory", "controller maximum", notes);
  return limits;
}

}  // namespace ps::reconcile
