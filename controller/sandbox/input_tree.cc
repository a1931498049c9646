#include "sandbox/input_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sandbox/unique_fd.h"

namespace ps::sandbox {
namespace {

constexpr int kEntriesPerClockCheck = 256;

const char* specialKind(unsigned char type) {
  switch (type) {
    case DT_SOCK:
      return "a unix socket";
    case DT_FIFO:
      return "a FIFO";
    case DT_CHR:
      return "a character device";
    case DT_BLK:
      return "a block device";
    default:
      return nullptr;
  }
}

unsigned char typeFromMode(mode_t mode) {
  return static_cast<unsigned char>(IFTODT(mode));
}

class Walk {
 public:
  Walk(std::filesystem::path input, std::chrono::steady_clock::time_point deadline)
      : input_(std::move(input)), deadline_(deadline) {}

  // Walks `dirFd` (owned), `relative` to the input for messages.
  SetupStatus directory(UniqueFd dirFd, const std::string& relative) {
    DIR* dir = fdopendir(dirFd.get());
    if (dir == nullptr) return SetupError{describeErrno("input: " + shown(relative), errno)};
    dirFd.release();  // closedir closes it
    SetupStatus walked = core::Done{};
    while (walked) {
      errno = 0;
      dirent* entry = readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) walked = SetupError{describeErrno("input: " + shown(relative), errno)};
        break;
      }
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      walked = this->entry(dirfd(dir), name, entry->d_type,
                           relative.empty() ? name : relative + "/" + name);
    }
    closedir(dir);
    return walked;
  }

 private:
  SetupStatus entry(int parentFd, const std::string& name, unsigned char type,
                    const std::string& relative) {
    if (++entries_ % kEntriesPerClockCheck == 0 && std::chrono::steady_clock::now() > deadline_) {
      return SetupError{"input: checking " + input_.string() +
                        " took longer than the run's time limit (rule input-no-special-files)"};
    }
    if (type == DT_UNKNOWN) {  // a filesystem without d_type
      struct stat st {};
      if (fstatat(parentFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return SetupError{describeErrno("input: " + shown(relative), errno)};
      }
      type = typeFromMode(st.st_mode);
    }
    if (const char* kind = specialKind(type)) {
      return SetupError{"input: " + shown(relative) + " is " + kind +
                        "; sockets, FIFOs and devices are refused in the input (rule "
                        "input-no-special-files)"};
    }
    if (type != DT_DIR) return core::Done{};
    UniqueFd child(openat(parentFd, name.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!child) return SetupError{describeErrno("input: " + shown(relative), errno)};
    return directory(std::move(child), relative);
  }

  std::string shown(const std::string& relative) const {
    return (relative.empty() ? input_ : input_ / relative).string();
  }

  std::filesystem::path input_;
  std::chrono::steady_clock::time_point deadline_;
  long entries_ = 0;
};

}  // namespace

SetupStatus checkInputTree(const std::filesystem::path& input,
                           std::chrono::steady_clock::time_point deadline) {
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  UniqueFd root(static_cast<int>(syscall(SYS_openat2, AT_FDCWD, input.c_str(), &how, sizeof how)));
  if (!root && errno == ELOOP) {
    return SetupError{"input: " + input.string() +
                      " has a symlink in its path; the input is resolved without following "
                      "symlinks (rule input-no-symlinks): name the real directory"};
  }
  if (!root) return SetupError{describeErrno("input: " + input.string(), errno)};
  return Walk(input, deadline).directory(std::move(root), "");
}

}  // namespace ps::sandbox
