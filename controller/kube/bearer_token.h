#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>

#include "core/annotated_mutex.h"
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
  // Reads the file now (after a 401: the kubelet may have rotated the token within the
  // interval); the token then in force.
  std::string reread();

 private:
  std::string readLocked() REQUIRES(mutex_);

  const std::string fixedToken_;
  const std::filesystem::path tokenFile_;
  const Clock& clock_;
  const Clock::Duration refreshEvery_;
  Mutex mutex_;
  std::string cached_ GUARDED_BY(mutex_);
  bool loaded_ GUARDED_BY(mutex_) = false;
  Clock::TimePoint lastRead_ GUARDED_BY(mutex_){};
};

}  // namespace ps::kube
