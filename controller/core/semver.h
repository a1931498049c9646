#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ps::core {

// Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
struct SemVer {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // empty = a release
};

// nullopt unless `text` is valid SemVer 2.0.0 (no leading zeros, no empty identifiers,
// numbers of at most 18 digits, at most 64 bytes).
std::optional<SemVer> parseSemVer(std::string_view text);

// <0, 0, >0 by SemVer precedence (build metadata ignored).
int compareSemVer(const SemVer& a, const SemVer& b);

}  // namespace ps::core
