#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/setup_result.h"

namespace ps::sandbox {

// The one place that starts a program. It only ever starts the configured Python interpreter, as
// `python -I plugin.py ARGS...` with a fixed environment. Usable without namespaces (the container
// image's launcher runs it directly).
class ToolRunner {
 public:
  static constexpr const char* kDefaultInterpreter = "/usr/bin/python3";
  static constexpr const char* kInterpreterEnv = "PLUGIN_SANDBOX_PYTHON";

  // Refuses anything but an absolute path that resolves to a regular, executable file that
  // neither group nor others may write, in a directory nobody else may write, outside /tmp (the
  // sandbox's private /tmp hides it), whose sys.path tree passes checkInterpreterTree().
  static SetupResult<ToolRunner> create(const std::filesystem::path& interpreter);

  // The interpreter from PLUGIN_SANDBOX_PYTHON, else kDefaultInterpreter.
  static SetupResult<ToolRunner> fromEnvironment();

  // Resolved path (no symlinks), e.g. /usr/bin/python3.11.
  const std::filesystem::path& interpreter() const { return interpreter_; }

  // {interpreter, "-I", "plugin.py", args...}
  std::vector<std::string> argv(const std::vector<std::string>& args) const;

  // The fixed environment every plugin gets.
  static std::vector<std::string> environment();

  // A command prepared before fork so that the child only calls execve (no allocation after fork).
  class PreparedExec {
   public:
    PreparedExec() = default;
    PreparedExec(const PreparedExec&) = delete;
    PreparedExec& operator=(const PreparedExec&) = delete;
    // execve, or _exit(kExitSetupFailed) after writing why to `errorFd` (a pipe the supervisor
    // reads).
    [[noreturn]] void exec(int errorFd) const;
    const char* path() const { return path_.c_str(); }

   private:
    friend class ToolRunner;
    std::string path_;
    std::vector<std::string> argStrings_, envStrings_;
    std::vector<char*> argv_, envp_;
  };
  // Not copyable or movable once made: argv_/envp_ point into the strings.
  void prepare(const std::vector<std::string>& args, PreparedExec& out) const;

 private:
  explicit ToolRunner(std::filesystem::path interpreter) : interpreter_(std::move(interpreter)) {}
  std::filesystem::path interpreter_;
};

}  // namespace ps::sandbox
