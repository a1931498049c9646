#include "docker_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "container/engine_process.h"

namespace ps::container::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr const char* kCgroupParent = "plugin-sandbox-docker-tests";
constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::seconds kStopTimeout{20};
// Created by dockerd and its containerd outside the state directory, whatever their flags:
// plugin discovery and the shims' sockets. Removed after when empty (an engine that runs keeps
// its sockets there, and recreates them when it needs them).
// (/run/containerd itself stays: the test node's containerd may have a mount there in its own
// namespace, and removing the directory would detach it.)
const std::vector<fs::path> kHostDirs{"/run/docker/plugins", "/run/docker", "/run/containerd/s"};

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string lastLine(const std::string& text) {
  std::string trimmed = text.substr(0, text.find_last_not_of("\n") + 1);
  return trimmed.substr(trimmed.rfind('\n') == std::string::npos ? 0 : trimmed.rfind('\n') + 1);
}

// Whether `pid` runs a program whose command line names `stateDir` (not a recycled pid).
bool runsWithin(pid_t pid, const fs::path& stateDir) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::string cmdline = readFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  return cmdline.find(stateDir.string()) != std::string::npos;
}

pid_t pidFromFile(const fs::path& path) {
  try {
    return static_cast<pid_t>(std::stol(readFile(path)));
  } catch (const std::exception&) {
    return -1;
  }
}

// SIGTERM, then SIGKILL after `grace`; reaps it when it is our child.
void stopProcess(pid_t pid, std::chrono::seconds grace) {
  kill(pid, SIGTERM);
  const auto deadline = steady_clock::now() + grace;
  while (steady_clock::now() < deadline) {
    int status = 0;
    pid_t reaped = waitpid(pid, &status, WNOHANG);
    if (reaped == pid || (reaped < 0 && kill(pid, 0) != 0)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// Deepest first, detached: whatever the daemon left mounted under its state (overlays, netns,
// volumes) when it was killed.
void unmountBeneath(const fs::path& dir) {
  std::vector<std::string> points;
  std::istringstream mountinfo(readFile("/proc/self/mountinfo"));
  for (std::string line; std::getline(mountinfo, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    fields >> id >> parent >> device >> root >> point;
    if (point.rfind(dir.string() + "/", 0) == 0) points.push_back(point);
  }
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a > b; });
  for (const auto& point : points) umount2(point.c_str(), MNT_DETACH);
}

// The daemon and its containerd, found by their pid files and checked by their command lines.
void stopDaemonsOf(const fs::path& state) {
  pid_t dockerd = pidFromFile(state / "docker.pid");
  if (runsWithin(dockerd, state)) stopProcess(dockerd, kStopTimeout);
  pid_t containerd = pidFromFile(state / "exec/containerd/containerd.pid");
  if (runsWithin(containerd, state)) stopProcess(containerd, kStopTimeout);
}

void removeCgroupParents() {
  std::error_code ignored;
  for (const auto& controller : fs::directory_iterator("/sys/fs/cgroup", ignored)) {
    // The parent sits at the root of each hierarchy or under our own cgroup (memory here).
    fs::recursive_directory_iterator walk(controller.path(), ignored), end;
    for (; walk != end; walk.increment(ignored)) {
      if (walk.depth() > 3) {
        walk.disable_recursion_pending();
        continue;
      }
      if (walk->path().filename() == kCgroupParent) {
        rmdir(walk->path().c_str());
        walk.disable_recursion_pending();
      }
    }
  }
}

std::vector<std::string> dockerdArgv(const fs::path& state) {
  const std::string s = state.string();
  return {DockerDaemon::kDockerd, "--config-file",
          s + "/daemon.json",  // not the host's /etc/docker/daemon.json
          "--data-root", s + "/data", "--exec-root", s + "/exec", "--pidfile", s + "/docker.pid",
          "-H", "unix://" + s + "/docker.sock",
          // Nothing on the host's network: no rules, no docker0, no sysctl.
          "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
          "--bridge=none", "--cgroup-parent", kCgroupParent, "--default-runtime", "runc",
          "--log-level", "warn"};
}

// Forked, so that the daemon gets SIGTERM when this test process dies however it dies.
pid_t spawnDaemon(const fs::path& state) {
  std::vector<std::string> argv = dockerdArgv(state);
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const std::string log = (state / "dockerd.log").string();
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1);
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(1);
  setpgid(0, 0);  // not in the test's process group: a Ctrl-C reaches us, and we stop it
  execv(args[0], args.data());
  _exit(127);
}

QuietResult client(const fs::path& state, std::vector<std::string> args) {
  args.insert(args.begin(),
              {DockerDaemon::kClient, "-H", "unix://" + (state / "docker.sock").string()});
  auto done = runQuiet(args);
  return done ? done.value() : QuietResult{-1, done.error().message};
}

}  // namespace

