#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "reconcile/run_state.h"

namespace ps::reconcile {

// Kubernetes metav1.Time text: "2026-11-27T21:05:12Z" (UTC, whole seconds).
std::string formatRfc3339(TimePoint time);

// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; fractions are dropped. nullopt on anything else.
std::optional<TimePoint> parseRfc3339(std::string_view text);

}  // namespace ps::reconcile
