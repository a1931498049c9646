#pragma once

#include <filesystem>
#include <vector>

#include "sandbox/setup_result.h"

namespace ps::sandbox {

// One host path made visible, read-only, at the same path inside the sandbox.
struct ReadOnlyBind {
  std::filesystem::path path;
  bool directory = false;
};

// Everything the interpreter needs to run, and nothing else: the interpreter binary, its standard
// library directory, the program interpreter (dynamic loader) and the shared libraries that the
// interpreter and its lib-dynload extension modules link. No shell, no other program.
class RuntimeLayout {
 public:
  // Computed once per interpreter path and cached for the life of the process.
  static SetupResult<RuntimeLayout> forInterpreter(const std::filesystem::path& interpreter);

  const std::vector<ReadOnlyBind>& binds() const { return binds_; }
  const std::filesystem::path& standardLibrary() const { return standardLibrary_; }

 private:
  static SetupResult<RuntimeLayout> compute(const std::filesystem::path& interpreter);
  std::vector<ReadOnlyBind> binds_;
  std::filesystem::path standardLibrary_;
};

}  // namespace ps::sandbox
