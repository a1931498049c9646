#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/setup_result.h"

namespace ps::container {

enum class EngineKind { kPodman, kDocker };

std::string_view engineName(EngineKind kind);  // "podman" / "docker"

// Parses --engine; nothing for a name we do not drive.
std::optional<EngineKind> parseEngineName(std::string_view name);

// A container engine's command-line client, found on PATH.
struct Engine {
  EngineKind kind = EngineKind::kPodman;
  std::filesystem::path binary;
};

// The requested engine, or (none requested) podman, else docker. Searches `searchPath` (a PATH
// value). Not found is a SetupError saying so (exit 126): never a silent fall back to another
// level.
sandbox::SetupResult<Engine> findEngine(std::optional<EngineKind> requested,
                                        std::string_view searchPath);

// Why `image inspect` failed, from what the engine printed, with the fix: a Docker daemon that
// does not answer is named as such (not as a missing image), and each engine gets its own way to
// have the image.
std::string describeImageCheckFailure(EngineKind kind, const std::string& image,
                                      const std::string& engineOutput);

}  // namespace ps::container
