#include "sandbox/tool_runner.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/exit_codes.h"
#include "sandbox/interpreter_tree.h"

namespace ps::sandbox {
namespace {

bool writableByOthers(const struct stat& st) {
  return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

bool ownedByRootOrUs(const struct stat& st) {
  return st.st_uid == 0 || st.st_uid == geteuid();
}

bool isUnderTmp(const std::filesystem::path& resolved) {
  const auto text = resolved.string();
  return text == "/tmp" || text.rfind("/tmp/", 0) == 0;
}

}  // namespace

SetupResult<ToolRunner> ToolRunner::create(const std::filesystem::path& interpreter) {
  if (!interpreter.is_absolute()) {
    return SetupError{"interpreter: \"" + interpreter.string() + "\" is not an absolute path"};
  }
  std::error_code ec;
  std::filesystem::path resolved = std::filesystem::canonical(interpreter, ec);
  if (ec) return SetupError{"interpreter: " + interpreter.string() + ": " + ec.message()};
  struct stat st {};
  if (stat(resolved.c_str(), &st) != 0) {
    return SetupError{describeErrno("interpreter: " + resolved.string(), errno)};
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & S_IXUSR) == 0) {
    return SetupError{"interpreter: " + resolved.string() + " is not an executable regular file"};
  }
  if (writableByOthers(st) || !ownedByRootOrUs(st)) {
    return SetupError{"interpreter: " + resolved.string() +
                      " may be modified by another user; refusing to run it"};
  }
  struct stat dir {};
  if (stat(resolved.parent_path().c_str(), &dir) != 0 || writableByOthers(dir) ||
      !ownedByRootOrUs(dir)) {
    return SetupError{"interpreter: the directory of " + resolved.string() +
                      " may be modified by another user; refusing to run it"};
  }
  if (isUnderTmp(resolved)) {
    return SetupError{"interpreter: " + resolved.string() +
                      " is under /tmp, which every sandbox replaces with its own empty tmpfs: it "
                      "could never start there; install it outside /tmp"};
  }
  if (auto done = checkInterpreterTree(resolved, geteuid()); !done) return done.error();
  return ToolRunner(std::move(resolved));
}

SetupResult<ToolRunner> ToolRunner::fromEnvironment() {
  const char* configured = std::getenv(kInterpreterEnv);
  return create(configured != nullptr && *configured != '\0' ? configured : kDefaultInterpreter);
}

std::vector<std::string> ToolRunner::argv(const std::vector<std::string>& args) const {
  std::vector<std::string> out{interpreter_.string(), "-I", "plugin.py"};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

std::vector<std::string> ToolRunner::environment() {
  // -I already ignores PYTHON* variables; the rest are cleared because the C library and Python
  // still act on LD_*, HOME, TMPDIR and locale variables.
  return {"PATH=/usr/bin",     "HOME=/tmp",      "TMPDIR=/tmp",
          "LANG=C.UTF-8",      "LC_ALL=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1",
          "PYTHONUNBUFFERED=1"};
}

void ToolRunner::prepare(const std::vector<std::string>& args, PreparedExec& out) const {
  out.path_ = interpreter_.string();
  out.argStrings_ = argv(args);
  out.envStrings_ = environment();
  out.argv_.clear();
  out.envp_.clear();
  for (auto& arg : out.argStrings_) out.argv_.push_back(arg.data());
  out.argv_.push_back(nullptr);
  for (auto& var : out.envStrings_) out.envp_.push_back(var.data());
  out.envp_.push_back(nullptr);
}

void ToolRunner::PreparedExec::exec(int errorFd) const {
  // pluginctl ignores SIGPIPE, and an ignored signal stays ignored across execve: the plugin
  // starts with the default disposition, as it would anywhere else.
  struct sigaction defaultAction {};
  defaultAction.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &defaultAction, nullptr);
  execve(path_.c_str(), argv_.data(), envp_.data());
  // Only async-signal-safe calls from here: we may be in a freshly forked child.
  const char* reason = strerror(errno);
  const char prefix[] = "sandbox: cannot start the interpreter: ";
  (void)!write(errorFd, prefix, sizeof prefix - 1);
  (void)!write(errorFd, reason, strlen(reason));
  (void)!write(errorFd, "\n", 1);
  _exit(kExitSetupFailed);
}

}  // namespace ps::sandbox
