#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ps::kube {

// How many digits of the second's fraction a timestamp shows.
enum class TimeFraction { kNone, kMillis, kMicros };

// RFC 3339 in UTC: "2026-11-27T21:05:12Z" (metav1.Time, whole seconds), ".123Z" (log lines),
// ".123456Z" (metav1.MicroTime). The one formatter of timestamps; the fraction is cut, not rounded.
std::string formatRfc3339(std::chrono::system_clock::time_point time,
                          TimeFraction fraction = TimeFraction::kNone);

// API server timestamps (Lease MicroTime, Event first/lastTimestamp): microseconds; the server's
// parser accepts the fraction for plain Time fields too.
inline std::string formatMicroTime(std::chrono::system_clock::time_point time) {
  return formatRfc3339(time, TimeFraction::kMicros);
}

// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; fractions are dropped. nullopt on anything else,
// and for instants system_clock cannot hold (before 1677-09-21 or after 2262-04-11).
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

}  // namespace ps::kube
