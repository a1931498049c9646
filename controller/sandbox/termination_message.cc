#include "sandbox/termination_message.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ps::sandbox {
namespace {

bool isContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The last `budget` bytes of `text`, moved forward to the next character boundary.
std::string_view tailOnBoundary(std::string_view text, std::size_t budget) {
  if (text.size() <= budget) return text;
  std::size_t start = text.size() - budget;
  while (start < text.size() && isContinuationByte(text[start])) ++start;
  return text.substr(start);
}

}  // namespace

std::string terminationMessage(const CapturedOutput& output, std::size_t maxBytes) {
  std::string_view tail = output.stdoutTail;
  bool cut = output.tailCut || tail.size() > maxBytes;
  if (!cut) return std::string(tail);
  if (maxBytes <= kCutMarker.size()) return {};
  std::string message(kCutMarker);
  message += tailOnBoundary(tail, maxBytes - kCutMarker.size());
  return message;
}

ParsedTerminationMessage parseTerminationMessage(std::string_view message) {
  if (message.substr(0, kCutMarker.size()) == kCutMarker) {
    return {std::string(message.substr(kCutMarker.size())), true};
  }
  return {std::string(message), false};
}

std::optional<std::string> writeTerminationMessage(const std::filesystem::path& path,
                                                   std::string_view message) {
  // O_NOFOLLOW: the path is ours to name, a symlink planted there is not.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return "termination message: " + path.string() + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < message.size()) {
    ssize_t n = write(fd, message.data() + done, message.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      close(fd);
      return "termination message: " + path.string() + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return std::nullopt;
}

}  // namespace ps::sandbox