sandbox::SetupResult<DockerDaemonPtr> DockerDaemon::start(const fs::path& stateDir) {
  if (access(kDockerd, X_OK) != 0 || access(kClient, X_OK) != 0) {
    return sandbox::SetupError{std::string("docker: Debian's docker.io is not installed (no ") +
                               kDockerd + " or " + kClient + "): apt-get install docker.io"};
  }
  if (geteuid() != 0) return sandbox::SetupError{"docker: dockerd needs root to start"};
  // Its containerd's debug socket is the longest path under the state directory.
  if ((stateDir / "exec/containerd/containerd-debug.sock").string().size() > 107) {
    return sandbox::SetupError{"docker: state directory path too long for its sockets: " +
                               stateDir.string()};
  }
  stopDaemonsOf(stateDir);
  unmountBeneath(stateDir);
  std::error_code error;
  fs::remove_all(stateDir, error);
  fs::create_directories(stateDir / "data", error);
  fs::create_directories(stateDir / "exec", error);
  // The trust key is written outside the data root (/etc/docker/key.json) unless it is told.
  std::ofstream(stateDir / "daemon.json")
      << "{\"deprecated-key-path\": \"" << (stateDir / "key.json").string() << "\"}\n";

  pid_t pid = spawnDaemon(stateDir);
  if (pid < 0) return sandbox::SetupError{"docker: cannot fork dockerd"};
  DockerDaemonPtr daemon(new DockerDaemon(stateDir, pid));

  const auto deadline = steady_clock::now() + kStartTimeout;
  QuietResult answer;
  while (true) {
    answer = client(stateDir, {"version", "--format", "{{.Server.Version}}"});
    if (answer.exitCode == 0) break;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      daemon->pid_ = -1;
      return sandbox::SetupError{"docker: dockerd exited at start: " +
                                 lastLine(readFile(stateDir / "dockerd.log"))};
    }
    if (steady_clock::now() > deadline) {
      return sandbox::SetupError{"docker: dockerd did not answer within 60 s: " +
                                 lastLine(readFile(stateDir / "dockerd.log"))};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto versions = client(stateDir, {"version", "--format",
                                    "docker.io {{.Server.Version}} (client {{.Client.Version}})"
                                    "{{range .Server.Components}}{{if ne .Name \"Engine\"}}, "
                                    "{{.Name}} {{.Version}}{{end}}{{end}}"});
  daemon->versions_ = versions.output.substr(0, versions.output.find('\n'));
  return daemon;
}

DockerDaemon::~DockerDaemon() {
  if (pid_ > 0) stopProcess(pid_, kStopTimeout);
  stopDaemonsOf(state_);
  unmountBeneath(state_);
  std::error_code ignored;
  fs::remove_all(state_, ignored);
  removeCgroupParents();
  for (const auto& dir : kHostDirs) rmdir(dir.c_str());  // only when empty
}

std::string DockerDaemon::host() const {
  return "unix://" + (state_ / "docker.sock").string();
}

}  // namespace ps::container::testing
