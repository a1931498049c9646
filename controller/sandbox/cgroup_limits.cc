#include "sandbox/cgroup_limits.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "sandbox/cgroup_v2.h"
#include "sandbox/stale_sweep.h"

namespace ps::sandbox {
namespace {

constexpr const char* kParentGroup = "plugin-sandbox";

SetupStatus writeFile(const std::filesystem::path& file, const std::string& value) {
  int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return SetupError{describeErrno("cgroup: " + file.string(), errno)};
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return SetupError{describeErrno("cgroup: writing " + file.string(), err)};
  }
  return core::Done{};
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

// The run's group under a v2 parent: pids.max, and memory.max without swap when memory is
// delegated (the parent's subtree_control says so once prepareParent has run).
SetupResult<std::filesystem::path> makeUnifiedGroup(const std::filesystem::path& parent,
                                                    const SandboxLimits& limits, bool& withMemory) {
  sweepStaleCgroups(parent);
  auto group = parent / uniqueName();
  if (mkdir(group.c_str(), 0755) != 0) {
    return SetupError{describeErrno("cgroup: mkdir " + group.string(), errno)};
  }
  if (auto done = writeFile(group / "pids.max", std::to_string(limits.maxProcesses)); !done)
    return done.error();
  withMemory = cgroup_v2::listsController(
      cgroup_v2::readCgroupFile(parent / "cgroup.subtree_control").value_or(""), "memory");
  if (!withMemory) return group;
  if (auto done = writeFile(group / "memory.max", std::to_string(limits.memoryBytes)); !done)
    return done.error();
  // Without this the group could swap instead of hitting its limit (absent without swap
  // accounting, and then there is nothing to turn off).
  std::error_code ec;
  if (std::filesystem::exists(group / "memory.swap.max", ec)) {
    if (auto done = writeFile(group / "memory.swap.max", "0"); !done) return done.error();
  }
  return group;
}

std::string readCounters(const std::filesystem::path& file) {
  return cgroup_v2::readCgroupFile(file).value_or("");
}

uint64_t firstNumber(const std::string& text) {
  std::istringstream in(text);
  uint64_t value = 0;
  return (in >> value) ? value : 0;
}

}  // namespace

CgroupHost CgroupHost::find(const std::filesystem::path& root) {
  CgroupHost host;
  host.root = root;
  if (cgroup_v2::isUnifiedHierarchy(root)) {
    auto parent = cgroup_v2::delegatedParent(root);
    if (!parent) {
      host.unavailable = parent.error().message;
      return host;
    }
    host.layout = Layout::kV2;
    host.parent = parent.value();
    return host;
  }
  auto pids = root / "pids";
  std::error_code ec;
  const auto parent = pids / kParentGroup;
  if (std::filesystem::exists(pids / "cgroup.procs", ec) &&
      (access(parent.c_str(), W_OK) == 0 || access(pids.c_str(), W_OK) == 0)) {
    host.layout = Layout::kV1;
    return host;
  }
  host.unavailable = "no writable pids cgroup under " + pids.string();
  return host;
}

SetupResult<CgroupLimitsPtr> CgroupLimits::create(const SandboxLimits& limits,
                                                  const CgroupHost& host) {
  CgroupLimitsPtr cgroup(new CgroupLimits());
  if (host.layout == CgroupHost::Layout::kV2) {
    bool withMemory = false;
    auto group = makeUnifiedGroup(host.parent, limits, withMemory);
    if (!group) return group.error();
    cgroup->groups_.push_back(group.value());
    if (withMemory) cgroup->memoryGroup_ = group.value();
    cgroup->unified_ = true;
    return cgroup;
  }
  const auto& root = host.root;
  std::string name = uniqueName();
  auto pids = makeGroup(root / "pids", name);
  if (!pids) return pids.error();
  cgroup->groups_.push_back(pids.value());
  if (auto done = writeFile(pids.value() / "pids.max", std::to_string(limits.maxProcesses));
      !done) {
    return done.error();
  }
  std::error_code ec;
  if (std::filesystem::exists(root / "memory" / "cgroup.procs", ec)) {
    auto memory = makeGroup(root / "memory", name);
    if (!memory) return memory.error();
    cgroup->groups_.push_back(memory.value());
    cgroup->memoryGroup_ = memory.value();
    auto bytes = std::to_string(limits.memoryBytes);
    if (auto done = writeFile(memory.value() / "memory.limit_in_bytes", bytes); !done)
      return done.error();
    // Without this the group could swap instead of hitting its limit.
    if (std::filesystem::exists(memory.value() / "memory.memsw.limit_in_bytes", ec)) {
      if (auto done = writeFile(memory.value() / "memory.memsw.limit_in_bytes", bytes); !done)
        return done.error();
    }
  }
  return cgroup;
}

SetupStatus CgroupLimits::addProcess(pid_t pid) const {
  for (const auto& group : groups_) {
    if (auto done = writeFile(group / "cgroup.procs", std::to_string(pid)); !done)
      return done.error();
  }
  return core::Done{};
}

bool CgroupLimits::memoryLimitHit() const {
  if (!memoryGroup_) return false;
  if (unified_) {
    const auto events = cgroup_v2::parseMemoryEvents(readCounters(*memoryGroup_ / "memory.events"));
    return events.max > 0 || events.oomKill > 0;
  }
  // v1: with memsw limited as well, a charge may fail on either counter; the OOM killer's count
  // is in memory.oom_control.
  return firstNumber(readCounters(*memoryGroup_ / "memory.failcnt")) > 0 ||
         firstNumber(readCounters(*memoryGroup_ / "memory.memsw.failcnt")) > 0 ||
         cgroup_v2::parseMemoryEvents(readCounters(*memoryGroup_ / "memory.oom_control")).oomKill >
             0;
}

CgroupLimits::~CgroupLimits() {
  // The sandbox's processes are reaped before this runs, but the kernel may take a moment to
  // release the group.
  for (const auto& group : groups_) {
    cgroup_v2::killAll(group);
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (rmdir(group.c_str()) == 0 || errno == ENOENT) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

}  // namespace ps::sandbox
