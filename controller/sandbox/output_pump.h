#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sandbox/output_guard.h"

namespace ps::sandbox {

// Where pumped output goes while it is captured: usually pluginctl's own stdout and stderr,
// -1 to discard; and how the plugin's bytes are shown there (pluginctl decides from what the
// descriptors are: a terminal, its own stderr).
struct OutputSinks {
  int stdoutFd = 1;
  int stderrFd = 2;
  GuardMode stdoutMode{};
  GuardMode stderrMode{};
};

struct CapturedOutput {
  std::string stdoutTail;   // last bytes of stdout (at most the tail size), from a UTF-8 boundary
  bool tailCut = false;     // stdout was longer than the tail
  bool truncated = false;   // forwarding stopped at the cap (the marker was printed)
  uint64_t totalBytes = 0;  // everything read from both pipes, forwarded or not
  // The last byte written to that sink was not a newline: a line pluginctl writes next must
  // start with one, or it would continue the plugin's line.
  bool stdoutSinkMidLine = false;
  bool stderrSinkMidLine = false;
};

// Reads a plugin's stdout and stderr pipes, forwards them live (through each sink's OutputGuard),
// and keeps a bounded tail of stdout (the raw bytes).
// Past `capBytes` it stops forwarding, prints one "[output truncated after N bytes]" marker on the
// stderr sink, and keeps draining so the plugin never blocks and memory stays bounded.
class OutputPump {
 public:
  static constexpr std::size_t kDefaultTailBytes = 4096;

  // Takes ownership of both read ends (closed on destruction).
  OutputPump(int stdoutRead, int stderrRead, OutputSinks sinks, uint64_t capBytes,
             std::size_t tailBytes = kDefaultTailBytes);
  ~OutputPump();
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  enum class Stop { kEndOfOutput, kDeadline, kWakeUp };

  // Pumps until both pipes reached end of file, the deadline passed, or `wakeFd` became readable.
  Stop pumpUntil(std::chrono::steady_clock::time_point deadline, int wakeFd = -1);

  CapturedOutput result() const;

 private:
  void consume(int stream, const char* data, std::size_t size);
  void endOfStream(int stream);
  void forward(int sinkFd, const char* data, std::size_t size);
  void forwardGuarded(int stream, std::string_view data);
  int sinkOf(int stream) const { return stream == 0 ? sinks_.stdoutFd : sinks_.stderrFd; }
  void keepTail(const char* data, std::size_t size);

  int fds_[2];
  OutputSinks sinks_;
  uint64_t capBytes_;
  std::size_t tailBytes_;
  uint64_t forwarded_ = 0;
  uint64_t total_ = 0;
  bool truncated_ = false;
  uint64_t stdoutBytes_ = 0;
  std::string tail_;  // grows to at most 2x tailBytes_ before it is trimmed
  OutputGuard guards_[2];
  bool midLine_[2] = {false, false};  // per sink: stdout's, stderr's
};

}  // namespace ps::sandbox
