#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ps::sandbox {

// Where pumped output goes while it is captured: usually pluginctl's own stdout and stderr,
// -1 to discard.
struct OutputSinks {
  int stdoutFd = 1;
  int stderrFd = 2;
};

struct CapturedOutput {
  std::string stdoutTail;   // last bytes of stdout (at most the tail size), from a UTF-8 boundary
  bool tailCut = false;     // stdout was longer than the tail
  bool truncated = false;   // forwarding stopped at the cap (the marker was printed)
  uint64_t totalBytes = 0;  // everything read from both pipes, forwarded or not
};

// Reads a plugin's stdout and stderr pipes, forwards them live, and keeps a bounded tail of stdout.
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
  void forward(int sinkFd, const char* data, std::size_t size);
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
};

}  // namespace ps::sandbox
