// Issue 13 item 9: the interpreter's sys.path tree must be one nobody else can change.
#include "sandbox/interpreter_tree.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sandbox/tool_runner.h"

namespace ps::sandbox {
namespace {

namespace fs = std::filesystem;

// PREFIX/bin/python3.11 and a small PREFIX/lib/python3.11, in a private directory under /tmp
// (whose sticky bit makes it a safe parent).
class InterpreterTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ps-interp-tree-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    prefix_ = pattern;
    ::chmod(prefix_.c_str(), 0755);
    fs::create_directories(prefix_ / "bin");
    fs::create_directories(stdlib() / "encodings");
    fs::create_directories(stdlib() / "lib-dynload");
    file(interpreter(), 0755);
    file(stdlib() / "os.py", 0644);
    file(stdlib() / "encodings" / "__init__.py", 0644);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(prefix_, ignored);
  }
  void file(const fs::path& path, mode_t mode) {
    std::ofstream(path) << "# probe\n";
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }
  fs::path interpreter() const { return prefix_ / "bin" / "python3.11"; }
  fs::path stdlib() const { return prefix_ / "lib" / "python3.11"; }
  std::string refusal() {
    auto checked = checkInterpreterTree(interpreter(), geteuid());
    return checked ? "" : checked.error().message;
  }
  fs::path prefix_;
};

TEST_F(InterpreterTreeTest, WorksOutSysPathWithoutRunningTheInterpreter) {
  fs::create_directories(stdlib() / "site-packages");
  fs::create_directories(prefix_ / "local" / "lib" / "python3.11" / "dist-packages");
  const InterpreterSysPath sysPath = staticSysPath(interpreter());
  EXPECT_EQ(sysPath.standardLibrary, stdlib());
  EXPECT_EQ(sysPath.others, std::vector<fs::path>{stdlib() / "lib-dynload"});
  EXPECT_EQ(sysPath.siteDirectories,
            (std::vector<fs::path>{stdlib() / "site-packages",
                                   prefix_ / "local" / "lib" / "python3.11" / "dist-packages"}));
  EXPECT_EQ(refusal(), "");
}

TEST_F(InterpreterTreeTest, TheSystemInterpreterPasses) {
  const fs::path system = fs::canonical("/usr/bin/python3");
  auto checked = checkInterpreterTree(system, geteuid());
  EXPECT_TRUE(checked) << checked.error().message;
}

TEST_F(InterpreterTreeTest, RefusesAStandardLibraryOthersCanWrite) {
  ASSERT_EQ(::chmod(stdlib().c_str(), 0757), 0);
  EXPECT_EQ(refusal(), "interpreter: " + stdlib().string() +
                           " (on the interpreter's sys.path) is writable by another user; its code "
                           "would run in every sandbox, refusing it");
  ASSERT_EQ(::chmod(stdlib().c_str(), 01777), 0);  // sticky is no excuse for a sys.path entry
  EXPECT_NE(refusal().find("writable by another user"), std::string::npos);
}

TEST_F(InterpreterTreeTest, RefusesAnythingWritableDeepInTheStandardLibrary) {
  ASSERT_EQ(::chmod((stdlib() / "encodings").c_str(), 0775), 0);
  EXPECT_NE(refusal().find(stdlib().string() + "/encodings (on"), std::string::npos) << refusal();
  ASSERT_EQ(::chmod((stdlib() / "encodings").c_str(), 0755), 0);
  file(stdlib() / "encodings" / "__init__.py", 0666);
  EXPECT_NE(refusal().find("__init__.py (on"), std::string::npos) << refusal();
}

TEST_F(InterpreterTreeTest, RefusesAParentOthersCanWriteUnlessItIsSticky) {
  ASSERT_EQ(::chmod((prefix_ / "lib").c_str(), 0777), 0);
  EXPECT_NE(refusal().find(prefix_.string() + "/lib (on"), std::string::npos) << refusal();
  ASSERT_EQ(::chmod((prefix_ / "lib").c_str(), 01777), 0);
  EXPECT_EQ(refusal(), "");
}

TEST_F(InterpreterTreeTest, RefusesSiteDirectoriesAndTheirEntriesOthersCanWrite) {
  const fs::path site = stdlib() / "site-packages";
  fs::create_directories(site);
  ASSERT_EQ(::chmod(site.c_str(), 0777), 0);
  EXPECT_NE(refusal().find("site-packages (on"), std::string::npos) << refusal();
  ASSERT_EQ(::chmod(site.c_str(), 0755), 0);
  file(site / "evil.pth", 0646);
  EXPECT_NE(refusal().find("evil.pth (on"), std::string::npos) << refusal();
}

TEST_F(InterpreterTreeTest, ChecksWhatASymlinkPointsAt) {
  char pattern[] = "/tmp/ps-interp-target-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path elsewhere = pattern;
  file(elsewhere / "sitecustomize.py", 0666);
  fs::create_symlink(elsewhere / "sitecustomize.py", stdlib() / "sitecustomize.py");
  EXPECT_NE(refusal().find(elsewhere.string() + "/sitecustomize.py (on"), std::string::npos)
      << refusal();
  fs::remove_all(elsewhere);
  EXPECT_EQ(refusal(), "") << "a dangling symlink imports nothing";
}

TEST_F(InterpreterTreeTest, RefusesFilesThatMoveSysPath) {
  file(prefix_ / "pyvenv.cfg", 0644);
  EXPECT_NE(refusal().find("pyvenv.cfg would move"), std::string::npos) << refusal();
  fs::remove(prefix_ / "pyvenv.cfg");
  file(prefix_ / "bin" / "python3.11._pth", 0644);
  EXPECT_NE(refusal().find("._pth would move"), std::string::npos) << refusal();
}

TEST_F(InterpreterTreeTest, RefusesAFileOwnedByAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "only root can give a file away; the root run covers it";
  file(stdlib() / "planted.py", 0644);
  ASSERT_EQ(::chown((stdlib() / "planted.py").c_str(), 12345, 12345), 0);
  EXPECT_NE(refusal().find("planted.py (on the interpreter's sys.path) is owned by another user "
                           "(uid 12345)"),
            std::string::npos)
      << refusal();
}

// The interpreter itself under /tmp: the private /tmp of every sandbox hides it (exit 126 with
// "No such file or directory" before); refused up front instead.
TEST_F(InterpreterTreeTest, ToolRunnerRefusesAnInterpreterUnderTmp) {
  auto runner = ToolRunner::create(interpreter());
  ASSERT_FALSE(runner);
  EXPECT_EQ(runner.error().message,
            "interpreter: " + interpreter().string() +
                " is under /tmp, which every sandbox replaces with its own empty tmpfs: it could "
                "never start there; install it outside /tmp");
}

}  // namespace
}  // namespace ps::sandbox
