#include "sandbox/stale_sweep.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "core/number_parse.h"
#include "sandbox/cgroup_v2.h"
#include "sandbox/sandbox_root.h"

namespace ps::sandbox {
namespace {

constexpr std::string_view kRunPrefix = "run-";
// How far apart the boot clock and the wall clock may drift before an old-style name is judged:
// within it, a process is taken for the owner (kept), never the other way round.
constexpr int64_t kClockSlackSeconds = 2;

std::vector<std::string_view> splitDashes(std::string_view text, std::size_t maxParts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < maxParts) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos) break;
    parts.push_back(text.substr(0, dash));
    text.remove_prefix(dash + 1);
  }
  parts.push_back(text);
  return parts;
}

std::optional<pid_t> parsePid(std::string_view digits) {
  if (digits.empty() || digits[0] == '+' || digits[0] == '-') return std::nullopt;
  auto pid = core::parseInt64(digits);
  if (!pid || *pid <= 0 || *pid > 0x3fffffff) return std::nullopt;  // PID_MAX_LIMIT is 2^22
  return static_cast<pid_t>(*pid);
}

// Seconds since the epoch at which the boot clock read zero.
double bootWallSeconds() {
  timespec wall{}, boot{};
  clock_gettime(CLOCK_REALTIME, &wall);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  return static_cast<double>(wall.tv_sec - boot.tv_sec) +
         static_cast<double>(wall.tv_nsec - boot.tv_nsec) / 1e9;
}

// An old-style name carries only the pid: the pid's process is the owner unless it started after
// the entry was last changed (then the pid was reused after the owner died).
bool legacyOwnerGone(pid_t pid, const std::filesystem::path& entry) {
  const auto ticks = processStartTicks(pid);
  if (!ticks) return true;
  struct stat st {};
  if (lstat(entry.c_str(), &st) != 0) return false;
  const double started =
      bootWallSeconds() + static_cast<double>(*ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  const double changed =
      static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
  return started > changed + kClockSlackSeconds;
}

// True when the "run-*" entry at `path` belongs to a dead owner.
bool isStale(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  if (name.rfind(kRunPrefix, 0) != 0) return false;
  if (auto owner = ownerOfName(name)) return !ownerAlive(*owner);
  const auto parts = splitDashes(std::string_view(name).substr(kRunPrefix.size()), 2);
  if (parts.size() != 2 || parts[1].empty()) return false;
  const auto pid = parsePid(parts[0]);
  return pid && legacyOwnerGone(*pid, path);
}

bool isRealDirectory(const std::filesystem::path& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::optional<uint64_t> processStartTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // "PID (COMM) STATE ..." with COMM free to hold spaces and parentheses: fields start after
  // the last ')'. starttime is field 22, the 20th after COMM.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 0; i < 20; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  auto ticks = core::parseInt64(field);
  if (!ticks || *ticks < 0) return std::nullopt;
  return static_cast<uint64_t>(*ticks);
}

OwnerId currentOwner() {
  static const OwnerId self{getpid(), processStartTicks(getpid()).value_or(0)};
  // A forked child keeps the static: it is a different owner, so ask again there.
  if (self.pid != getpid()) return OwnerId{getpid(), processStartTicks(getpid()).value_or(0)};
  return self;
}

bool ownerAlive(const OwnerId& owner) {
  const auto ticks = processStartTicks(owner.pid);
  return ticks && *ticks == owner.startTicks;
}

std::string ownedNamePrefix() {
  const OwnerId self = currentOwner();
  return std::string(kRunPrefix) + std::to_string(self.pid) + "-" +
         std::to_string(self.startTicks) + "-";
}

std::optional<OwnerId> ownerOfName(std::string_view name) {
  if (name.substr(0, kRunPrefix.size()) != kRunPrefix) return std::nullopt;
  const auto parts = splitDashes(name.substr(kRunPrefix.size()), 3);
  if (parts.size() != 3 || parts[2].empty()) return std::nullopt;
  const auto pid = parsePid(parts[0]);
  if (!pid || parts[1].empty() || parts[1][0] == '+' || parts[1][0] == '-') return std::nullopt;
  const auto ticks = core::parseInt64(parts[1]);
  if (!ticks || *ticks < 0) return std::nullopt;
  return OwnerId{*pid, static_cast<uint64_t>(*ticks)};
}

int sweepStaleRunDirs(const std::filesystem::path& base) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
    if (!isRealDirectory(entry.path()) || !isStale(entry.path())) continue;
    removeTree(entry.path());
    if (!std::filesystem::exists(entry.path(), ec)) ++removed;
  }
  return removed;
}

int sweepStaleCgroups(const std::filesystem::path& hierarchy) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(hierarchy, ec)) {
    if (!isRealDirectory(entry.path()) || !isStale(entry.path())) continue;
    cgroup_v2::killAll(entry.path());  // v2: what the dead owner's sandbox left; v1: nothing
    if (rmdir(entry.path().c_str()) == 0) ++removed;  // EBUSY: processes left, try next time
  }
  return removed;
}

}  // namespace ps::sandbox
