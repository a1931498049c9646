#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace ps::bench {

// CPU seconds (user + system) a process has used so far, from /proc/PID/stat; 0 when it is gone.
double processCpuSeconds(pid_t pid);
// The pid in a pid file (the test cluster's STATE_DIR/NAME.pid); -1 when unreadable.
pid_t pidFromFile(const std::string& path);

// CPU seconds of the processes a trial involves, and of the whole machine, between two points:
// what the controller, the API server, etcd and the bench itself used, and the rest ("other"),
// which is the machine's other load during the trial (every core's busy time from /proc/stat).
class CpuWindow {
 public:
  // `processes`: name -> pid, e.g. {"controller", 1234}; the bench itself is added as "bench".
  explicit CpuWindow(std::map<std::string, pid_t> processes);
  // Seconds since construction, per name, plus "machine" (all busy time), "other" (machine minus
  // the named ones) and "wall".
  std::map<std::string, double> used() const;
  // "controller 1.23 s, kube-apiserver 4.56 s, ..., other 0.40 s of 2 cores x 10.0 s wall"
  static std::string describe(const std::map<std::string, double>& used);

 private:
  std::map<std::string, pid_t> pids_;
  std::map<std::string, double> start_;
  double machineStart_ = 0;
  double wallStart_ = 0;
};

}  // namespace ps::bench
