#include "executor_local/local_executor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "api/plugin_config_map.h"
#include "core/fd_io.h"
#include "core/plan_grants.h"
#include "executor_local/local_run_pod.h"
#include "kube/json_member.h"
#include "sandbox/sandbox_root.h"

namespace ps::reconcile {

using nlohmann::json;

struct LocalExecutor::Job {
  std::string key;     // the run's "namespace/name"
  std::string podKey;  // "namespace/podName" in the store
  AcceptedLaunch launch;
  int wakeRead = -1, wakeWrite = -1;  // a byte on the pipe stops the sandbox

  void stop() const {
    const char byte = 'x';
    (void)!write(wakeWrite, &byte, 1);
  }

  ~Job() {
    if (wakeRead >= 0) close(wakeRead);
    if (wakeWrite >= 0) close(wakeWrite);
  }
};

namespace {

std::string metadataString(const json& object, const char* key) {
  return kube::stringMember(kube::member(object, "metadata"), key);
}

// The same limits the Pod would get (timeout, CPU time, memory), and the same /tmp size.
sandbox::SandboxLimits sandboxLimits(const RunLimits& limits, uint64_t tmpBytes) {
  sandbox::SandboxLimits result =
      sandbox::withTimeoutAndMemory({}, limits.timeoutSeconds, limits.memory.value());
  result.tmpBytes = tmpBytes;
  return result;
}

// Writes the input ConfigMap's files into a new directory `dir`, read-only once written. The
// names were checked by pluginFilesFromConfigMap (flat, safe); O_EXCL|O_NOFOLLOW all the same.
std::optional<std::string> writeInput(const core::PluginFiles& files,
                                      const std::filesystem::path& dir) {
  if (mkdir(dir.c_str(), 0700) != 0) return "create " + dir.string() + ": " + strerror(errno);
  for (const auto& [name, bytes] : files.files) {
    const std::filesystem::path path = dir / name;
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0) return "create input file " + name + ": " + strerror(errno);
    int failed = core::writeAll(fd, bytes);
    close(fd);
    if (failed != 0) return "write input file " + name + ": " + strerror(failed);
  }
  if (chmod(dir.c_str(), 0555) != 0) return "chmod " + dir.string() + ": " + strerror(errno);
  return std::nullopt;
}

}  // namespace

SandboxRunner makeLocalSandboxRunner() {
  auto runner = sandbox::ToolRunner::fromEnvironment();
  if (!runner) {
    return [message = runner.error().message](const sandbox::SandboxRequest&) {
      return sandbox::RunResult::setupFailed(message);
    };
  }
  auto created = sandbox::LocalSandbox::create(std::move(runner.value()));
  if (!created) {
    return [message = created.error().message](const sandbox::SandboxRequest&) {
      return sandbox::RunResult::setupFailed(message);
    };
  }
  auto sandbox = std::make_shared<const sandbox::LocalSandbox>(std::move(created.value()));
  return [sandbox](const sandbox::SandboxRequest& request) { return sandbox->run(request); };
}

LocalExecutor::LocalExecutor(kube::KubeClient& client, SandboxRunner runner,
                             LocalExecutorOptions options, Changed changed)
    : client_(client),
      runner_(std::move(runner)),
      options_(std::move(options)),
      changed_(std::move(changed)) {
  size_t slots = options_.slots;
  if (slots == 0) slots = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < slots; ++i) threads_.emplace_back([this] { work(); });
}

LocalExecutor::~LocalExecutor() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    for (auto& [podKey, entry] : jobs_) entry.job->stop();
    jobs_.clear();  // removed: a thread still running its job publishes nothing more
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

kube::Result<std::optional<json>> LocalExecutor::observe(const json& run, RunState state,
                                                         const std::string& podName) {
  if (podName.empty()) return std::optional<json>();
  const std::string ns = metadataString(run, "namespace");
  if (kube::ObjectPtr stored = store_.get(ns + "/" + podName)) return std::optional<json>(*stored);
  // Running, yet no sandbox here: it was started by a controller process that is gone.
  if (state == RunState::Running) return std::optional<json>(lostLocalPod(ns, podName));
  return std::optional<json>();
}

kube::VisitStep LocalExecutor::launch(const std::string& key, const json&, const VisitPlan& plan) {
  if (!plan.pod || !plan.launch) {
    return kube::VisitStep::endVisit(kube::ReconcileResult::failure("launch without a plan"));
  }
  auto job = std::make_shared<Job>();
  job->key = key;
  job->podKey = metadataString(*plan.pod, "namespace") + "/" + metadataString(*plan.pod, "name");
  job->launch = *plan.launch;
  int pipeFds[2];
  if (pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return kube::VisitStep::endVisit(
        kube::ReconcileResult::failure(std::string("local executor: pipe: ") + strerror(errno)));
  }
  job->wakeRead = pipeFds[0];
  job->wakeWrite = pipeFds[1];
  std::optional<InputSource> input = job->launch.run.input;
  {
    MutexLock lock(mutex_);
    if (jobs_.count(job->podKey) > 0) return kube::VisitStep::goOn();  // launched before: adopt
    json pod =
        pendingLocalPod(*plan.pod, "local-" + std::to_string(++version_), SystemClock::now());
    pod["metadata"]["resourceVersion"] = std::to_string(++version_);
    store_.apply(json(pod));
    jobs_[job->podKey] = {job, std::move(pod)};
    if (!input || input->kind != InputSource::Kind::PersistentVolumeClaim) {
      pending_.push_back(job);
      wake_.notify_one();
      return kube::VisitStep::goOn();
    }
  }
  publish(*job, [&input](json& pod) {
    markLocalPodFailed(pod, kInputUnavailableReason,
                       "the local executor cannot mount PersistentVolumeClaims (input \"" +
                           input->name + "\"); use a ConfigMap input or --executor pod");
  });
  return kube::VisitStep::goOn();
}

