#include "sandbox/runtime_layout.h"

#include <gtest/gtest.h>

#include <algorithm>

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

TEST(MountPlanTest, BindsEverythingUnderTheNewRootAndPluginAtSandbox) {
  auto layout = RuntimeLayout::forInterpreter(fs::canonical("/usr/bin/python3"));
  ASSERT_TRUE(layout);
  auto plan = makeMountPlan(*layout, {"/r", "/host/plugin", std::nullopt, 1 << 20});
  for (const auto& bind : plan.binds) EXPECT_EQ(bind.target.rfind("/r/", 0), 0u) << bind.target;
  auto sandbox = std::find_if(plan.binds.begin(), plan.binds.end(),
                              [](const auto& b) { return b.target == "/r/sandbox"; });
  ASSERT_NE(sandbox, plan.binds.end());
  EXPECT_EQ(sandbox->source, "/host/plugin");
  EXPECT_TRUE(std::none_of(plan.binds.begin(), plan.binds.end(),
                           [](const auto& b) { return b.target == "/r/input"; }));
  EXPECT_EQ(plan.tmpOptions, "size=1048576,mode=1777");
  // Parents are created before children.
  EXPECT_TRUE(std::is_sorted(plan.directories.begin(), plan.directories.end()));
}

TEST(MountPlanTest, InputOnlyWhenGiven) {
  auto layout = RuntimeLayout::forInterpreter(fs::canonical("/usr/bin/python3"));
  ASSERT_TRUE(layout);
  auto plan = makeMountPlan(*layout, {"/r", "/p", fs::path("/data"), 1});
  EXPECT_TRUE(std::any_of(plan.binds.begin(), plan.binds.end(), [](const auto& b) {
    return b.target == "/r/input" && b.source == "/data" && b.directory;
  }));
}

}  // namespace
}  // namespace ps::sandbox
