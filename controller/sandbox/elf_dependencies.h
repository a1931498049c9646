#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/setup_result.h"

namespace ps::sandbox {

// What the dynamic loader needs to start one ELF file: its program interpreter (PT_INTERP) and
// the sonames it lists as DT_NEEDED. Read from the file's headers; nothing is executed (no ldd).
struct ElfLinkInfo {
  std::string interpreter;          // empty for shared libraries
  std::vector<std::string> needed;  // sonames, e.g. "libc.so.6"
};

SetupResult<ElfLinkInfo> readElfLinkInfo(const std::filesystem::path& file);

// Resolves, transitively, every shared library the given ELF files need, searching the loader's
// default directories in its order. Returns the paths the loader will open (not canonicalised:
// "/lib/x86_64-linux-gnu/libc.so.6"), plus the program interpreters, without duplicates.
// A soname that cannot be found is an error: the plugin would not start.
SetupResult<std::vector<std::filesystem::path>> resolveSharedLibraries(
    const std::vector<std::filesystem::path>& elfFiles,
    const std::vector<std::filesystem::path>& searchDirs);

// The loader's default search directories on this architecture (multiarch first).
std::vector<std::filesystem::path> defaultLibraryDirs();

}  // namespace ps::sandbox
