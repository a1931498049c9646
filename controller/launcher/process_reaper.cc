#include "launcher/process_reaper.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

namespace ps::launcher {
namespace {

// Sends SIGKILL to every direct child listed by the kernel.
void killListedChildren() {
  std::string task = "/proc/self/task/" + std::to_string(getpid()) + "/children";
  std::ifstream children(task);
  for (pid_t pid = 0; children >> pid;) {
    kill(pid, SIGKILL);
  }
}

}  // namespace

bool becomeSubreaper() noexcept {
  return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

void killAndReapAll(pid_t group) {
  if (group > 0) kill(-group, SIGKILL);
  // A bounded number of rounds: each round kills what is there; a fork bomb racing us loses
  // because RLIMIT_NPROC and the pids cgroup cap it, and killed processes cannot fork.
  for (int round = 0; round < 1000; ++round) {
    if (getpid() == 1) kill(-1, SIGKILL);  // only our own PID namespace
    killListedChildren();
    pid_t reaped = 0;
    while ((reaped = waitpid(-1, nullptr, WNOHANG | __WALL)) > 0) {
    }
    if (reaped < 0 && errno == ECHILD) return;
    usleep(1000);  // killed children not yet reapable
  }
}

}  // namespace ps::launcher
