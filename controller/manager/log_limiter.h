#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace ps::reconcile {

// At most `lines` log lines per `window` for one kind of message (reconcile errors in a tight
// loop must not flood the log). allow() says whether to print now and, when it does, how many
// lines were held back since the last one printed, so the log still says how many there were.
class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  LogLimiter(int lines, Clock::duration window) : lines_(lines), window_(window) {}

  // nullopt: suppress this line; otherwise the number of lines suppressed before it.
  std::optional<uint64_t> allow(Clock::time_point now = Clock::now());

 private:
  const int lines_;
  const Clock::duration window_;
  std::mutex mutex_;
  Clock::time_point windowStart_{};  // guarded by mutex_
  int printed_ = 0;                  // guarded by mutex_
  uint64_t suppressed_ = 0;          // guarded by mutex_
};

}  // namespace ps::reconcile
