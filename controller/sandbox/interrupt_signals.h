#pragma once

#include <signal.h>

namespace ps::sandbox {

// While alive, SIGINT/SIGTERM/SIGHUP do not kill pluginctl outright: they make wakeFd()
// readable, so the run stops its sandbox and removes the sandbox root before exiting 128+N.
// One instance at a time (a self-pipe shared with the signal handler).
class InterruptSignals {
 public:
  InterruptSignals();
  ~InterruptSignals();
  InterruptSignals(const InterruptSignals&) = delete;
  InterruptSignals& operator=(const InterruptSignals&) = delete;

  int wakeFd() const;
  int received() const;  // the signal that arrived, 0 if none

 private:
  struct sigaction previous_[3];
};

}  // namespace ps::sandbox
