// Our RFC 8785 canonical bytes for each input file, for jcs_differential.py to compare with an
// independent implementation: one line per file, "<path>\t<hex of canonical bytes>", or
// "<path>\t-" when the strict parser or the canonicaliser refuses the input.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/canonical_json.h"
#include "core/strict_json.h"

namespace {

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

void dump(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto parsed = ps::core::parseStrictJson(text, "input");
  const auto canonical = parsed.ok() ? ps::core::canonicalJson(*parsed)
                                     : ps::core::Result<std::string>(parsed.rejection());
  std::printf("%s\t%s\n", path.c_str(), canonical.ok() ? hex(*canonical).c_str() : "-");
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> inputs;
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
      std::sort(inputs.begin(), inputs.end());
    } else {
      inputs.emplace_back(argv[i]);
    }
    for (const auto& input : inputs) dump(input);
  }
  return 0;
}
