#include "sandbox/interrupt_signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>

namespace ps::sandbox {
namespace {

constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
int pipeFds[2] = {-1, -1};
std::atomic<int> receivedSignal{0};

void onSignal(int signal) {
  receivedSignal.store(signal);
  (void)!write(pipeFds[1], "x", 1);
}

}  // namespace

InterruptSignals::InterruptSignals() {
  receivedSignal.store(0);
  if (pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK) != 0) pipeFds[0] = pipeFds[1] = -1;
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

InterruptSignals::~InterruptSignals() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  for (int& fd : pipeFds) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

int InterruptSignals::wakeFd() const {
  return pipeFds[0];
}

int InterruptSignals::received() const {
  return receivedSignal.load();
}

}  // namespace ps::sandbox
