#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ps::kube {

// Kubernetes metav1.Time text: "2026-11-27T21:05:12Z" (UTC, whole seconds).
std::string formatRfc3339(std::chrono::system_clock::time_point time);

// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; fractions are dropped. nullopt on anything else.
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

}  // namespace ps::kube
