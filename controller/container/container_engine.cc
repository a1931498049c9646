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
  std::string install = requested == EngineKind::kDocker
                            ? "install docker (Debian: docker.io) and start dockerd"
                            : "install podman and runc";
  return sandbox::SetupError{"container sandbox: no container engine: " + wanted +
                             " not found on PATH (" + install + ", or use --sandbox local)"};
}

std::string describeImageCheckFailure(EngineKind kind, const std::string& image,
                                      const std::string& engineOutput) {
  std::size_t start = engineOutput.find_first_not_of(" \t\r\n");
  std::string said = start == std::string::npos
                         ? "(no output)"
                         : engineOutput.substr(start, engineOutput.find('\n', start) - start);
  if (kind == EngineKind::kDocker &&
      said.find("Cannot connect to the Docker daemon") != std::string::npos) {
    return "container sandbox: the docker daemon does not answer (" + said +
           "); start dockerd, or point DOCKER_HOST at its socket";
  }
  std::string fix = kind == EngineKind::kDocker
                        ? "load it with docker load -i build/images/sandbox.tar (make images "
                          "writes it)"
                        : "build it with make sandbox-image";
  return "container sandbox: image " + image + " not available in " +
         std::string(engineName(kind)) + " (" + said + "); " + fix;
}

}  // namespace ps::container
