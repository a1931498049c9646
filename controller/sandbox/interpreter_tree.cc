#include "sandbox/interpreter_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "sandbox/unique_fd.h"

namespace ps::sandbox {
namespace {

namespace fs = std::filesystem;

// The standard library of CPython 3.11 has ~4,000 entries; a tree far beyond that is refused
// rather than walked without end.
constexpr std::size_t kMaxCheckedEntries = 50000;

std::string versionOf(const fs::path& interpreter) {
  const std::string name = interpreter.filename().string();  // "python3.11"
  return name.rfind("python", 0) == 0 ? name.substr(6) : std::string();
}

bool present(const fs::path& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

class TreeCheck {
 public:
  explicit TreeCheck(uid_t owner) : owner_(owner) {}

  // `path` itself may not be writable by others even with the sticky bit; its parents may.
  SetupStatus pathAndParents(const fs::path& path) {
    if (auto done = one(path, false); !done) return done.error();
    for (fs::path parent = path.parent_path(); !parent.empty(); parent = parent.parent_path()) {
      if (auto done = one(parent, true); !done) return done.error();
      if (parent == parent.root_path()) break;
    }
    return core::Done{};
  }

  SetupStatus entries(const fs::path& dir, bool recursive) {
    UniqueFd dirFd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirFd) return SetupError{describeErrno("interpreter: cannot list " + dir.string(), errno)};
    return entriesOf(std::move(dirFd), dir, recursive);
  }

 private:
  // One fstatat per entry, relative to its directory's descriptor: the stdlib has ~4,000
  // entries and this runs before every `pluginctl run`, so no full-path lookups and no second
  // stat to tell directories. Paths are only spelled out for a symlink or a refusal.
  SetupStatus entriesOf(UniqueFd dirFd, const fs::path& dir, bool recursive) {
    DIR* stream = fdopendir(dirFd.get());
    if (stream == nullptr) {
      return SetupError{describeErrno("interpreter: cannot list " + dir.string(), errno)};
    }
    dirFd.release();  // the stream owns it now
    std::unique_ptr<DIR, int (*)(DIR*)> closer(stream, closedir);
    for (errno = 0; const dirent* entry = readdir(stream); errno = 0) {
      const char* name = entry->d_name;
      if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
      if (++checked_ > kMaxCheckedEntries) {
        return SetupError{"interpreter: " + dir.string() + " holds more than " +
                          std::to_string(kMaxCheckedEntries) + " entries to check"};
      }
      struct stat st {};
      if (fstatat(dirfd(stream), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return SetupError{describeErrno("interpreter: " + (dir / name).string(), errno)};
      }
      if (auto done = judge(st, false, [&] { return dir / name; }); !done) return done;
      if (recursive && S_ISDIR(st.st_mode)) {
        UniqueFd child(
            openat(dirfd(stream), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child) {
          return SetupError{
              describeErrno("interpreter: cannot list " + (dir / name).string(), errno)};
        }
        if (auto done = entriesOf(std::move(child), dir / name, true); !done) return done.error();
      }
    }
    if (errno != 0)
      return SetupError{describeErrno("interpreter: cannot list " + dir.string(), errno)};
    return core::Done{};
  }

  SetupStatus one(const fs::path& path, bool parent) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      return SetupError{describeErrno("interpreter: " + path.string(), errno)};
    }
    return judge(st, parent, [&] { return path; });
  }

  // `pathOf` spells the path only when it is needed (a symlink to follow, a refusal to name).
  template <typename PathOf>
  SetupStatus judge(const struct stat& st, bool parent, PathOf pathOf) {
    if (S_ISLNK(st.st_mode)) return symlinkTarget(pathOf());
    const bool stickyParent = parent && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
    const bool othersWrite = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !stickyParent;
    if (othersWrite || (st.st_uid != 0 && st.st_uid != owner_)) {
      return SetupError{"interpreter: " + pathOf().string() + " (on the interpreter's sys.path) " +
                        (othersWrite
                             ? "is writable by another user"
                             : "is owned by another user (uid " + std::to_string(st.st_uid) + ")") +
                        "; its code would run in every sandbox, refusing it"};
    }
    return core::Done{};
  }

  // A symlink's own mode means nothing: what it points at must pass (a dangling one imports
  // nothing, as Debian's sitecustomize.py -> /etc/... does inside the sandbox).
  SetupStatus symlinkTarget(const fs::path& link) {
    std::error_code ec;
    const fs::path target = fs::canonical(link, ec);
    if (ec) return core::Done{};
    if (++links_ > 64) return SetupError{"interpreter: too many symlinks below " + link.string()};
    return pathAndParents(target);
  }

  uid_t owner_;
  std::size_t checked_ = 0;
  std::size_t links_ = 0;
};

}  // namespace

InterpreterSysPath staticSysPath(const fs::path& interpreter) {
  const fs::path prefix = interpreter.parent_path().parent_path();
  const std::string version = versionOf(interpreter);
  std::string compact = version;
  compact.erase(std::remove(compact.begin(), compact.end(), '.'), compact.end());
  InterpreterSysPath sysPath;
  sysPath.standardLibrary = prefix / "lib" / interpreter.filename();
  for (const fs::path& other :
       {prefix / "lib" / ("python" + compact + ".zip"), sysPath.standardLibrary / "lib-dynload"}) {
    if (present(other)) sysPath.others.push_back(other);
  }
  for (const fs::path& site :
       {sysPath.standardLibrary / "site-packages", sysPath.standardLibrary / "dist-packages",
        prefix / "local" / "lib" / ("python" + version) / "dist-packages",
        prefix / "lib" / "python3" / "dist-packages"}) {
    if (present(site)) sysPath.siteDirectories.push_back(site);
  }
  return sysPath;
}

SetupStatus checkInterpreterTree(const fs::path& interpreter, uid_t owner) {
  const fs::path bin = interpreter.parent_path();
  for (const fs::path& redirect : {bin / "pyvenv.cfg", bin.parent_path() / "pyvenv.cfg",
                                   bin / (interpreter.filename().string() + "._pth")}) {
    if (present(redirect)) {
      return SetupError{"interpreter: " + redirect.string() +
                        " would move the interpreter's sys.path; name the base interpreter"};
    }
  }
  const InterpreterSysPath sysPath = staticSysPath(interpreter);
  TreeCheck check(owner);
  if (auto done = check.pathAndParents(sysPath.standardLibrary); !done) return done.error();
  if (auto done = check.entries(sysPath.standardLibrary, true); !done) return done.error();
  for (const auto& other : sysPath.others) {
    if (auto done = check.pathAndParents(other); !done) return done.error();
  }
  for (const auto& site : sysPath.siteDirectories) {
    if (auto done = check.pathAndParents(site); !done) return done.error();
    if (auto done = check.entries(site, false); !done) return done.error();
  }
  return core::Done{};
}

}  // namespace ps::sandbox
