#include "container/engine_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/exit_codes.h"
#include "core/fd_io.h"
#include "sandbox/process_supervisor.h"

extern char** environ;

namespace ps::container {
namespace {

constexpr std::size_t kQuietOutputBytes = 8192;

}  // namespace

sandbox::SetupResult<EngineProcess> spawnEngine(const std::vector<std::string>& argv) {
  auto out = sandbox::makePipe();
  if (!out) return out.error();
  auto err = sandbox::makePipe();
  if (!err) return err.error();
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out->write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err->write.get(), 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return sandbox::SetupError{sandbox::describeErrno("cannot start " + argv[0], rc)};

  EngineProcess process;
  process.pid = pid;
  process.stdoutRead = std::move(out->read);
  process.stderrRead = std::move(err->read);
  process.exited = sandbox::openPidFd(pid);
  return process;
}

int waitForEngine(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? exitCodeForSignal(WTERMSIG(status)) : -1;
}

sandbox::SetupResult<QuietResult> runQuiet(const std::vector<std::string>& argv) {
  auto process = spawnEngine(argv);
  if (!process) return process.error();
  QuietResult result;
  // Both streams into one string; stderr is read after stdout closes (the commands are short).
  for (int fd : {process->stdoutRead.get(), process->stderrRead.get()}) {
    const std::size_t room = kQuietOutputBytes - std::min(result.output.size(), kQuietOutputBytes);
    (void)core::readToEnd(fd, result.output, room);
  }
  result.exitCode = waitForEngine(process->pid);
  return result;
}

}  // namespace ps::container
