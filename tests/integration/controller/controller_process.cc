#include "controller_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace ps::testing {

ControllerProcess::ControllerProcess(const std::vector<std::string>& args,
                                     const std::vector<std::string>& env, std::string logFile)
    : logFile_(std::move(logFile)) {
  std::vector<char*> argv;
  std::string binary = PS_CONTROLLER_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> owned = args;
  for (auto& arg : owned) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(logFile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    for (const auto& entry : env) putenv(const_cast<char*>(entry.c_str()));
    execv(argv[0], argv.data());
    _exit(127);
  }
}

ControllerProcess::~ControllerProcess() {
  stop();
}

namespace {
int statusCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
}  // namespace

std::optional<int> ControllerProcess::exitStatus() {
  if (exitStatus_ || pid_ <= 0) return exitStatus_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  exitStatus_ = statusCode(status);
  return exitStatus_;
}

int ControllerProcess::stop() {
  if (exitStatus_) return *exitStatus_;
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return statusCode(status);
}

std::string ControllerProcess::log() const {
  std::ifstream in(logFile_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ps::testing
