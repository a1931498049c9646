#include "container/container_engine.h"

#include <unistd.h>

#include <vector>

namespace ps::container {
namespace {

std::optional<std::filesystem::path> lookUp(std::string_view program, std::string_view searchPath) {
  std::size_t start = 0;
  while (start <= searchPath.size()) {
    std::size_t end = searchPath.find(':', start);
    if (end == std::string_view::npos) end = searchPath.size();
    std::string_view dir = searchPath.substr(start, end - start);
    // An empty or relative PATH entry would mean the current directory: never trust it.
    if (!dir.empty() && dir.front() == '/') {
      std::filesystem::path candidate = std::filesystem::path(dir) / program;
      if (access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate)) {
        return candidate;
      }
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string_view engineName(EngineKind kind) {
  return kind == EngineKind::kPodman ? "podman" : "docker";
}

std::optional<EngineKind> parseEngineName(std::string_view name) {
  if (name == "podman") return EngineKind::kPodman;
  if (name == "docker") return EngineKind::kDocker;
  return std::nullopt;
}

sandbox::SetupResult<Engine> findEngine(std::optional<EngineKind> requested,
                                        std::string_view searchPath) {
  std::vector<EngineKind> candidates =
      requested ? std::vector{*requested} : std::vector{EngineKind::kPodman, EngineKind::kDocker};
  for (EngineKind kind : candidates) {
    if (auto binary = lookUp(engineName(kind), searchPath)) return Engine{kind, *binary};
  }
  std::string wanted = requested ? std::string(engineName(*requested)) : "podman or docker";
  return sandbox::SetupError{
      "container sandbox: no container engine: " + wanted +
      " not found on PATH (install podman and runc, or use --sandbox local)"};
}

}  // namespace ps::container
