#pragma once
// Helpers of the tests that run the pluginctl binary as a process (pipes, ptys, signals).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace ps::cli::testing {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void spit(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The exit status of `sh -c command` (128+N when the shell reports a signal).
inline int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A world-readable scratch directory outside the checkout, so that uid 65534 can use it too.
class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/ps-cli-proc-XXXXXX";
    EXPECT_NE(::mkdtemp(pattern), nullptr);
    path_ = pattern;
    ::chmod(path_.c_str(), 0755);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    for (auto it = fs::recursive_directory_iterator(path_, ignored);
         it != fs::recursive_directory_iterator(); it.increment(ignored)) {
      if (it->is_directory(ignored) && !it->is_symlink(ignored)) {
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
      }
    }
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// An unsigned one-file plugin; readable by everyone.
inline fs::path writePlugin(const fs::path& dir, const std::string& source) {
  fs::create_directories(dir);
  spit(dir / "manifest.json", R"({"id":"probe","version":"1.0.0","permissions":[]})");
  spit(dir / "plugin.py", source);
  ::chmod(dir.c_str(), 0755);
  ::chmod((dir / "manifest.json").c_str(), 0644);
  ::chmod((dir / "plugin.py").c_str(), 0644);
  return dir;
}

// The command line prefix that runs pluginctl as root (""), or as uid/gid 65534 when asked and we
// are root.
inline std::string asUser(bool unprivileged) {
  return unprivileged ? "setpriv --reuid=65534 --regid=65534 --clear-groups -- " : "";
}

// Waits (bounded) until `done` holds; false on timeout.
template <class Predicate>
bool waitFor(Predicate done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace ps::cli::testing
