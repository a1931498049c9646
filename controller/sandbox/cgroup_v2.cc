#include "sandbox/cgroup_v2.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/number_parse.h"

namespace ps::sandbox::cgroup_v2 {
namespace {

namespace fs = std::filesystem;

const char* const kDelegateHint =
    "start pluginctl in a cgroup of its own (systemd-run --scope -p Delegate=yes pluginctl run "
    "..., with --user when not root) or set PLUGIN_SANDBOX_CGROUP_PARENT to a delegated cgroup";

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Writes `value` in one write(2): the kernel reads a cgroup file's value from one call, and its
// errno (EBUSY, EACCES, ...) is what tells the caller which rule refused.
int writeOnce(const fs::path& file, const std::string& value) {
  const int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t n = write(fd, value.data(), value.size());
  const int err = n == static_cast<ssize_t>(value.size()) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return err;
}

std::vector<pid_t> processesIn(const fs::path& group) {
  std::vector<pid_t> pids;
  std::istringstream lines(readCgroupFile(group / "cgroup.procs").value_or(""));
  std::string line;
  while (std::getline(lines, line)) {
    if (auto pid = core::parseInt64(line); pid && *pid > 0)
      pids.push_back(static_cast<pid_t>(*pid));
  }
  return pids;
}

SetupError stepFailed(const std::string& what) {
  return SetupError{"cgroup v2: " + what};
}

SetupError stepFailed(const std::string& what, int err) {
  return SetupError{describeErrno("cgroup v2: " + what, err)};
}

// The controllers a run group needs (pids) and uses when delegated (memory), as one
// cgroup.subtree_control line, minus those already enabled.
std::string missingControllers(std::string_view available, std::string_view enabled) {
  std::string line;
  for (const char* controller : {"pids", "memory"}) {
    if (listsController(available, controller) && !listsController(enabled, controller)) {
      line += (line.empty() ? "+" : " +") + std::string(controller);
    }
  }
  return line;
}

// Moves this process out of `parent` into its supervisor leaf, so that `parent` holds no process
// and may pass controllers on; refused when other processes share `parent`.
SetupStatus vacate(const fs::path& parent) {
  std::string others;
  for (pid_t pid : processesIn(parent)) {
    if (pid != getpid()) others += (others.empty() ? "" : ", ") + std::to_string(pid);
  }
  if (!others.empty()) {
    return stepFailed(parent.string() + " also holds other processes (pid " + others +
                      "), so it cannot pass the pids and memory controllers to a per-run group; " +
                      kDelegateHint);
  }
  const fs::path leaf = parent / kSupervisorLeaf;
  if (mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) {
    return stepFailed("mkdir " + leaf.string(), errno);
  }
  if (int err = writeOnce(leaf / "cgroup.procs", std::to_string(getpid()))) {
    return stepFailed("moving pluginctl into " + leaf.string(), err);
  }
  return core::Done{};
}

}  // namespace

bool isUnifiedHierarchy(const fs::path& root) {
  struct statfs info {};
  return statfs(root.c_str(), &info) == 0 &&
         static_cast<unsigned long>(info.f_type) == CGROUP2_SUPER_MAGIC;
}

std::optional<std::string> unifiedPathOf(std::string_view procSelfCgroup) {
  while (!procSelfCgroup.empty()) {
    const auto end = procSelfCgroup.find('\n');
    const std::string_view line = procSelfCgroup.substr(0, end);
    if (line.substr(0, 3) == "0::" && line.size() > 3 && line[3] == '/') {
      return std::string(line.substr(3));
    }
    if (end == std::string_view::npos) break;
    procSelfCgroup.remove_prefix(end + 1);
  }
  return std::nullopt;
}

SetupResult<fs::path> parentFor(const fs::path& root, const std::string& ownPath,
                                const std::optional<std::string>& configured) {
  std::string path = configured.value_or(ownPath);
  const bool goesUp =
      path.find("/../") != std::string::npos || path.ends_with("/..") || path == "..";
  if (path.empty() || path[0] != '/' || goesUp) {
    return stepFailed(std::string(configured ? kParentEnv : "/proc/self/cgroup") + " names '" +
                      path + "', not an absolute cgroup path without '..'");
  }
  const std::string rootText = root.string();
  if (configured && (path == rootText || path.starts_with(rootText + "/"))) {
    path = path.substr(rootText.size());
  }
  fs::path relative = fs::path(path).relative_path();
  if (!configured && relative.filename() == kSupervisorLeaf) relative = relative.parent_path();
  return relative.empty() ? root : root / relative;
}

SetupResult<fs::path> prepareParent(const fs::path& parent, bool parentIsOwn) {
  std::error_code ec;
  if (!parentIsOwn && !fs::exists(parent, ec) && mkdir(parent.c_str(), 0755) != 0 &&
      errno != EEXIST) {
    return stepFailed("cannot create " + parent.string(), errno);
  }
  const auto available = readCgroupFile(parent / "cgroup.controllers");
  if (!available) return stepFailed("cannot read " + (parent / "cgroup.controllers").string());
  if (!listsController(*available, "pids")) {
    return stepFailed("the pids controller is not delegated to " + parent.string() +
                      " (its cgroup.controllers: \"" + trimmed(*available) + "\"); " +
                      kDelegateHint);
  }
  if (access(parent.c_str(), W_OK) != 0 ||
      access((parent / "cgroup.subtree_control").c_str(), W_OK) != 0 ||
      access((parent / "cgroup.procs").c_str(), W_OK) != 0) {
    return stepFailed(parent.string() + " is not delegated to uid " + std::to_string(geteuid()) +
                      " (its cgroup.subtree_control is not writable); " + kDelegateHint);
  }
  const auto enable = missingControllers(
      *available, readCgroupFile(parent / "cgroup.subtree_control").value_or(""));
  if (enable.empty()) return parent;
  int err = writeOnce(parent / "cgroup.subtree_control", enable);
  if (err == EBUSY && parentIsOwn) {
    if (auto done = vacate(parent); !done) return done.error();
    err = writeOnce(parent / "cgroup.subtree_control", enable);
  }
  if (err == EBUSY) {
    return stepFailed(parent.string() + " holds processes, so it cannot pass the pids and memory " +
                      "controllers to a per-run group; " + kDelegateHint);
  }
  if (err != 0) {
    return stepFailed("writing '" + enable + "' to " + (parent / "cgroup.subtree_control").string(),
                      err);
  }
  return parent;
}

SetupResult<fs::path> delegatedParent(const fs::path& root) {
  std::optional<std::string> configured;
  if (const char* value = std::getenv(kParentEnv); value && *value) configured = value;
  const auto own = unifiedPathOf(readCgroupFile("/proc/self/cgroup").value_or(""));
  if (!own && !configured) return stepFailed("no \"0::\" line in /proc/self/cgroup");
  auto parent = parentFor(root, own.value_or("/"), configured);
  if (!parent) return parent;
  return prepareParent(*parent, !configured);
}

std::optional<std::string> readCgroupFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void killAll(const fs::path& group) {
  std::error_code ec;
  if (fs::exists(group / "cgroup.kill", ec)) writeOnce(group / "cgroup.kill", "1");
}

MemoryEvents parseMemoryEvents(std::string_view text) {
  MemoryEvents events;
  std::istringstream lines{std::string(text)};
  std::string key, value;
  while (lines >> key >> value) {
    const auto count = core::parseInt64(value);
    if (!count || *count < 0) continue;
    const auto n = static_cast<uint64_t>(*count);
    if (key == "max") events.max = n;
    if (key == "oom") events.oom = n;
    if (key == "oom_kill") events.oomKill = n;
  }
  return events;
}

bool listsController(std::string_view text, std::string_view controller) {
  std::istringstream words{std::string(text)};
  std::string word;
  while (words >> word) {
    if (word == controller) return true;
  }
  return false;
}

}  // namespace ps::sandbox::cgroup_v2
