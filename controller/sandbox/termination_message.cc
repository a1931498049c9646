#include "sandbox/termination_message.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fd_io.h"
#include "core/utf8.h"

namespace ps::sandbox {

std::string terminationMessage(const CapturedOutput& output, std::size_t maxBytes) {
  return core::markedTail(output.stdoutTail, maxBytes, output.tailCut);
}

ParsedTerminationMessage parseTerminationMessage(std::string_view message) {
  auto split = core::splitTruncationMarker(message);
  return {std::string(split.tail), split.cut};
}

core::Status writeTerminationMessage(const std::filesystem::path& path, std::string_view message) {
  // O_NOFOLLOW: the path is ours to name, a symlink planted there is not.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return core::failed("termination message: " + path.string() + ": " + std::strerror(errno));
  int failed = core::writeAll(fd, message);
  close(fd);
  if (failed != 0) {
    return core::failed("termination message: " + path.string() + ": " + std::strerror(failed));
  }
  return core::succeeded();
}

}  // namespace ps::sandbox
