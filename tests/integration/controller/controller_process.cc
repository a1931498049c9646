#include "controller_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ps::testing {
namespace {

std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string sanitizerLogBase(const std::string& logFile) {
  return logFile + ".sanitizer";
}

// UBSan (gcc 12, linked with ASan) writes its halting report to stderr whatever log_path says:
// the lines of the controller's own log from the first sanitizer line on, at most 8 KiB.
std::string sanitizerLinesOf(const std::string& log) {
  std::size_t first = std::string::npos;
  for (const char* marker : {"runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer"}) {
    first = std::min(first, log.find(marker));
  }
  if (first == std::string::npos) return "";
  const std::size_t lineStart = log.rfind('\n', first);
  return log.substr(lineStart == std::string::npos ? 0 : lineStart + 1, 8192);
}

}  // namespace

std::string ControllerProcess::binary() {
  const char* chosen = std::getenv("PS_CONTROLLER_BINARY");
  return chosen != nullptr && *chosen != '\0' ? chosen : PS_CONTROLLER_BINARY;
}

std::vector<std::string> sanitizerEnvironment(const std::string& logFile) {
  const std::string logPath = "log_path=" + sanitizerLogBase(logFile);
  std::string lsan = "LSAN_OPTIONS=report_objects=1";
  if (const char* suppressions = std::getenv("PS_LSAN_SUPPRESSIONS")) {
    lsan += std::string(":suppressions=") + suppressions;
  }
  return {"ASAN_OPTIONS=" + logPath + ":detect_leaks=1:detect_stack_use_after_return=1",
          "UBSAN_OPTIONS=" + logPath + ":print_stacktrace=1:halt_on_error=1", lsan};
}

std::string takeSanitizerReports(const std::string& logFile) {
  const std::filesystem::path base = sanitizerLogBase(logFile);
  const std::string prefix = base.filename().string() + ".";
  std::error_code error;
  std::string reports;
  for (const auto& entry : std::filesystem::directory_iterator(base.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    reports += "=== " + entry.path().string() + "\n" + readText(entry.path());
    std::filesystem::remove(entry.path(), error);
  }
  return reports;
}

ControllerProcess::ControllerProcess(const std::vector<std::string>& args,
                                     const std::vector<std::string>& env, std::string logFile)
    : logFile_(std::move(logFile)) {
  // Reports left by a process of an earlier test are that test's: not this one's.
  (void)takeSanitizerReports(logFile_);
  std::vector<char*> argv;
  std::string path = binary();
  if (access(path.c_str(), X_OK) != 0) {
    ADD_FAILURE() << "no controller binary at " << path
                  << " (the sanitized one is built by make build-asan)";
  }
  argv.push_back(path.data());
  std::vector<std::string> owned = args;
  for (auto& arg : owned) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment = sanitizerEnvironment(logFile_);
  environment.insert(environment.end(), env.begin(), env.end());
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(logFile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    for (auto& entry : environment) putenv(entry.data());
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
  std::string reports = takeSanitizerReports(logFile_);
  if (const std::string inLog = sanitizerLinesOf(log()); !inLog.empty()) {
    reports += "=== " + logFile_ + "\n" + inLog;
  }
  if (!reports.empty()) {
    ADD_FAILURE() << "sanitizer report from " << binary() << ":\n" << reports;
  }
  return statusCode(status);
}

std::string ControllerProcess::log() const {
  return readText(logFile_);
}

}  // namespace ps::testing
