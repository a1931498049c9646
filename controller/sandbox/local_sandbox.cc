#include "sandbox/local_sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sandbox/cgroup_limits.h"
#include "sandbox/input_tree.h"
#include "sandbox/mount_plan.h"
#include "sandbox/process_supervisor.h"
#include "sandbox/unique_fd.h"
#include "sandbox/user_namespace_probe.h"

namespace ps::sandbox {
namespace {

using std::chrono::steady_clock;

// How a run is confined beyond the namespaces every run gets.
struct Confinement {
  bool cgroups = false;        // a pids (and memory) cgroup of its own
  bool userNamespace = false;  // not root: our ids appear as 65534 inside
};

// The supervisor's pipes to init: the plugin's output, init's setup errors, the plugin's
// PluginExit, and the byte that lets init go on.
struct InitPipes {
  Pipe out, err, error, status, sync;
};

SetupStatus writeProcFile(pid_t pid, const char* name, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return SetupError{describeErrno("user namespace: writing " + path, errno)};
  }
  return core::Done{};
}

// Our uid/gid appear as 65534 inside; nothing else is mapped.
SetupStatus mapIds(pid_t pid) {
  std::string id = std::to_string(kSandboxId);
  if (auto done = writeProcFile(pid, "setgroups", "deny"); !done) return done;
  if (auto done = writeProcFile(pid, "uid_map", id + " " + std::to_string(geteuid()) + " 1");
      !done) {
    return done.error();
  }
  return writeProcFile(pid, "gid_map", id + " " + std::to_string(getegid()) + " 1");
}

// What must hold before anything is made: a bound on processes, an input tree within limits.
std::optional<std::string> checkRequest(const SandboxRequest& request, const CgroupHost& cgroups,
                                        Confinement confinement,
                                        steady_clock::time_point deadline) {
  if (!confinement.cgroups && !confinement.userNamespace) {
    // Root is exempt from RLIMIT_NPROC, so without a pids cgroup nothing bounds a fork bomb.
    return "sandbox: running as root but " + cgroups.unavailable +
           "; refusing to run without a process limit";
  }
  if (confinement.userNamespace) {
    if (auto blocked = userNamespacesBlocked()) return blocked;
  }
  if (request.inputDir) {
    if (auto checked = checkInputTree(*request.inputDir, deadline); !checked) {
      return checked.error().message;
    }
  }
  return std::nullopt;
}

// The run's own cgroup, or none when the host has no writable cgroup hierarchy.
SetupResult<CgroupLimitsPtr> makeCgroup(Confinement confinement, const CgroupHost& cgroups,
                                        const SandboxLimits& limits) {
  if (!confinement.cgroups) return CgroupLimitsPtr{};
  return CgroupLimits::create(limits, cgroups);
}

InitPlan planInit(const MountPlan& mounts, const ToolRunner::PreparedExec& exec,
                  const SeccompProgram& seccomp, const SandboxLimits& limits,
                  Confinement confinement, const InitPipes& pipes,
                  const ProcessTextAreas& textAreas) {
  return {&mounts,
          &exec,
          &seccomp,
          limits,
          confinement.cgroups ? ProcessLimit::kPidsCgroup : ProcessLimit::kNprocInOwnUserNamespace,
          !confinement.userNamespace,
          pipes.sync.read.get(),
          pipes.error.write.get(),
          pipes.status.write.get(),
          pipes.out.write.get(),
          pipes.err.write.get(),
          textAreas};
}

// Clones init into its new namespaces; the child never returns from here.
SetupResult<pid_t> cloneInit(bool network, Confinement confinement, const InitPlan& plan) {
  unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
  if (!network) flags |= CLONE_NEWNET;
  if (confinement.userNamespace) flags |= CLONE_NEWUSER;
  long pid = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) {
    const int err = errno;
    if (confinement.userNamespace) {
      if (auto blocked = describeBlockedUserNamespace(err)) return SetupError{*blocked};
    }
    return SetupError{describeErrno("sandbox: cannot create namespaces", err)};
  }
  if (pid == 0) runSandboxInit(plan);
  return static_cast<pid_t>(pid);
}

// The supervisor's copies of the ends init uses: closed, so that end of file means init's end.
void closeInitEnds(InitPipes& pipes) {
  for (UniqueFd* end : {&pipes.sync.read, &pipes.error.write, &pipes.status.write, &pipes.out.write,
                        &pipes.err.write}) {
    end->reset();
  }
}

