#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace ps::launcher::testing {

// A ConfigMap volume laid out on disk as the kubelet's atomic writer does it: the files live in a
// timestamped hidden directory, `..data` is a relative symlink to it, and each key is a relative
// symlink `name -> ..data/name`. publish() swaps in a new version the same way (new directory,
// new symlink renamed over `..data`, keys added or removed, the old directory deleted).
class FakeConfigMapVolume {
 public:
  explicit FakeConfigMapVolume(std::filesystem::path root) : root_(std::move(root)) {}

  void publish(const std::map<std::string, std::string>& files) {
    namespace fs = std::filesystem;
    fs::create_directories(root_);
    const std::string version = "..2026_11_28_00_00_0" + std::to_string(++generation_) + ".1234";
    fs::create_directory(root_ / version);
    for (const auto& [name, bytes] : files) {
      std::ofstream(root_ / version / name, std::ios::binary) << bytes;
    }
    const fs::path previous =
        fs::exists(root_ / "..data", ec_) ? fs::read_symlink(root_ / "..data") : fs::path();
    fs::create_symlink(version, root_ / "..data_tmp");
    fs::rename(root_ / "..data_tmp", root_ / "..data");
    for (const auto& [name, bytes] : files) {
      if (!fs::is_symlink(root_ / name))
        fs::create_symlink(fs::path("..data") / name, root_ / name);
    }
    for (const auto& [name, bytes] : published_) {
      if (!files.count(name)) fs::remove(root_ / name);
    }
    if (!previous.empty()) fs::remove_all(root_ / previous);
    published_ = files;
  }

  const std::filesystem::path& root() const { return root_; }
  // Where the current version's real files are (to plant things a kubelet never would).
  std::filesystem::path dataDir() const {
    return root_ / std::filesystem::read_symlink(root_ / "..data");
  }

 private:
  std::filesystem::path root_;
  std::map<std::string, std::string> published_;
  int generation_ = 0;
  std::error_code ec_;
};

}  // namespace ps::launcher::testing