// Admission is the API server's: nothing refuses a local launch that way.
std::optional<LaunchRefusal> LocalExecutor::launchRefusal(const std::string&) {
  return std::nullopt;
}

void LocalExecutor::forgetRefusal(const std::string&) {}

LocalExecutor::Launched* LocalExecutor::launched(const Job& job) {
  auto it = jobs_.find(job.podKey);
  return it != jobs_.end() && it->second.job.get() == &job ? &it->second : nullptr;
}

std::map<std::string, LocalExecutor::Launched>::iterator LocalExecutor::removeLaunched(
    std::map<std::string, Launched>::iterator entry) {
  entry->second.job->stop();
  store_.remove(entry->second.pod);
  return jobs_.erase(entry);
}

kube::Result<kube::Done> LocalExecutor::remove(const std::string& ns, const std::string& podName) {
  MutexLock lock(mutex_);
  auto it = jobs_.find(ns + "/" + podName);
  if (it != jobs_.end()) removeLaunched(it);
  return kube::Done{};
}

kube::Result<kube::Done> LocalExecutor::cleanUpAfter(const std::string& key) {
  MutexLock lock(mutex_);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    it = it->second.job->key == key ? removeLaunched(it) : std::next(it);
  }
  return kube::Done{};
}

void LocalExecutor::work() {
  for (;;) {
    JobPtr job;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && pending_.empty()) lock.wait(wake_);
      if (stopping_) return;
      job = pending_.front();
      pending_.pop_front();
      if (launched(*job) == nullptr) continue;  // removed before it started
    }
    runJob(*job);
  }
}

void LocalExecutor::publish(Job& job, std::function<void(json&)> change) {
  {
    MutexLock lock(mutex_);
    Launched* entry = launched(job);
    if (entry == nullptr) return;
    change(entry->pod);
    entry->pod["metadata"]["resourceVersion"] = std::to_string(++version_);
    store_.apply(json(entry->pod));
  }
  changed_(job.key);
}

void LocalExecutor::runJob(Job& job) {
  publish(job, [](json& pod) { markLocalPodRunning(pod, SystemClock::now()); });
  sandbox::RunResult result = runSandbox(job);
  job.launch.files = {};  // the bytes are not needed any more; the record stays small
  if (result.outcome == sandbox::SandboxOutcome::kInterrupted) return;  // removed: nobody to tell
  publish(job, [&result](json& pod) { markLocalPodFinished(pod, result, SystemClock::now()); });
}

sandbox::RunResult LocalExecutor::runSandbox(Job& job) {
  auto base = options_.base.empty() ? sandbox::SandboxRoot::privateBase()
                                    : sandbox::SetupResult<std::filesystem::path>(options_.base);
  if (!base) return sandbox::RunResult::setupFailed(base.error().message);
  const AcceptedLaunch& launch = job.launch;
  auto root = sandbox::SandboxRoot::create(launch.files, launch.accepted.files, base.value());
  if (!root) return sandbox::RunResult::setupFailed(root.error().message);
  sandbox::SandboxRequest request{root.value()->pluginDir(),
                                  root.value()->mountPoint(),
                                  std::nullopt,
                                  launch.run.args,
                                  core::grants(launch.accepted, "network"),
                                  sandboxLimits(launch.limits, options_.tmpBytes),
                                  sandbox::OutputSinks{-1, -1},
                                  job.wakeRead};
  // buildPod already refused input for a plugin without read_files; checked again all the same.
  if (launch.run.input && core::grants(launch.accepted, "read_files")) {
    const std::string ns = job.key.substr(0, job.key.find('/'));
    auto configMap = client_.get(kube::configMapsResource(), ns, launch.run.input->name);
    if (!configMap) {
      return sandbox::RunResult::setupFailed("input ConfigMap \"" + launch.run.input->name +
                                             "\": " + configMap.error().describe());
    }
    auto files = pluginFilesFromConfigMap(*configMap);
    if (!files) return sandbox::RunResult::setupFailed("input: " + files.rejection().line());
    const std::filesystem::path inputDir = root.value()->dir() / "input";
    if (auto error = writeInput(*files, inputDir)) return sandbox::RunResult::setupFailed(*error);
    request.inputDir = inputDir;
  }
  return runner_(request);
}

}  // namespace ps::reconcile
