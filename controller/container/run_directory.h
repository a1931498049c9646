#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/setup_result.h"

namespace ps::container {

class RunDirectory;
using RunDirectoryPtr = std::unique_ptr<RunDirectory>;

// The host side of one container run, in the sandbox's private base directory (0700, ours): a
// termination-message file the container's uid may write, pre-filled with a sentinel so that a
// run whose launcher never started can be told apart from a plugin that printed nothing, and an
// empty file.
// Removed on destruction.
class RunDirectory {
 public:
  static constexpr std::string_view kNotStarted = "\x01plugin-sandbox: launcher did not start\n";

  static sandbox::SetupResult<RunDirectoryPtr> create();
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  const std::filesystem::path& terminationLog() const { return terminationLog_; }
  // An empty read-only file (0644), bound over what an engine would fill from the host.
  const std::filesystem::path& emptyFile() const { return emptyFile_; }
  // A unique container name for this run.
  const std::string& containerName() const { return name_; }

  // The message the launcher wrote, or nothing when it never ran (the sentinel is still there).
  std::optional<std::string> readTerminationMessage() const;

 private:
  explicit RunDirectory(std::filesystem::path dir);
  std::filesystem::path dir_, terminationLog_, emptyFile_;
  std::string name_;
};

}  // namespace ps::container
