#include "sandbox/interpreter_tree.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string>

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
  std::optional<SetupError> pathAndParents(const fs::path& path) {
    if (auto err = one(path, false)) return err;
    for (fs::path parent = path.parent_path(); !parent.empty(); parent = parent.parent_path()) {
      if (auto err = one(parent, true)) return err;
      if (parent == parent.root_path()) break;
    }
    return std::nullopt;
  }

  std::optional<SetupError> entries(const fs::path& dir, bool recursive) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (++checked_ > kMaxCheckedEntries) {
        return SetupError{"interpreter: " + dir.string() + " holds more than " +
                          std::to_string(kMaxCheckedEntries) + " entries to check"};
      }
      const fs::path& entry = it->path();
      if (auto err = one(entry, false)) return err;
      struct stat st {};
      if (recursive && lstat(entry.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (auto err = entries(entry, true)) return err;
      }
    }
    if (ec) return SetupError{"interpreter: cannot list " + dir.string() + ": " + ec.message()};
    return std::nullopt;
  }

 private:
  std::optional<SetupError> one(const fs::path& path, bool parent) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      return SetupError{describeErrno("interpreter: " + path.string(), errno)};
    }
    if (S_ISLNK(st.st_mode)) return symlinkTarget(path);
    const bool stickyParent = parent && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
    const bool othersWrite = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !stickyParent;
    if (othersWrite || (st.st_uid != 0 && st.st_uid != owner_)) {
      return SetupError{"interpreter: " + path.string() + " (on the interpreter's sys.path) " +
                        (othersWrite
                             ? "is writable by another user"
                             : "is owned by another user (uid " + std::to_string(st.st_uid) + ")") +
                        "; its code would run in every sandbox, refusing it"};
    }
    return std::nullopt;
  }

  // A symlink's own mode means nothing: what it points at must pass (a dangling one imports
  // nothing, as Debian's sitecustomize.py -> /etc/... does inside the sandbox).
  std::optional<SetupError> symlinkTarget(const fs::path& link) {
    std::error_code ec;
    const fs::path target = fs::canonical(link, ec);
    if (ec) return std::nullopt;
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

std::optional<SetupError> checkInterpreterTree(const fs::path& interpreter, uid_t owner) {
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
  if (auto err = check.pathAndParents(sysPath.standardLibrary)) return err;
  if (auto err = check.entries(sysPath.standardLibrary, true)) return err;
  for (const auto& other : sysPath.others) {
    if (auto err = check.pathAndParents(other)) return err;
  }
  for (const auto& site : sysPath.siteDirectories) {
    if (auto err = check.pathAndParents(site)) return err;
    if (auto err = check.entries(site, false)) return err;
  }
  return std::nullopt;
}

}  // namespace ps::sandbox
