#include "run_timings.h"

#include <algorithm>
#include <vector>

namespace ps::bench {

RunTimings::RunTimings(std::size_t runs)
    : size_(runs),
      created_(new std::atomic<long long>[runs]),
      seenAt_(new std::atomic<long long>[runs]) {
  for (std::size_t i = 0; i < runs; ++i) {
    created_[i] = 0;
    seenAt_[i] = 0;
  }
}

long long RunTimings::now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

void RunTimings::created(std::size_t index) {
  if (index < size_) created_[index] = now();
}

void RunTimings::podSeen(std::size_t index) {
  long long expected = 0;
  if (index < size_ && seenAt_[index].compare_exchange_strong(expected, now())) ++seen_;
}

TimingSummary RunTimings::summarize(Steady::time_point start) const {
  TimingSummary summary;
  const long long origin =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
  std::vector<double> latencies;
  long long last = origin;
  for (std::size_t i = 0; i < size_; ++i) {
    if (created_[i] != 0) ++summary.created;
    if (seenAt_[i] == 0) continue;
    ++summary.withPod;
    last = std::max(last, seenAt_[i].load());
    // A Pod seen before its create call returned (possible under load) counts as zero.
    if (created_[i] != 0)
      latencies.push_back(std::max(0.0, static_cast<double>(seenAt_[i] - created_[i]) / 1e6));
  }
  summary.lastPodSeconds = static_cast<double>(last - origin) / 1e9;
  if (latencies.empty()) return summary;
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1));
    return latencies[rank];
  };
  summary.p50Ms = at(0.50);
  summary.p99Ms = at(0.99);
  summary.maxMs = latencies.back();
  return summary;
}

}  // namespace ps::bench
