#include "launcher/verified_volume.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/fd_io.h"
#include "sandbox/unique_fd.h"

namespace ps::launcher {
namespace {

using sandbox::SetupError;
using sandbox::SetupResult;
using sandbox::UniqueFd;

SetupError changed(const std::string& what) {
  return SetupError{kChangedAfterCheck + what};
}

// Names read from the volume are not ours: printable ASCII only, bounded, so the message stays
// one short line.
std::string printable(std::string_view name) {
  std::string shown;
  for (char c : name.substr(0, 80)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      shown += c;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      shown += escaped;
    }
  }
  if (name.size() > 80) shown += "...";
  return "\"" + shown + "\"";
}

// "..data", "..2026_11_28_..." and their like are the kubelet's machinery; ConfigMap keys cannot
// start with "..", so no plugin file can hide among them.
bool isKubeletEntry(std::string_view name) {
  return name.rfind("..", 0) == 0;
}

// The visible names in the volume's top directory, or why they cannot be listed.
SetupResult<std::vector<std::string>> listVisible(int rootFd, std::size_t maxFiles) {
  DIR* dir = fdopendir(fcntl(rootFd, F_DUPFD_CLOEXEC, 0));
  if (dir == nullptr) return SetupError{sandbox::describeErrno("launcher: list the plugin", errno)};
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || isKubeletEntry(name)) continue;
    if (names.size() == maxFiles) {
      closedir(dir);
      return changed("more than " + std::to_string(maxFiles) + " files in the plugin volume");
    }
    names.emplace_back(name);
  }
  const int listError = errno;
  closedir(dir);
  if (listError != 0)
    return SetupError{sandbox::describeErrno("launcher: list the plugin", listError)};
  return names;
}

// The visible set must be the pinned set: an added file could shadow a module the plugin imports.
sandbox::SetupStatus compareNames(const std::vector<std::string>& visible,
                                  const ExpectedFiles& expected) {
  for (const auto& name : visible) {
    if (!expected.count(name)) return changed("unexpected file " + printable(name));
  }
  for (const auto& [name, digest] : expected) {
    if (std::find(visible.begin(), visible.end(), name) == visible.end()) {
      return changed(name + " is missing");
    }
  }
  return core::Done{};
}

// Opens `name` below `rootFd`, following the ConfigMap's relative symlinks but never out of the
// volume (RESOLVE_BENEATH), through /proc magic links, or onto another mount.
SetupResult<UniqueFd> openBeneath(int rootFd, const std::string& name) {
  open_how how{};
  how.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;  // O_NONBLOCK: a FIFO must not hang us
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  for (int attempt = 0; attempt < 100; ++attempt) {
    UniqueFd fd(static_cast<int>(syscall(SYS_openat2, rootFd, name.c_str(), &how, sizeof how)));
    if (fd) return fd;
    // EAGAIN: a rename raced the lookup (the kubelet swapping ..data); look again.
    if (errno == EAGAIN || errno == EINTR) continue;
    if (errno == EXDEV) return changed(name + " leads outside the plugin volume");
    if (errno == ELOOP) return changed(name + " is a symlink loop");
    if (errno == ENOENT) return changed(name + " is missing");
    return SetupError{sandbox::describeErrno("launcher: open " + name + " (openat2)", errno)};
  }
  return SetupError{"launcher: open " + name + ": the volume kept changing during the lookup"};
}

// Reads `name` once; these bytes are the ones hashed and the ones the plugin runs.
SetupResult<std::string> readOnce(int rootFd, const std::string& name, std::size_t maxBytes) {
  auto fd = openBeneath(rootFd, name);
  if (!fd) return fd.error();
  struct stat st {};
  if (fstat(fd->get(), &st) != 0) {
    return SetupError{sandbox::describeErrno("launcher: stat " + name, errno)};
  }
  if (!S_ISREG(st.st_mode)) return changed(name + " is not a regular file");
  if (st.st_nlink != 1) return changed(name + " is a hard link");
  const std::string tooLarge = name + " is larger than " + std::to_string(maxBytes) + " bytes";
  if (static_cast<std::size_t>(st.st_size) > maxBytes) return changed(tooLarge);
  // Read one byte past the limit: a file growing while we read is refused too.
  std::string bytes(maxBytes + 1, '\0');
  const ssize_t done = core::readFully(fd->get(), bytes.data(), bytes.size());
  if (done < 0) return SetupError{sandbox::describeErrno("launcher: read " + name, errno)};
  if (static_cast<std::size_t>(done) > maxBytes) return changed(tooLarge);
  bytes.resize(static_cast<std::size_t>(done));
  return bytes;
}

}  // namespace

SetupResult<core::PluginFiles> readVerifiedVolume(const std::filesystem::path& root,
                                                  const ExpectedFiles& expected,
                                                  const core::PluginDirLimits& limits) {
  UniqueFd rootFd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd) return SetupError{sandbox::describeErrno("launcher: open " + root.string(), errno)};
  auto visible = listVisible(rootFd.get(), limits.maxFiles);
  if (!visible) return visible.error();
  if (auto same = compareNames(*visible, expected); !same) return same.error();
  core::PluginFiles plugin;
  std::size_t total = 0;
  for (const auto& [name, digest] : expected) {
    auto bytes = readOnce(rootFd.get(), name, limits.maxFileBytes);
    if (!bytes) return bytes.error();
    total += bytes->size();
    if (total > limits.maxTotalBytes) {
      return changed("the files add up to more than " + std::to_string(limits.maxTotalBytes) +
                     " bytes");
    }
    const std::string found = core::sha256Digest(*bytes);
    if (found != digest) {
      return changed(name + " digest differs (pinned " + digest + ", found " + found + ")");
    }
    plugin.files.emplace(name, std::move(*bytes));
  }
  return plugin;
}

SetupResult<sandbox::SandboxRootPtr> copyVerifiedVolume(const std::filesystem::path& root,
                                                        const ExpectedFiles& expected,
                                                        const std::filesystem::path& base) {
  auto plugin = readVerifiedVolume(root, expected);
  if (!plugin) return plugin.error();
  std::vector<core::VerifiedFile> verified;
  for (const auto& [name, digest] : expected) verified.push_back({name, digest});
  return sandbox::SandboxRoot::create(*plugin, verified, base);
}

}  // namespace ps::launcher
