#include "sandbox/cgroup_limits.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "sandbox/stale_sweep.h"

namespace ps::sandbox {
namespace {

constexpr const char* kParentGroup = "plugin-sandbox";

std::optional<SetupError> writeFile(const std::filesystem::path& file, const std::string& value) {
  int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return SetupError{describeErrno("cgroup: " + file.string(), errno)};
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return SetupError{describeErrno("cgroup: writing " + file.string(), err)};
  }
  return std::nullopt;
}

// run-<pid>-<start>-<n>: the owner's pid and start time let a later run tell a dead owner's
// group (swept) from a live one's.
std::string uniqueName() {
  static std::atomic<unsigned> counter{0};
  return ownedNamePrefix() + std::to_string(counter++);
}

SetupResult<std::filesystem::path> makeGroup(const std::filesystem::path& hierarchy,
                                             const std::string& name) {
  auto parent = hierarchy / kParentGroup;
  if (mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    return SetupError{describeErrno("cgroup: mkdir " + parent.string(), errno)};
  }
  sweepStaleCgroups(parent);  // groups left by a supervisor that was killed
  auto group = parent / name;
  if (mkdir(group.c_str(), 0755) != 0) {
    return SetupError{describeErrno("cgroup: mkdir " + group.string(), errno)};
  }
  return group;
}

}  // namespace

bool CgroupLimits::available(const std::filesystem::path& root) {
  auto pids = root / "pids";
  std::error_code ec;
  if (!std::filesystem::exists(pids / "cgroup.procs", ec)) return false;
  auto parent = pids / kParentGroup;
  return access(parent.c_str(), W_OK) == 0 || access(pids.c_str(), W_OK) == 0;
}

SetupResult<CgroupLimitsPtr> CgroupLimits::create(const SandboxLimits& limits,
                                                  const std::filesystem::path& root) {
  CgroupLimitsPtr cgroup(new CgroupLimits());
  std::string name = uniqueName();
  auto pids = makeGroup(root / "pids", name);
  if (!pids) return pids.error();
  cgroup->groups_.push_back(pids.value());
  if (auto err = writeFile(pids.value() / "pids.max", std::to_string(limits.maxProcesses))) {
    return *err;
  }
  std::error_code ec;
  if (std::filesystem::exists(root / "memory" / "cgroup.procs", ec)) {
    auto memory = makeGroup(root / "memory", name);
    if (!memory) return memory.error();
    cgroup->groups_.push_back(memory.value());
    cgroup->memoryGroup_ = memory.value();
    auto bytes = std::to_string(limits.memoryBytes);
    if (auto err = writeFile(memory.value() / "memory.limit_in_bytes", bytes)) return *err;
    // Without this the group could swap instead of hitting its limit.
    if (std::filesystem::exists(memory.value() / "memory.memsw.limit_in_bytes", ec)) {
      if (auto err = writeFile(memory.value() / "memory.memsw.limit_in_bytes", bytes)) return *err;
    }
  }
  return cgroup;
}

std::optional<SetupError> CgroupLimits::addProcess(pid_t pid) const {
  for (const auto& group : groups_) {
    if (auto err = writeFile(group / "cgroup.procs", std::to_string(pid))) return err;
  }
  return std::nullopt;
}

bool CgroupLimits::memoryLimitHit() const {
  if (!memoryGroup_) return false;
  std::ifstream failcnt(*memoryGroup_ / "memory.failcnt");
  unsigned long long count = 0;
  return (failcnt >> count) && count > 0;
}

CgroupLimits::~CgroupLimits() {
  // The sandbox's processes are reaped before this runs, but the kernel may take a moment to
  // release the group.
  for (const auto& group : groups_) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (rmdir(group.c_str()) == 0 || errno == ENOENT) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

}  // namespace ps::sandbox
