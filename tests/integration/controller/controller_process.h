#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ps::testing {

// plugin-controller as a child process: started with extra environment variables, its output in
// `logFile`; stopped with SIGTERM (and reaped) by stop() or the destructor.
class ControllerProcess {
 public:
  ControllerProcess(const std::vector<std::string>& args, const std::vector<std::string>& env,
                    std::string logFile);
  ~ControllerProcess();
  ControllerProcess(const ControllerProcess&) = delete;
  ControllerProcess& operator=(const ControllerProcess&) = delete;

  bool running() const { return pid_ > 0; }
  // Its exit status (as stop() gives it) once it has ended by itself; nullopt while it runs.
  std::optional<int> exitStatus();
  // SIGTERM, then waits; the exit status (128+N for signal N), -1 if it was not running.
  int stop();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exitStatus_;
  std::string logFile_;
};

}  // namespace ps::testing
