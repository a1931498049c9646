#include "job_controller_session.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace ps::bench {
namespace {

std::vector<std::string> jobControllerArgs(const JobControllerOptions& options) {
  char qps[32];
  std::snprintf(qps, sizeof(qps), "%g", options.qps);
  return {"--kubeconfig=" + options.kubeconfig,
          "--controllers=job",
          "--leader-elect=false",
          "--secure-port=0",
          "--kube-api-qps=" + std::string(qps),
          "--kube-api-burst=" + std::to_string(options.burst),
          "--concurrent-job-syncs=" + std::to_string(options.workers),
          "--v=1"};
}

// The job controller's informers (Jobs, Pods) synced: client-go logs this once per controller.
bool syncedInLog(const std::string& path) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.find("Caches are synced") != std::string::npos &&
        line.find("job") != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

JobControllerSession::JobControllerSession(const JobControllerOptions& options)
    : logFile_(options.logFile),
      child_(options.binary, jobControllerArgs(options), {}, options.logFile) {}

bool JobControllerSession::waitReady(int seconds, bool& logged) {
  logged = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_.alive()) return false;
    if (syncedInLog(logFile_)) return logged = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return child_.alive();
}

}  // namespace ps::bench
