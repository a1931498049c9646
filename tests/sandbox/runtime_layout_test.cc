#include "sandbox/runtime_layout.h"

#include <gtest/gtest.h>
#include <linux/mount.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "sandbox/elf_dependencies.h"
#include "sandbox/mount_plan.h"

namespace ps::sandbox {
namespace {

namespace fs = std::filesystem;

bool contains(const std::vector<ReadOnlyBind>& binds, const std::string& suffix) {
  return std::any_of(binds.begin(), binds.end(), [&](const ReadOnlyBind& bind) {
    const std::string path = bind.path.string();
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  });
}

TEST(ElfDependenciesTest, ReadsInterpreterAndNeededOfPython) {
  auto info = readElfLinkInfo(fs::canonical("/usr/bin/python3"));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->interpreter, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_NE(std::find(info->needed.begin(), info->needed.end(), "libc.so.6"), info->needed.end());
}

TEST(ElfDependenciesTest, RefusesFilesThatAreNotElf) {
  EXPECT_FALSE(readElfLinkInfo(fs::path(PS_SOURCE_DIR) / "CMakeLists.txt"));
  EXPECT_FALSE(readElfLinkInfo("/nonexistent/file"));
}

TEST(ElfDependenciesTest, MissingLibraryIsAnError) {
  auto libs = resolveSharedLibraries({fs::canonical("/usr/bin/python3")}, {"/nonexistent"});
  ASSERT_FALSE(libs);
  EXPECT_NE(libs.error().message.find("not found"), std::string::npos);
}

TEST(RuntimeLayoutTest, HoldsInterpreterStdlibLoaderAndLibrariesOnly) {
  auto layout = RuntimeLayout::forInterpreter(fs::canonical("/usr/bin/python3"));
  ASSERT_TRUE(layout) << layout.error().message;
  const auto& binds = layout->binds();
  EXPECT_TRUE(contains(binds, "/python3.11"));
  EXPECT_EQ(layout->standardLibrary(), "/usr/lib/python3.11");
  EXPECT_TRUE(contains(binds, "/ld-linux-x86-64.so.2"));
  EXPECT_TRUE(contains(binds, "/libc.so.6"));
  EXPECT_TRUE(contains(binds, "/libssl.so.3"));  // from lib-dynload/_ssl
  EXPECT_TRUE(contains(binds, "/libffi.so.8"));  // from lib-dynload/_ctypes
  for (const auto& bind : binds) {
    EXPECT_NE(bind.path.filename(), "sh") << "no shell";
    EXPECT_NE(bind.path, "/usr/bin") << "no program directory";
  }
}

TEST(MountPlanTest, BindsEverythingUnderTheNewRootAndCopiesThePlugin) {
  auto layout = RuntimeLayout::forInterpreter(fs::canonical("/usr/bin/python3"));
  ASSERT_TRUE(layout);
  const fs::path plugin = fs::temp_directory_path() / ("ps-plan-" + std::to_string(getpid()));
  fs::create_directories(plugin / "lib");
  std::ofstream(plugin / "plugin.py") << "print(1)\n";
  std::ofstream(plugin / "lib" / "helper.py") << "X = 1\n";
  auto plan = makeMountPlan(*layout, {"/r", plugin, std::nullopt, 1 << 20});
  fs::remove_all(plugin);
  for (const auto& bind : plan.binds) EXPECT_EQ(bind.target.rfind("/r/", 0), 0u) << bind.target;
  // The plugin is never bound from the host (its mountinfo line would name the run directory).
  EXPECT_TRUE(std::none_of(plan.binds.begin(), plan.binds.end(), [](const auto& b) {
    return b.target == "/r/sandbox" || b.target == "/r/input";
  }));
  EXPECT_EQ(plan.sandboxDir, "/r/sandbox");
  EXPECT_EQ(plan.sandboxDirectories, std::vector<std::string>{"/r/sandbox/lib"});
  ASSERT_EQ(plan.sandboxFiles.size(), 2u);
  EXPECT_EQ(plan.sandboxOptions.find("size=73728,"), 0u) << plan.sandboxOptions;  // 16 + 2 pages
  EXPECT_TRUE(plan.inputSource.empty());
  EXPECT_EQ(plan.tmpOptions, "size=1048576,mode=1777");
  // Parents are created before children.
  EXPECT_TRUE(std::is_sorted(plan.directories.begin(), plan.directories.end()));
}

TEST(MountPlanTest, OnlyTheInterpreterIsExecutableAndOnlyDevIsADevice) {
  auto layout = RuntimeLayout::forInterpreter(fs::canonical("/usr/bin/python3"));
  ASSERT_TRUE(layout);
  auto plan = makeMountPlan(*layout, {"/r", "/p", std::nullopt, 1});
  for (const auto& bind : plan.binds) {
    EXPECT_NE(bind.attributes & MOUNT_ATTR_RDONLY, 0u) << bind.target;
    EXPECT_NE(bind.attributes & MOUNT_ATTR_NOSUID, 0u) << bind.target;
    const bool device = bind.target.rfind("/r/dev/", 0) == 0;
    EXPECT_EQ((bind.attributes & MOUNT_ATTR_NODEV) == 0, device) << bind.target;
    EXPECT_EQ((bind.attributes & MOUNT_ATTR_NOEXEC) != 0, device) << bind.target;
  }
}

TEST(MountPlanTest, InputOnlyWhenGivenAndMasksUnderItsProc) {
  auto layout = RuntimeLayout::forInterpreter(fs::canonical("/usr/bin/python3"));
  ASSERT_TRUE(layout);
  auto plan = makeMountPlan(*layout, {"/r", "/p", fs::path("/data"), 1});
  EXPECT_EQ(plan.inputSource, "/data");
  EXPECT_EQ(plan.inputDir, "/r/input");
  EXPECT_NE(std::find(plan.directories.begin(), plan.directories.end(), "/r/input"),
            plan.directories.end());
  const auto& files = plan.procMasks.files;
  for (const char* masked : {"/r/proc/cmdline", "/r/proc/kcore", "/r/proc/keys",
                             "/r/proc/timer_list", "/r/proc/sched_debug"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), masked), files.end()) << masked;
  }
  const auto& readOnly = plan.procMasks.readOnly;
  EXPECT_NE(std::find(readOnly.begin(), readOnly.end(), "/r/proc/sys"), readOnly.end());
}

}  // namespace
}  // namespace ps::sandbox
