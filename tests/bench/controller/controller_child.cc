#include "controller_child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace ps::bench {

ControllerChild::ControllerChild(const std::string& binary, const std::vector<std::string>& args,
                                 const std::vector<std::string>& env, const std::string& logFile) {
  std::vector<std::string> owned{binary};
  owned.insert(owned.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : owned) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment = env;
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    for (auto& entry : environment) putenv(entry.data());
    execv(argv[0], argv.data());
    _exit(127);
  }
}

ControllerChild::~ControllerChild() {
  stop();
}

bool ControllerChild::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::optional<ProcessMemory> ControllerChild::memory() const {
  if (pid_ <= 0) return std::nullopt;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  ProcessMemory memory;
  std::string key;
  bool found = false;
  while (status >> key) {
    std::size_t kib = 0;
    if (key == "VmRSS:" && status >> kib) {
      memory.rss = kib * 1024;
      found = true;
    } else if (key == "VmHWM:" && status >> kib) {
      memory.hwm = kib * 1024;
    }
  }
  return found ? std::optional<ProcessMemory>(memory) : std::nullopt;
}

int ControllerChild::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace ps::bench
