#include "core/semver.h"

#include <algorithm>

namespace ps::core {
namespace {

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isIdentifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

std::optional<uint64_t> parseNumber(std::string_view s) {
  if (!isDigits(s) || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) value = value * 10 + static_cast<uint64_t>(c - '0');
  return value;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == separator) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

int compareIdentifiers(const std::string& a, const std::string& b) {
  const bool numericA = isDigits(a), numericB = isDigits(b);
  if (numericA && numericB) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
  }
  if (numericA != numericB) return numericA ? -1 : 1;  // numeric identifiers sort first
  return a.compare(b);
}

}  // namespace

std::optional<SemVer> parseSemVer(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  if (auto plus = text.find('+'); plus != std::string_view::npos) {
    for (auto part : split(text.substr(plus + 1), '.')) {
      if (!isIdentifier(part)) return std::nullopt;
    }
    text = text.substr(0, plus);
  }
  SemVer version;
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    for (auto part : split(text.substr(dash + 1), '.')) {
      if (!isIdentifier(part) || (isDigits(part) && part.size() > 1 && part[0] == '0')) {
        return std::nullopt;
      }
      version.prerelease.emplace_back(part);
    }
    text = text.substr(0, dash);
  }
  auto core = split(text, '.');
  if (core.size() != 3) return std::nullopt;
  auto major = parseNumber(core[0]), minor = parseNumber(core[1]), patch = parseNumber(core[2]);
  if (!major || !minor || !patch) return std::nullopt;
  version.major = *major, version.minor = *minor, version.patch = *patch;
  return version;
}

int compareSemVer(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() == b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;  // a release outranks its pre-releases
  }
  for (std::size_t i = 0; i < std::min(a.prerelease.size(), b.prerelease.size()); ++i) {
    if (int c = compareIdentifiers(a.prerelease[i], b.prerelease[i]); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace ps::core