// Maps the ids, puts init into the cgroup, then lets it go on (one byte on the sync pipe).
SetupStatus releaseInit(pid_t init, Confinement confinement, const CgroupLimits* cgroup,
                        UniqueFd& syncWrite) {
  SetupStatus released = core::Done{};
  if (confinement.userNamespace) released = mapIds(init);
  if (released && cgroup) released = cgroup->addProcess(init);
  if (released && write(syncWrite.get(), "g", 1) != 1) {
    released = SetupError{describeErrno("sandbox: starting init", errno)};
  }
  syncWrite.reset();
  return released;
}

struct InitEnd {
  OutputPump::Stop stop = OutputPump::Stop::kEndOfOutput;
  CapturedOutput output;
  int initStatus = 0;
};

// Forwards the output until it ends, then waits for init's exit. At the deadline or on the
// wake-up descriptor init is killed, and the kernel then kills its whole PID namespace.
InitEnd superviseInit(pid_t init, InitPipes& pipes, const SandboxRequest& request,
                      steady_clock::time_point deadline) {
  // Lets the supervisor wait for the exit with a deadline even if the plugin closed its output.
  UniqueFd pidFd = openPidFd(init);
  OutputPump pump(pipes.out.read.release(), pipes.err.read.release(), request.sinks,
                  request.limits.outputBytes);
  auto stop = pump.pumpUntil(deadline, request.wakeFd);
  if (stop == OutputPump::Stop::kEndOfOutput)
    stop = waitForExit(pidFd.get(), deadline, request.wakeFd);
  if (stop != OutputPump::Stop::kEndOfOutput) {
    kill(init, SIGKILL);
    pump.pumpUntil(steady_clock::time_point::max());
  }
  int initStatus = reap(init).waitStatus;
  return {stop, pump.result(), initStatus};
}

// How the plugin ended as init reported it; init's own status when it died before reporting.
ChildExit pluginExit(int statusFd, int initStatus) {
  PluginExit reported;
  if (read(statusFd, &reported, sizeof reported) != sizeof reported) return {initStatus, {}};
  return {reported.waitStatus, std::chrono::milliseconds(reported.cpuMillis)};
}

}  // namespace

SetupResult<LocalSandbox> LocalSandbox::create(ToolRunner runner) {
  auto layout = RuntimeLayout::forInterpreter(runner.interpreter());
  if (!layout) return layout.error();
  return LocalSandbox(std::move(runner), std::move(layout.value()), SeccompProgram::precompiled());
}

RunResult LocalSandbox::run(const SandboxRequest& request) const {
  const auto start = steady_clock::now();
  const auto deadline = start + request.limits.wallTime;
  const CgroupHost cgroups = CgroupHost::find();
  const Confinement confinement{cgroups.usable(), geteuid() != 0};
  if (auto refused = checkRequest(request, cgroups, confinement, deadline)) {
    return RunResult::setupFailed(*refused);
  }
  auto cgroup = makeCgroup(confinement, cgroups, request.limits);
  if (!cgroup) return RunResult::setupFailed(cgroup.error().message);
  InitPipes pipes;
  if (auto made = makePipes({&pipes.out, &pipes.err, &pipes.error, &pipes.status, &pipes.sync});
      !made) {
    return RunResult::setupFailed(made.error().message);
  }
  const MountPlan mounts = makeMountPlan(
      layout_, {request.mountPoint, request.pluginDir, request.inputDir, request.limits.tmpBytes});
  ToolRunner::PreparedExec exec;
  runner_.prepare(request.args, exec);
  auto init =
      cloneInit(request.network, confinement,
                planInit(mounts, exec, seccomp_, request.limits, confinement, pipes, textAreas_));
  if (!init) return RunResult::setupFailed(init.error().message);
  closeInitEnds(pipes);
  if (auto released = releaseInit(*init, confinement, cgroup->get(), pipes.sync.write); !released) {
    killAndReap(*init);
    return RunResult::setupFailed(released.error().message);
  }

  InitEnd end = superviseInit(*init, pipes, request, deadline);
  ChildExit plugin = pluginExit(pipes.status.read.get(), end.initStatus);
  RunResult result = endedRun(end.stop, std::move(end.output),
                              readSetupError(pipes.error.read.get()), plugin, request.limits);
  result.memoryLimitHit = *cgroup && (*cgroup)->memoryLimitHit();
  result.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start);
  return result;
}

}  // namespace ps::sandbox
