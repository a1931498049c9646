#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include "core/result.h"

namespace ps::core {

// A plugin as in-memory bytes, whatever it came from (a directory or a ConfigMap).
// Checks run on these bytes and the sandbox runs exactly these bytes, so nothing can change
// between verification and execution.
struct PluginFiles {
  std::map<std::string, std::string>
      files;  // relative path ("a/b.py") -> exact bytes, incl. manifest.json
};

// Every bound holds before the bytes are read, so no tree makes pluginctl walk without end
// before the sandbox's clock starts.
struct PluginDirLimits {
  std::size_t maxFiles = 256;
  std::size_t maxDirectories = 64;  // below the root
  std::size_t maxEntries = 512;     // names of any kind, counted as each directory is listed
  std::size_t maxFileBytes = 4 << 20;
  std::size_t maxTotalBytes = 16 << 20;
  int maxDepth = 8;
};

// Reads every file below `dir` without ever following a symlink (rule "layout" on: symlinks,
// hard links, FIFOs, devices, sockets, names outside the strict ASCII path charset, too many
// or too large files, too many directories or entries, too deep a tree).
Result<PluginFiles> readPluginDir(const std::filesystem::path& dir,
                                  const PluginDirLimits& limits = {});

// True when `path` is a relative path of segments [A-Za-z0-9_.-]+ joined by '/', no segment
// starting with '.', at most 255 bytes. The same rule applies to manifest `files` entries.
bool isSafeRelativePath(std::string_view path);

}  // namespace ps::core
