#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>

#include "kube/clock.h"

namespace ps::kube {

// The bearer token for each request. A token file (the projected service-account token, which the
// kubelet rotates) is re-read at most once per `refreshEvery`, as client-go does.
class BearerTokenSource {
 public:
  BearerTokenSource(std::string fixedToken, std::filesystem::path tokenFile, const Clock& clock,
                    Clock::Duration refreshEvery = std::chrono::minutes(1));
  // The current token; empty when there is none. A file that became unreadable keeps the last
  // token read (the next refresh may find it again).
  std::string current();

 private:
  const std::string fixedToken_;
  const std::filesystem::path tokenFile_;
  const Clock& clock_;
  const Clock::Duration refreshEvery_;
  std::mutex mutex_;
  std::string cached_;           // guarded by mutex_
  bool loaded_ = false;          // guarded by mutex_
  Clock::TimePoint lastRead_{};  // guarded by mutex_
};

}  // namespace ps::kube
