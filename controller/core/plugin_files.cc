#include "core/plugin_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "core/fd_io.h"

namespace ps::core {
namespace {

// Owns one file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

bool isSafeSegment(std::string_view segment) {
  if (segment.empty() || segment[0] == '.') return false;
  return std::all_of(segment.begin(), segment.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::string errnoText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

class DirReader {
 public:
  explicit DirReader(const PluginDirLimits& limits) : limits_(limits) {}

  Check readDir(int dirFd, const std::string& prefix, int depth);
  PluginFiles take() { return std::move(plugin_); }

 private:
  Check readEntry(int dirFd, const std::string& name, const std::string& prefix, int depth);
  Check readRegular(int fd, const struct stat& info, const std::string& path);

  const PluginDirLimits& limits_;
  PluginFiles plugin_;
  std::size_t totalBytes_ = 0;
  std::size_t directories_ = 0;
  std::size_t entries_ = 0;
};

Check DirReader::readDir(int dirFd, const std::string& prefix, int depth) {
  if (depth > limits_.maxDepth) {
    return reject("layout", "directory \"" + prefix + "\" is nested deeper than " +
                                std::to_string(limits_.maxDepth) + " levels");
  }
  // fdopendir takes the descriptor; give it a duplicate so the caller's stays valid.
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(::dup(dirFd)));
  if (!dir) return reject("layout", errnoText("cannot list \"" + prefix + "\""));
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir.get())) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    // Counted while listing: a directory of 300,000 names stops here, not after reading them all.
    if (++entries_ > limits_.maxEntries) {
      return reject("layout", "more than " + std::to_string(limits_.maxEntries) +
                                  " entries (files and directories) in the plugin directory");
    }
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (auto check = readEntry(dirFd, name, prefix, depth); !check) return check;
  }
  return accepted();
}

Check DirReader::readEntry(int dirFd, const std::string& name, const std::string& prefix,
                           int depth) {
  const std::string path = prefix + name;
  if (!isSafeSegment(name) || path.size() > 255) {
    return reject("layout",
                  "\"" + path.substr(0, 80) +
                      "\" is not an allowed file name ([A-Za-z0-9_.-], not starting with '.')");
  }
  // O_NOFOLLOW refuses a symlink; O_NONBLOCK keeps a FIFO from blocking the open. The type is
  // then taken from the opened descriptor, so nothing can be swapped in between.
  Fd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ELOOP) return reject("layout", "\"" + path + "\" is a symlink");
    return reject("layout", errnoText("cannot open \"" + path + "\""));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0)
    return reject("layout", errnoText("cannot stat \"" + path + "\""));
  if (S_ISDIR(info.st_mode)) {
    if (++directories_ > limits_.maxDirectories) {
      return reject("layout", "more than " + std::to_string(limits_.maxDirectories) +
                                  " directories in the plugin directory");
    }
    return readDir(fd.get(), path + "/", depth + 1);
  }
  if (!S_ISREG(info.st_mode)) {
    return reject("layout", "\"" + path + "\" is not a regular file (FIFO, socket or device)");
  }
  return readRegular(fd.get(), info, path);
}

Check DirReader::readRegular(int fd, const struct stat& info, const std::string& path) {
  if (info.st_nlink > 1)
    return reject("layout",
                  "\"" + path + "\" is a hard link (" + std::to_string(info.st_nlink) + " names)");
  if (plugin_.files.size() >= limits_.maxFiles) {
    return reject("layout", "more than " + std::to_string(limits_.maxFiles) + " files");
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size > limits_.maxFileBytes) {
    return reject("layout", "\"" + path + "\" is " + std::to_string(size) +
                                " bytes, the limit is " + std::to_string(limits_.maxFileBytes));
  }
  totalBytes_ += size;
  if (totalBytes_ > limits_.maxTotalBytes) {
    return reject("layout",
                  "plugin is larger than " + std::to_string(limits_.maxTotalBytes) + " bytes");
  }
  std::string bytes(size, '\0');
  const ssize_t done = readFully(fd, bytes.data(), size);
  if (done < 0) return reject("layout", errnoText("cannot read \"" + path + "\""));
  char extra = 0;
  if (static_cast<std::size_t>(done) != size || ::read(fd, &extra, 1) != 0) {
    return reject("layout", "\"" + path + "\" changed size while being read");
  }
  plugin_.files.emplace(path, std::move(bytes));
  return accepted();
}

}  // namespace

bool isSafeRelativePath(std::string_view path) {
  if (path.empty() || path.size() > 255) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    if (!isSafeSegment(
            path.substr(start, slash == std::string_view::npos ? slash : slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Result<PluginFiles> readPluginDir(const std::filesystem::path& dir, const PluginDirLimits& limits) {
  Fd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (root.get() < 0) {
    return reject("layout", errnoText("cannot open plugin directory \"" + dir.string() + "\""));
  }
  DirReader reader(limits);
  if (auto check = reader.readDir(root.get(), "", 0); !check) return check.rejection();
  return reader.take();
}

}  // namespace ps::core
