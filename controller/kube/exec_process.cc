#include "kube/exec_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ps::kube {
namespace {

constexpr std::size_t kMaxStderr = 4096;

KubeError startError(const std::string& program, int error) {
  return KubeError{ErrorKind::kTransport, 0, "",
                   "cannot start \"" + program + "\": " + std::strerror(error)};
}

// Owns a file descriptor; -1 when closed.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

int makePipe(Pipe& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
  pipe.read.reset(fds[0]);
  pipe.write.reset(fds[1]);
  return 0;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (const auto& text : strings) result.push_back(const_cast<char*>(text.c_str()));
  result.push_back(nullptr);
  return result;
}

// Spawns with both output pipes attached; the child's fds are dup2'ed copies (cloexec cleared).
int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, Pipe& out,
          Pipe& err, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                            POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);
  auto args = pointers(argv);
  auto environment = pointers(env);
  const int result =
      posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes, args.data(), environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return result;
}

// Appends what is readable on `fd` to `into` (up to `cap`, the rest dropped); closes at EOF.
void drain(Fd& fd, std::string& into, std::size_t cap, bool& cut) {
  char buffer[16384];
  const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    fd.reset();
    return;
  }
  const std::size_t room = into.size() < cap ? cap - into.size() : 0;
  into.append(buffer, std::min(room, static_cast<std::size_t>(n)));
  if (static_cast<std::size_t>(n) > room) cut = true;
}

int exitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<ProcessOutput> runBoundedProcess(const std::vector<std::string>& argv,
                                        const std::vector<std::string>& env,
                                        std::chrono::milliseconds timeout, std::size_t maxStdout) {
  if (argv.empty() || argv[0].empty()) return startError("", EINVAL);
  Pipe out, err;
  if (int error = makePipe(out); error != 0) return startError(argv[0], error);
  if (int error = makePipe(err); error != 0) return startError(argv[0], error);
  pid_t pid = -1;
  if (int error = spawn(argv, env, out, err, pid); error != 0) return startError(argv[0], error);
  out.write.reset();
  err.write.reset();
  // syscall(): glibc 2.36's <sys/pidfd.h> declares pidfd_open without C linkage for C++.
  Fd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  ProcessOutput result;
  bool errCut = false;
  bool running = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running || out.read.get() >= 0 || err.read.get() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timedOut = true;
      break;
    }
    // Without a pidfd (old kernels) the exit is polled every 20 ms.
    const bool pollExit = running && exited.get() < 0;
    pollfd fds[3] = {{out.read.get(), POLLIN, 0},
                     {err.read.get(), POLLIN, 0},
                     {running ? exited.get() : -1, POLLIN, 0}};
    const int wait = pollExit ? std::min<int>(20, static_cast<int>(left.count()))
                              : static_cast<int>(left.count());
    if (::poll(fds, 3, wait) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) drain(out.read, result.out, maxStdout, result.outCut);
    if (fds[1].revents != 0) drain(err.read, result.err, kMaxStderr, errCut);
    if (running && (fds[2].revents != 0 || pollExit)) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        running = false;
        result.exitCode = exitCodeOf(status);
      }
    }
  }
  if (running) {
    ::kill(-pid, SIGKILL);  // its whole group: a shell script's children too
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exitCode = exitCodeOf(status);
  } else if (result.timedOut) {
    ::kill(-pid, SIGKILL);  // it exited, but something it started still holds the pipes
  }
  return result;
}

}  // namespace ps::kube
