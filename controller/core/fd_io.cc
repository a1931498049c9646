#include "core/fd_io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ps::core {

int writeAll(int fd, std::string_view data) noexcept {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

ssize_t readFully(int fd, char* buffer, std::size_t size) noexcept {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, buffer + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

int readToEnd(int fd, std::string& out, std::size_t keepBytes) {
  char buffer[4096];
  std::size_t kept = 0;
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    std::size_t keep = std::min(static_cast<std::size_t>(n), keepBytes - kept);
    out.append(buffer, keep);
    kept += keep;
  }
}

}  // namespace ps::core
