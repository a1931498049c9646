#include "sandbox/sandbox_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>

#include "core/digest.h"
#include "core/fd_io.h"
#include "sandbox/stale_sweep.h"
#include "sandbox/unique_fd.h"

namespace ps::sandbox {
namespace {

constexpr std::size_t kMaxFileBytes = 64u << 20;

// Opens `relative` below `dirFd` and refuses any symlink, magic link or mount crossing on the way.
UniqueFd openBeneath(int dirFd, const std::string& relative, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  return UniqueFd(
      static_cast<int>(syscall(SYS_openat2, dirFd, relative.c_str(), &how, sizeof how)));
}

SetupStatus makeParents(int rootFd, const std::string& relative) {
  for (auto slash = relative.find('/'); slash != std::string::npos;
       slash = relative.find('/', slash + 1)) {
    std::string dir = relative.substr(0, slash);
    if (mkdirat(rootFd, dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return SetupError{describeErrno("sandbox root: mkdir " + dir, errno)};
    }
  }
  return core::Done{};
}

SetupStatus writeFile(int rootFd, const std::string& relative, const std::string& bytes) {
  if (auto done = makeParents(rootFd, relative); !done) return done.error();
  UniqueFd fd = openBeneath(rootFd, relative, O_WRONLY | O_CREAT | O_EXCL);
  if (!fd) return SetupError{describeErrno("sandbox root: create " + relative, errno)};
  if (int failed = core::writeAll(fd.get(), bytes)) {
    return SetupError{describeErrno("sandbox root: write " + relative, failed)};
  }
  if (fchmod(fd.get(), 0444) != 0) return SetupError{describeErrno("sandbox root: chmod", errno)};
  return core::Done{};
}

SetupResult<std::string> readBack(int rootFd, const std::string& relative) {
  UniqueFd fd = openBeneath(rootFd, relative, O_RDONLY);
  struct stat st {};
  if (!fd || fstat(fd.get(), &st) != 0) {
    return SetupError{describeErrno("sandbox root: re-open " + relative, errno)};
  }
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
      static_cast<std::size_t>(st.st_size) > kMaxFileBytes) {
    return SetupError{"sandbox root: " + relative + " is no longer the file that was written"};
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  if (pread(fd.get(), bytes.data(), bytes.size(), 0) != st.st_size) {
    return SetupError{describeErrno("sandbox root: re-read " + relative, errno)};
  }
  return bytes;
}

// Every file written must hash to the digest checked before, and every verified file must exist.
SetupStatus recheck(int rootFd, const core::PluginFiles& plugin,
                    const std::vector<core::VerifiedFile>& verified) {
  std::map<std::string, std::string> expected;
  for (const auto& file : verified) expected[file.path] = file.digest;
  for (const auto& [path, bytes] : plugin.files) {
    auto it = expected.find(path);
    std::string want = it != expected.end() ? it->second : core::sha256Digest(bytes);
    if (it == expected.end() && path != "manifest.json") {
      return SetupError{"sandbox root: " + path + " was not verified"};
    }
    auto written = readBack(rootFd, path);
    if (!written) return written.error();
    if (core::sha256Digest(written.value()) != want) {
      return SetupError{"sandbox root: " + path + " does not match its verified digest"};
    }
    if (it != expected.end()) expected.erase(it);
  }
  if (!expected.empty()) {
    return SetupError{"sandbox root: verified file " + expected.begin()->first + " is missing"};
  }
  return core::Done{};
}

}  // namespace

SetupResult<std::filesystem::path> SandboxRoot::privateBase() {
  const char* configured = std::getenv("PLUGIN_SANDBOX_DIR");
  std::filesystem::path base =
      configured != nullptr && *configured != '\0'
          ? std::filesystem::path(configured)
          : std::filesystem::path("/tmp/plugin-sandbox-" + std::to_string(geteuid()));
  if (mkdir(base.c_str(), 0700) != 0 && errno != EEXIST) {
    return SetupError{describeErrno("sandbox root: mkdir " + base.string(), errno)};
  }
  struct stat st {};
  if (lstat(base.c_str(), &st) != 0) return SetupError{describeErrno(base.string(), errno)};
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077) != 0) {
    return SetupError{"sandbox root: " + base.string() +
                      " must be a directory owned by us with mode 0700 (is it a symlink?)"};
  }
  return base;
}

SetupResult<SandboxRootPtr> SandboxRoot::create(const core::PluginFiles& plugin,
                                                const std::vector<core::VerifiedFile>& verified,
                                                const std::filesystem::path& base) {
  removeStaleRoots(base);
  std::string pattern = (base / (ownedNamePrefix() + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return SetupError{describeErrno("sandbox root: mkdtemp under " + base.string(), errno)};
  }
  SandboxRootPtr root(new SandboxRoot(pattern));  // from here on, removed in every outcome
  if (mkdir(root->mountPoint().c_str(), 0700) != 0 || mkdir(root->pluginDir().c_str(), 0755) != 0) {
    return SetupError{describeErrno("sandbox root: mkdir", errno)};
  }
  UniqueFd pluginFd(
      open(root->pluginDir().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!pluginFd) return SetupError{describeErrno("sandbox root: open", errno)};
  for (const auto& [path, bytes] : plugin.files) {
    if (!core::isSafeRelativePath(path)) {
      return SetupError{"sandbox root: refusing unsafe path \"" + path + "\""};
    }
    if (auto done = writeFile(pluginFd.get(), path, bytes); !done) return done.error();
  }
  if (auto done = recheck(pluginFd.get(), plugin, verified); !done) return done.error();
  return root;
}

SandboxRoot::~SandboxRoot() {
  removeTree(dir_);
}

void removeStaleRoots(const std::filesystem::path& base) {
  sweepStaleRunDirs(base);  // owners told by pid and start time (stale_sweep.h)
}

void removeTree(const std::filesystem::path& dir) {
  std::error_code ec;
  // recursive_directory_iterator does not follow directory symlinks unless asked to.
  chmod(dir.c_str(), 0700);
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0700);
  }
  std::filesystem::remove_all(dir, ec);
}

}  // namespace ps::sandbox
