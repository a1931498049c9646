#include "sandbox/output_pump.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "core/fd_io.h"
#include "core/utf8.h"

namespace ps::sandbox {
namespace {

// False when the sink is gone for good (the reader of a pipe exited: EPIPE, which pluginctl gets
// as an error because it ignores SIGPIPE).
// Any other failure (a closed terminal) must not stop the pump.
bool writeAll(int fd, const char* data, std::size_t size) {
  int failed = core::writeAll(fd, std::string_view(data, size));
  return failed != EPIPE && failed != EBADF;
}

int millisUntil(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
}

}  // namespace

OutputPump::OutputPump(int stdoutRead, int stderrRead, OutputSinks sinks, uint64_t capBytes,
                       std::size_t tailBytes)
    : fds_{stdoutRead, stderrRead},
      sinks_(sinks),
      capBytes_(capBytes),
      tailBytes_(tailBytes),
      guards_{OutputGuard(sinks.stdoutMode), OutputGuard(sinks.stderrMode)} {}

OutputPump::~OutputPump() {
  for (int fd : fds_) {
    if (fd >= 0) close(fd);
  }
}

OutputPump::Stop OutputPump::pumpUntil(std::chrono::steady_clock::time_point deadline, int wakeFd) {
  static thread_local char buffer[64 * 1024];
  while (fds_[0] >= 0 || fds_[1] >= 0) {
    if (std::chrono::steady_clock::now() >= deadline) return Stop::kDeadline;
    pollfd polls[3] = {{fds_[0], POLLIN, 0}, {fds_[1], POLLIN, 0}, {wakeFd, POLLIN, 0}};
    int ready = poll(polls, 3, millisUntil(deadline));
    if (ready < 0 && errno != EINTR) return Stop::kEndOfOutput;
    if (ready <= 0) continue;
    if (wakeFd >= 0 && (polls[2].revents & POLLIN) != 0) return Stop::kWakeUp;
    for (int stream = 0; stream < 2; ++stream) {
      if (polls[stream].revents == 0) continue;
      ssize_t n = read(fds_[stream], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(fds_[stream]);
        fds_[stream] = -1;
        endOfStream(stream);
        continue;
      }
      consume(stream, buffer, static_cast<std::size_t>(n));
    }
  }
  return Stop::kEndOfOutput;
}

void OutputPump::consume(int stream, const char* data, std::size_t size) {
  total_ += size;
  if (stream == 0) keepTail(data, size);
  if (truncated_) return;
  uint64_t room = capBytes_ - forwarded_;
  std::size_t now = static_cast<std::size_t>(std::min<uint64_t>(room, size));
  forwardGuarded(stream, std::string_view(data, now));
  forwarded_ += now;
  if (now < size) {
    truncated_ = true;
    for (int each = 0; each < 2; ++each) endOfStream(each);
    std::string marker = "\n[output truncated after " + std::to_string(forwarded_) + " bytes]\n";
    forward(sinks_.stderrFd, marker.data(), marker.size());
  }
}

// Whatever a guard still held (a short line start, a lead byte) goes out when its stream ends.
void OutputPump::endOfStream(int stream) {
  const std::string rest = guards_[stream].finish();
  forward(sinkOf(stream), rest.data(), rest.size());
}

void OutputPump::forwardGuarded(int stream, std::string_view data) {
  if (sinkOf(stream) < 0 || data.empty()) return;
  if (guards_[stream].passesThrough()) {
    forward(sinkOf(stream), data.data(), data.size());
    return;
  }
  const std::string shown = guards_[stream].filter(data);
  forward(sinkOf(stream), shown.data(), shown.size());
}

void OutputPump::forward(int sinkFd, const char* data, std::size_t size) {
  if (sinkFd < 0 || size == 0) return;
  for (int sink = 0; sink < 2; ++sink) {
    if (sinkFd == sinkOf(sink)) midLine_[sink] = data[size - 1] != '\n';
  }
  if (writeAll(sinkFd, data, size)) return;
  // Nobody reads that sink any more: keep draining (the plugin must not block) and keep the
  // tail, but stop writing there.
  if (sinks_.stdoutFd == sinkFd) sinks_.stdoutFd = -1;
  if (sinks_.stderrFd == sinkFd) sinks_.stderrFd = -1;
}

void OutputPump::keepTail(const char* data, std::size_t size) {
  stdoutBytes_ += size;
  if (size >= tailBytes_) {
    tail_.assign(data + size - tailBytes_, tailBytes_);
    return;
  }
  tail_.append(data, size);
  if (tail_.size() > 2 * tailBytes_) tail_.erase(0, tail_.size() - tailBytes_);
}

CapturedOutput OutputPump::result() const {
  CapturedOutput out;
  out.totalBytes = total_;
  out.truncated = truncated_;
  out.tailCut = stdoutBytes_ > tailBytes_;
  std::size_t start = tail_.size() > tailBytes_ ? tail_.size() - tailBytes_ : 0;
  if (out.tailCut) start = core::nextCharBoundary(tail_, start);  // never inside a character
  out.stdoutTail = tail_.substr(start);
  out.stdoutSinkMidLine = midLine_[0];
  out.stderrSinkMidLine = midLine_[1];
  return out;
}

}  // namespace ps::sandbox
