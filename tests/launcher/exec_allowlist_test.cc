// The launcher's Landlock execute allowlist: what stands in for a noexec /tmp in a Pod, whose
// emptyDir Kubernetes cannot mount noexec. Here the plugin's /tmp is the host's (exec allowed by
// its mount), so only the allowlist can refuse the exec: EACCES proves it.
#include "launcher/exec_allowlist.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "launcher/plugin_launch.h"

namespace ps::launcher {
namespace {

namespace fs = std::filesystem;

// A static x86_64 ELF that exits 42 (as in tests/sandbox/hostile/exec_programs.py).
constexpr const char* kExit42Elf =
    "7f454c4602010100000000000000000002003e0001000000780040000000000040000000000000000000000000"
    "000000000000004000380001000000000000000100000005000000000000000000000000004000000000000000"
    "400000000000840000000000000084000000000000000010000000000000bf2a000000b83c0000000f05";

std::string readAll(int fd) {
  std::string text;
  char buffer[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  close(fd);
  return text;
}

class ExecAllowlistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ps-exec-allowlist-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "root");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string launch(const std::string& source) {
    std::ofstream(dir_ / "root" / "plugin.py") << source;
    LaunchSpec spec;
    spec.root = dir_ / "root";
    spec.interpreter = "/usr/bin/python3";
    spec.limits.wallTime = std::chrono::seconds(20);
    spec.args = {(dir_ / "scratch").string(), kExit42Elf};
    fs::create_directories(dir_ / "scratch");
    int out = memfd_create("out", MFD_CLOEXEC), err = memfd_create("err", MFD_CLOEXEC);
    auto outcome = launchPlugin(spec, {out, err});
    EXPECT_EQ(outcome.exitCode, 0) << outcome.setupError;
    return readAll(out) + readAll(err);
  }

  fs::path dir_;
};

TEST_F(ExecAllowlistTest, IsEnforcedOnThisKernel) {
  auto allowlist = ExecAllowlist::forInterpreter(fs::canonical("/usr/bin/python3"));
  EXPECT_TRUE(allowlist.enforced()) << allowlist.unavailable();
}

TEST_F(ExecAllowlistTest, OnlyTheInterpreterRunsFromAnExecutableTmp) {
  const std::string plugin =
      "import errno, os, subprocess, sys\n"
      "scratch, elf = sys.argv[1], bytes.fromhex(sys.argv[2])\n"
      "def attempt(label, path, fds=()):\n"
      "    try:\n"
      "        print(label, 'ran, exit', subprocess.run([path], pass_fds=fds).returncode)\n"
      "    except OSError as e:\n"
      "        print(label, errno.errorcode[e.errno])\n"
      "path = os.path.join(scratch, 'elf')\n"
      "open(path, 'wb').write(elf)\n"
      "os.chmod(path, 0o755)\n"
      "attempt('file', path)\n"
      "script = os.path.join(scratch, 'script')\n"
      "open(script, 'w').write('#!/usr/bin/python3 -I\\nprint(1)\\n')\n"
      "os.chmod(script, 0o755)\n"
      "attempt('script', script)\n"
      "fd = os.open(scratch, os.O_TMPFILE | os.O_RDWR, 0o755)\n"
      "os.write(fd, elf)\n"
      "ro = os.open('/proc/self/fd/%d' % fd, os.O_RDONLY)\n"
      "os.close(fd)\n"
      "attempt('tmpfile', '/proc/self/fd/%d' % ro, (ro,))\n";
  // The control: the same bytes run when written by the test itself (no allowlist here).
  fs::create_directories(dir_ / "control");
  std::string bytes;
  for (std::string hex = kExit42Elf; hex.size() >= 2; hex.erase(0, 2)) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(0, 2), nullptr, 16)));
  }
  std::ofstream(dir_ / "control" / "elf", std::ios::binary) << bytes;
  fs::permissions(dir_ / "control" / "elf", fs::perms::owner_all);
  EXPECT_EQ(WEXITSTATUS(std::system((dir_ / "control" / "elf").c_str())), 42);

  std::string output = launch(plugin);
  EXPECT_NE(output.find("file EACCES"), std::string::npos) << output;
  EXPECT_NE(output.find("script EACCES"), std::string::npos) << output;
  EXPECT_NE(output.find("tmpfile EACCES"), std::string::npos) << output;
  EXPECT_EQ(output.find("ran"), std::string::npos) << output;
}

}  // namespace
}  // namespace ps::launcher
