#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/annotated_mutex.h"
#include "executor/run_executor.h"
#include "kube/api_client.h"
#include "kube/store.h"
#include "sandbox/local_sandbox.h"

namespace ps::reconcile {

// Runs one plugin in a sandbox and returns how it ended; the real one is LocalSandbox::run.
using SandboxRunner = std::function<sandbox::RunResult(const sandbox::SandboxRequest&)>;

// LocalSandbox over the interpreter of PLUGIN_SANDBOX_PYTHON (else /usr/bin/python3). When the
// sandbox cannot be had on this host, every run fails with its message (exit 126), none hangs.
SandboxRunner makeLocalSandboxRunner();

struct LocalExecutorOptions {
  size_t slots = 0;            // concurrent sandboxes; 0 = the number of CPUs
  std::filesystem::path base;  // where run directories go; empty = SandboxRoot::privateBase()
  uint64_t tmpBytes = 64ull << 20;
};

// Runs accepted plugins on this host in the local kernel sandbox (what `pluginctl run` uses),
// for a single-machine install without a container runtime. Each run is kept in the executor's
// own store as the Pod the kubelet would report, so the same planVisit gives the same statuses;
// every change of that Pod calls `changed(run key)` so the run is visited again.
//
// Sandboxes run on `slots` long-lived threads: PR_SET_PDEATHSIG fires when the forking thread
// ends, so a sandbox started from a short-lived thread would die with it. A run's input ConfigMap
// is copied into its private run directory; a PersistentVolumeClaim cannot be mounted here and
// fails the run. remove() kills the run's sandbox.
class LocalExecutor final : public RunExecutor {
 public:
  using Changed = std::function<void(const std::string& key)>;

  // The client must outlive the executor (it reads input ConfigMaps).
  LocalExecutor(kube::KubeClient& client, SandboxRunner runner, LocalExecutorOptions options,
                Changed changed);
  // Kills the running sandboxes and joins the threads.
  ~LocalExecutor() override;
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  kube::Result<std::optional<nlohmann::json>> observe(const nlohmann::json& run, RunState state,
                                                      const std::string& podName) override;
  kube::VisitStep launch(const std::string& key, const nlohmann::json& run,
                         const VisitPlan& plan) override;
  std::optional<LaunchRefusal> launchRefusal(const std::string& key) override;
  void forgetRefusal(const std::string& key) override;
  kube::Result<kube::Done> remove(const std::string& ns, const std::string& podName) override;
  kube::Result<kube::Done> cleanUpAfter(const std::string& key) override;

  size_t slots() const { return threads_.size(); }

 private:
  struct Job;
  using JobPtr = std::shared_ptr<Job>;

  // A launched job and its Pod as the store has it, until the job is removed.
  struct Launched {
    JobPtr job;
    nlohmann::json pod;
  };

  void work() EXCLUDES(mutex_);
  void runJob(Job& job) EXCLUDES(mutex_);
  sandbox::RunResult runSandbox(Job& job);
  // Stores the job's Pod as it is now (unless the job was removed) and visits the run again.
  void publish(Job& job, std::function<void(nlohmann::json&)> change) EXCLUDES(mutex_);
  // The job's entry, or null once it was removed (or replaced by another launch of that Pod).
  Launched* launched(const Job& job) REQUIRES(mutex_);
  // Removes the job's entry (its Pod leaves the store) and stops its sandbox.
  std::map<std::string, Launched>::iterator removeLaunched(
      std::map<std::string, Launched>::iterator entry) REQUIRES(mutex_);

  kube::KubeClient& client_;
  const SandboxRunner runner_;
  const LocalExecutorOptions options_;
  const Changed changed_;
  kube::Store store_;  // the runs' synthetic Pods, by "namespace/podName"

  Mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<JobPtr> pending_ GUARDED_BY(mutex_);
  std::map<std::string, Launched> jobs_ GUARDED_BY(mutex_);  // by Pod key, until removed
  uint64_t version_ GUARDED_BY(mutex_) = 0;  // resourceVersion of the next stored Pod
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace ps::reconcile
