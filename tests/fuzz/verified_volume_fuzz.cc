// libFuzzer target: the launcher's reader of the plugin volume over directory trees built from
// the input (what a kubelet, a hostile node process or a race could leave there): files,
// symlinks anywhere (out of the volume, into "..data", loops), directories, hard links, FIFOs,
// and the pinned names and digests (`--expect`, parsed as the launcher parses them). Accepted
// bytes must be exactly the pinned files with their pinned digests, within the limits.
//
// Input: records of one op byte and its fields (strings are one length byte then the bytes),
// at most kMaxRecords, each string at most kMaxString bytes. The tree is built under a private
// temporary directory (tmpfs when /dev/shm is there) with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, so
// no input can make the harness itself write outside it; it is removed after each input.
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.h"
#include "fuzz_check.h"
#include "launcher/expected_files.h"
#include "launcher/verified_volume.h"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kMaxRecords = 24;
constexpr std::size_t kMaxString = 200;

class Input {
 public:
  Input(const uint8_t* data, std::size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  bool empty() const { return rest_.empty(); }
  uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto value = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return value;
  }
  std::string text() {
    const std::size_t length = std::min({std::size_t{byte()}, kMaxString, rest_.size()});
    std::string value(rest_.substr(0, length));
    rest_.remove_prefix(length);
    std::erase(value, '\0');
    return value;
  }

 private:
  std::string_view rest_;
};

// A scratch directory per process, removed at exit.
struct Scratch {
  Scratch() {
    const fs::path tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : fs::temp_directory_path();
    std::string pattern = (tmp / "verified_volume_fuzz.XXXXXX").string();
    FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr);
    base = pattern;
    fs::create_directory(base / "copies");
    fs::permissions(base / "copies", fs::perms::owner_all);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(base, ignored);
  }
  fs::path base;
};

// The directory holding `path`'s last component, opened without following any symlink and
// never above `rootFd`; -1 when there is none.
int openParent(int rootFd, const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : path.substr(0, slash);
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  return static_cast<int>(syscall(SYS_openat2, rootFd, parent.c_str(), &how, sizeof how));
}

// Relative paths of plain components only; "..data" is a name, ".." is not.
bool isTreePath(const std::string& path) {
  if (path.empty() || path.size() > 64) return false;
  for (const auto& part : fs::path(path)) {
    if (part.empty() || part == "." || part == ".." || part == "/") return false;
  }
  return path.front() != '/' && path.back() != '/' && path.find("//") == std::string::npos;
}

std::string leafOf(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct Tree {
  std::vector<std::pair<std::string, std::string>> files;  // path, bytes
  std::vector<std::string> expectFlags;                    // NAME=sha256:HEX
};

void makeEntry(int rootFd, uint8_t op, const std::string& path, Input& input, Tree& tree) {
  std::string content = op == 0 || op == 1 ? input.text() : std::string();
  const uint8_t index = op == 3 ? input.byte() : 0;
  if (!isTreePath(path)) return;
  const int parent = openParent(rootFd, path);
  if (parent < 0) return;
  const std::string leaf = leafOf(path);
  if (op == 0) {
    const int fd = openat(parent, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
    if (fd >= 0) {
      FUZZ_CHECK(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
      close(fd);
      tree.files.emplace_back(path, std::move(content));
    }
  } else if (op == 1) {
    (void)symlinkat(content.c_str(), parent, leaf.c_str());  // the target is anything at all
  } else if (op == 2) {
    (void)mkdirat(parent, leaf.c_str(), 0755);
  } else if (op == 3 && !tree.files.empty()) {
    const auto& [existing, bytes] = tree.files[index % tree.files.size()];
    const int existingParent = openParent(rootFd, existing);
    if (existingParent >= 0) {
      if (linkat(existingParent, leafOf(existing).c_str(), parent, leaf.c_str(), 0) == 0) {
        tree.files.emplace_back(path, bytes);
      }
      close(existingParent);
    }
  } else if (op == 4) {
    (void)mkfifoat(parent, leaf.c_str(), 0644);
  }
  close(parent);
}

Tree buildTree(int rootFd, Input& input) {
  Tree tree;
  for (std::size_t record = 0; record < kMaxRecords && !input.empty(); ++record) {
    const uint8_t op = input.byte() % 7;
    const std::string name = input.text();
    if (op == 5) {  // pin `name` to the digest of the given bytes
      tree.expectFlags.push_back(name + "=" + ps::core::sha256Digest(input.text()));
    } else if (op == 6) {  // pin `name` to the digest of a file made earlier (often a match)
      const uint8_t index = input.byte();
      const std::string bytes =
          tree.files.empty() ? std::string() : tree.files[index % tree.files.size()].second;
      tree.expectFlags.push_back(name + "=" + ps::core::sha256Digest(bytes));
    } else {
      makeEntry(rootFd, op, name, input, tree);
    }
  }
  return tree;
}

void checkAccepted(const ps::core::PluginFiles& plugin, const ps::launcher::ExpectedFiles& expected,
                   const ps::core::PluginDirLimits& limits) {
  FUZZ_CHECK(plugin.files.size() == expected.size());
  for (const auto& [name, digest] : expected) {
    const auto found = plugin.files.find(name);
    FUZZ_CHECK(found != plugin.files.end());
    FUZZ_CHECK(found->second.size() <= limits.maxFileBytes);
    FUZZ_CHECK(ps::core::sha256Digest(found->second) == digest);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Scratch scratch;
  const fs::path volume = scratch.base / "volume";
  FUZZ_CHECK(mkdir(volume.c_str(), 0755) == 0);
  const int rootFd = open(volume.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  FUZZ_CHECK(rootFd >= 0);
  Input input(data, size);
  const Tree tree = buildTree(rootFd, input);
  close(rootFd);

  const auto expected = ps::launcher::parseExpectedFiles(tree.expectFlags);
  if (expected.ok()) {
    ps::core::PluginDirLimits small;
    small.maxFiles = 8;
    small.maxFileBytes = 128;
    small.maxTotalBytes = 512;
    const auto read = ps::launcher::readVerifiedVolume(volume, *expected, small);
    if (read) checkAccepted(*read, *expected, small);
    const auto copy = ps::launcher::copyVerifiedVolume(volume, *expected, scratch.base / "copies");
    if (copy) FUZZ_CHECK(fs::is_directory((*copy)->pluginDir()));
  }
  std::error_code ignored;
  fs::remove_all(volume, ignored);
  return 0;
}
