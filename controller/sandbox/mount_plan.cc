#include "sandbox/mount_plan.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <set>

// <sys/mount.h> and <linux/mount.h> clash on this glibc; declare mount(2) ourselves.
extern "C" int mount(const char* source, const char* target, const char* fstype,
                     unsigned long flags, const void* data) noexcept;
extern "C" int umount2(const char* target, int flags) noexcept;
constexpr int kDetach = 2;  // MNT_DETACH

namespace ps::sandbox {
namespace {

constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom"};

void addParents(std::set<std::string>& dirs, const std::filesystem::path& inside) {
  for (auto p = inside.parent_path(); p != p.root_path(); p = p.parent_path()) dirs.insert(p);
}

int bindAll(const MountPlan& plan, const char** step) {
  for (const auto& bind : plan.binds) {
    *step = bind.target.c_str();
    unsigned long flags = MS_BIND | (bind.directory ? MS_REC : 0);
    if (mount(bind.source.c_str(), bind.target.c_str(), nullptr, flags, nullptr) != 0) return errno;
  }
  return 0;
}

int makeReadOnly(const std::string& tree, const char** step) {
  *step = "mount_setattr(read-only)";
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  long rc = syscall(SYS_mount_setattr, AT_FDCWD, tree.c_str(), AT_RECURSIVE, &attr, sizeof attr);
  return rc == 0 ? 0 : errno;
}

int createTargets(const MountPlan& plan, const char** step) {
  for (const auto& dir : plan.directories) {
    *step = dir.c_str();
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno;
  }
  for (const auto& file : plan.files) {
    *step = file.c_str();
    int fd = open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
    if (fd < 0) return errno;
    close(fd);
  }
  for (const auto& [target, link] : plan.symlinks) {
    *step = link.c_str();
    if (symlink(target.c_str(), link.c_str()) != 0) return errno;
  }
  return 0;
}

int pivotInto(const std::string& newRoot, const char** step) {
  // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only ours.
  *step = "pivot_root";
  if (chdir(newRoot.c_str()) != 0) return errno;
  if (syscall(SYS_pivot_root, ".", ".") != 0) return errno;
  if (umount2(".", kDetach) != 0) return errno;
  if (chdir("/") != 0) return errno;
  return 0;
}

}  // namespace

MountPlan makeMountPlan(const RuntimeLayout& runtime, const MountRequest& request) {
  MountPlan plan;
  const std::string root = request.newRoot.string();
  plan.newRoot = root;
  std::set<std::string> dirs{"/dev", "/proc", "/tmp", kSandboxDirInside};
  auto addBind = [&](const std::filesystem::path& source, const std::filesystem::path& inside,
                     bool directory) {
    addParents(dirs, inside);
    if (directory) {
      dirs.insert(inside);
    } else {
      plan.files.push_back(root + inside.string());
    }
    plan.binds.push_back({source.string(), root + inside.string(), directory});
  };
  for (const auto& bind : runtime.binds()) addBind(bind.path, bind.path, bind.directory);
  for (const char* device : kDevices) {
    addBind(std::string("/dev/") + device, std::string("/dev/") + device, false);
  }
  addBind(request.pluginDir, kSandboxDirInside, true);
  if (request.inputDir) addBind(*request.inputDir, kInputDirInside, true);
  for (const auto& dir : dirs) plan.directories.push_back(root + dir);  // std::set: parents first
  plan.symlinks = {{"/proc/self/fd", root + "/dev/fd"},
                   {"/proc/self/fd/0", root + "/dev/stdin"},
                   {"/proc/self/fd/1", root + "/dev/stdout"},
                   {"/proc/self/fd/2", root + "/dev/stderr"}};
  plan.procDir = root + "/proc";
  plan.tmpDir = root + "/tmp";
  plan.tmpOptions = "size=" + std::to_string(request.tmpBytes) + ",mode=1777";
  return plan;
}

int assembleRoot(const MountPlan& plan, const char** step) {
  *step = "making mounts private";
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
  *step = "root tmpfs";
  if (mount("tmpfs", plan.newRoot.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
            "size=1m,nr_inodes=4096,mode=0755") != 0) {
    return errno;
  }
  if (int err = createTargets(plan, step)) return err;
  if (int err = bindAll(plan, step)) return err;
  if (int err = makeReadOnly(plan.newRoot, step)) return err;
  *step = "procfs";
  if (mount("proc", plan.procDir.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return errno;
  }
  *step = "/tmp tmpfs";
  if (mount("tmpfs", plan.tmpDir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, plan.tmpOptions.c_str()) !=
      0) {
    return errno;
  }
  return pivotInto(plan.newRoot, step);
}

}  // namespace ps::sandbox
