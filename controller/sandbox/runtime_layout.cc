#include "sandbox/runtime_layout.h"

#include <map>

#include "core/annotated_mutex.h"
#include "sandbox/elf_dependencies.h"

namespace ps::sandbox {
namespace {

// /usr/bin/python3.11 -> /usr/lib/python3.11: where CPython looks for its landmark (os.py).
std::filesystem::path standardLibraryOf(const std::filesystem::path& interpreter) {
  return interpreter.parent_path().parent_path() / "lib" / interpreter.filename();
}

std::vector<std::filesystem::path> extensionModules(const std::filesystem::path& stdlib) {
  std::vector<std::filesystem::path> modules;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(stdlib / "lib-dynload", ec)) {
    if (entry.path().extension() == ".so" && entry.is_regular_file(ec)) {
      modules.push_back(entry.path());
    }
  }
  return modules;
}

}  // namespace

SetupResult<RuntimeLayout> RuntimeLayout::forInterpreter(const std::filesystem::path& interpreter) {
  struct Cache {
    Mutex mutex;
    std::map<std::filesystem::path, RuntimeLayout> layouts GUARDED_BY(mutex);
  };
  static Cache cache;
  MutexLock lock(cache.mutex);
  auto found = cache.layouts.find(interpreter);
  if (found != cache.layouts.end()) return found->second;
  auto layout = compute(interpreter);
  if (layout) cache.layouts.emplace(interpreter, layout.value());
  return layout;
}

SetupResult<RuntimeLayout> RuntimeLayout::compute(const std::filesystem::path& interpreter) {
  RuntimeLayout layout;
  layout.standardLibrary_ = standardLibraryOf(interpreter);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(layout.standardLibrary_ / "os.py", ec)) {
    return SetupError{"runtime: no standard library at " + layout.standardLibrary_.string()};
  }
  std::vector<std::filesystem::path> elfFiles{interpreter};
  auto modules = extensionModules(layout.standardLibrary_);
  elfFiles.insert(elfFiles.end(), modules.begin(), modules.end());
  auto libraries = resolveSharedLibraries(elfFiles, defaultLibraryDirs());
  if (!libraries) return SetupError{"runtime: " + libraries.error().message};
  layout.binds_.push_back({interpreter, false});
  layout.binds_.push_back({layout.standardLibrary_, true});
  for (const auto& library : libraries.value()) layout.binds_.push_back({library, false});
  return layout;
}

}  // namespace ps::sandbox
