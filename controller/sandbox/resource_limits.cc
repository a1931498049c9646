#include "sandbox/resource_limits.h"

#include <sys/resource.h>

#include <cerrno>

namespace ps::sandbox {
namespace {

int setLimit(int resource, rlim_t soft, rlim_t hard) {
  rlimit value{soft, hard};
  return setrlimit(resource, &value) == 0 ? 0 : errno;
}

}  // namespace

int applyResourceLimits(const SandboxLimits& limits, ProcessLimit processLimit) {
  auto cpu = static_cast<rlim_t>(limits.cpuTime.count());
  // The soft CPU limit sends SIGXCPU, the hard one a second later SIGKILL for a plugin that
  // ignores it.
  if (int err = setLimit(RLIMIT_CPU, cpu, cpu + 1)) return err;
  if (int err = setLimit(RLIMIT_AS, limits.memoryBytes, limits.memoryBytes)) return err;
  if (int err = setLimit(RLIMIT_NOFILE, limits.maxOpenFiles, limits.maxOpenFiles)) return err;
  if (int err = setLimit(RLIMIT_FSIZE, limits.maxFileBytes, limits.maxFileBytes)) return err;
  if (int err = setLimit(RLIMIT_CORE, 0, 0)) return err;
  if (int err = setLimit(RLIMIT_MEMLOCK, 0, 0)) return err;
  if (int err = setLimit(RLIMIT_MSGQUEUE, 0, 0)) return err;
  if (processLimit == ProcessLimit::kNprocInOwnUserNamespace) {
    if (int err = setLimit(RLIMIT_NPROC, limits.maxProcesses, limits.maxProcesses)) return err;
  }
  return 0;
}

}  // namespace ps::sandbox
