#pragma once

#include <chrono>
#include <string>

namespace ps::kube {

// API server timestamps (Lease MicroTime, Event first/lastTimestamp): RFC 3339 in UTC with
// microseconds; the server's parser accepts the fraction for plain Time fields too.
std::string formatMicroTime(std::chrono::system_clock::time_point time);

}  // namespace ps::kube
