#include "launcher/expected_files.h"

#include <algorithm>
#include <string_view>

#include "core/plugin_files.h"

namespace ps::launcher {
namespace {

constexpr std::string_view kDigestPrefix = "sha256:";

bool isDigest(std::string_view digest) {
  if (digest.substr(0, kDigestPrefix.size()) != kDigestPrefix) return false;
  std::string_view hex = digest.substr(kDigestPrefix.size());
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

core::Rejection badValue(std::string_view value, std::string_view why) {
  // The value came from the command line: keep the line short and printable.
  std::string shown(value.substr(0, 120));
  std::replace_if(
      shown.begin(), shown.end(), [](char c) { return c < 0x20 || c == 0x7f; }, '?');
  return core::reject("expect", "--expect \"" + shown + "\": " + std::string(why));
}

}  // namespace

core::Result<ExpectedFiles> parseExpectedFiles(const std::vector<std::string>& values) {
  ExpectedFiles expected;
  for (const auto& value : values) {
    const auto equals = value.find('=');
    if (equals == std::string::npos) return badValue(value, "want NAME=sha256:HEX");
    std::string name = value.substr(0, equals), digest = value.substr(equals + 1);
    if (!core::isSafeRelativePath(name) || name.find('/') != std::string::npos) {
      return badValue(value, "NAME must be a plain file name");
    }
    if (!isDigest(digest)) return badValue(value, "digest must be sha256: and 64 lowercase hex");
    if (!expected.emplace(std::move(name), std::move(digest)).second) {
      return badValue(value, "file named twice");
    }
  }
  return expected;
}

}  // namespace ps::launcher
