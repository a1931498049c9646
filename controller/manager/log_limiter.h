#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/annotated_mutex.h"

namespace ps::reconcile {

// At most `lines` log lines per `window` for one kind of message (reconcile errors in a tight
// loop must not flood the log). allow() says whether to print now and, when it does, how many
// lines were held back since the last one printed, so the log still says how many there were.
class LogLimiter {
 public:
  LogLimiter(int lines, std::chrono::steady_clock::duration window)
      : lines_(lines), window_(window) {}

  // nullopt: suppress this line; otherwise the number of lines suppressed before it.
  std::optional<uint64_t> allow(std::chrono::steady_clock::time_point now =
                                    std::chrono::steady_clock::now()) EXCLUDES(mutex_);

 private:
  const int lines_;
  const std::chrono::steady_clock::duration window_;
  Mutex mutex_;
  std::chrono::steady_clock::time_point windowStart_ GUARDED_BY(mutex_){};
  int printed_ GUARDED_BY(mutex_) = 0;
  uint64_t suppressed_ GUARDED_BY(mutex_) = 0;
};

}  // namespace ps::reconcile
