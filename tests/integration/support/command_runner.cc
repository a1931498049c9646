// runCommand: posix_spawnp with three pipes, pumped with poll() so that neither a large input nor a
// large output can deadlock the child against us.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "cluster_environment.h"

extern char** environ;

namespace ps::testing {
namespace {

struct Pipe {
  int read = -1;
  int write = -1;
};

// O_CLOEXEC: only the dup2'd copies reach the child, so a daemon it starts cannot hold our pipes.
bool makePipe(Pipe& pipe) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
  pipe.read = fds[0];
  pipe.write = fds[1];
  return true;
}

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Appends what is readable now; closes `fd` at EOF or on error.
void drain(int& fd, std::string& target) {
  std::array<char, 65536> buffer{};
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n > 0) target.append(buffer.data(), static_cast<size_t>(n));
  if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) closeFd(fd);
}

// Moves data until both outputs reach EOF; stdin is closed once fully written (or the child left).
void pump(Pipe& in, Pipe& out, Pipe& err, const std::string& stdinText, CommandResult& result) {
  size_t written = 0;
  if (stdinText.empty()) closeFd(in.write);
  // Non-blocking, or one large write() would wait for the child while nobody drains its output.
  if (in.write >= 0) ::fcntl(in.write, F_SETFL, ::fcntl(in.write, F_GETFL) | O_NONBLOCK);
  while (out.read >= 0 || err.read >= 0) {
    std::array<pollfd, 3> fds{
        {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}, {in.write, POLLOUT, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents != 0) {
      ssize_t n = ::write(in.write, stdinText.data() + written, stdinText.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      const bool retry = n < 0 && (errno == EAGAIN || errno == EINTR);
      if ((n < 0 && !retry) || written == stdinText.size()) closeFd(in.write);
    }
    if (fds[0].revents != 0) drain(out.read, result.out);
    if (fds[1].revents != 0) drain(err.read, result.err);
  }
  closeFd(in.write);
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& stdinText) {
  // A child that exits without reading its input must not kill the test process with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  CommandResult result;
  Pipe in, out, err;
  if (argv.empty() || !makePipe(in) || !makePipe(out) || !makePipe(err)) {
    result.err = "runCommand: no program or no pipes";
    for (int* fd : {&in.read, &in.write, &out.read, &out.write, &err.read, &err.write})
      closeFd(*fd);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawnError = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  closeFd(in.read);
  closeFd(out.write);
  closeFd(err.write);
  if (spawnError != 0) {
    result.err = "runCommand: cannot start " + argv[0] + ": " + std::strerror(spawnError);
    for (int* fd : {&in.write, &out.read, &err.read}) closeFd(*fd);
    return result;
  }
  pump(in, out, err, stdinText, result);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exitCode = decodeStatus(status);
  return result;
}

}  // namespace ps::testing
