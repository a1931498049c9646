#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ps::bench {

// Memory of a process as /proc/PID/status reports it, in bytes.
struct ProcessMemory {
  std::size_t rss = 0;  // VmRSS: resident now
  std::size_t hwm = 0;  // VmHWM: the resident peak so far
};

// plugin-controller as a child process (output to `logFile`), stopped with SIGTERM on stop() or
// destruction. The bench needs its pid to read its memory, which the test helper does not expose.
class ControllerChild {
 public:
  ControllerChild(const std::string& binary, const std::vector<std::string>& args,
                  const std::vector<std::string>& env, const std::string& logFile);
  ~ControllerChild();
  ControllerChild(const ControllerChild&) = delete;
  ControllerChild& operator=(const ControllerChild&) = delete;

  pid_t pid() const { return pid_; }
  // False once the child has exited (reaped here).
  bool alive();
  std::optional<ProcessMemory> memory() const;
  // SIGTERM and wait; the exit status (128+N for signal N), -1 if it was not running.
  int stop();

 private:
  pid_t pid_ = -1;
};

}  // namespace ps::bench
