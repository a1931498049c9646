#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ps::testing {

// plugin-controller as a child process: started with extra environment variables, its output in
// `logFile`; stopped with SIGTERM (and reaped) by stop() or the destructor.
//
// The binary is $PS_CONTROLLER_BINARY when set (make test points it at the ASan+UBSan+LSan build,
// build/asan/bin/plugin-controller), else the one this test was built with. Whatever the build,
// sanitizer reports of the controller and of the processes it starts go to
// `logFile`.sanitizer.<pid> (ASan's and UBSan's log_path; UBSan's halting report still goes to
// stderr, that is `logFile`); stop() fails the running test with every such report, so a leak, a
// heap error or undefined behaviour is a test failure.
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

  // The binary the tests start, as above.
  static std::string binary();

 private:
  pid_t pid_ = -1;
  std::optional<int> exitStatus_;
  std::string logFile_;
};

// The sanitizer reports written under `logFile`.sanitizer.* (each file's name, then its text),
// "" when there are none; the files are removed once read.
std::string takeSanitizerReports(const std::string& logFile);

// The sanitizer options the controller runs with: reports to `logFile`.sanitizer.<pid>, leaks
// checked at exit (with the suppressions of third-party libraries' leaks, if any), UBSan halting
// with a stack trace.
std::vector<std::string> sanitizerEnvironment(const std::string& logFile);

}  // namespace ps::testing
