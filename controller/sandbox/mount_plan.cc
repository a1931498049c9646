#include "sandbox/mount_plan.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/sendfile.h>
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

// Every mount is read-only and nosuid; what else each kind may do is the least it needs.
constexpr uint64_t kReadOnly = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
constexpr uint64_t kRuntimeAttributes = kReadOnly | MOUNT_ATTR_NODEV;  // executable
constexpr uint64_t kDeviceAttributes = kReadOnly | MOUNT_ATTR_NOEXEC;  // device nodes work
constexpr uint64_t kDataAttributes = kReadOnly | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
constexpr unsigned long kNoExecTmpfs = MS_NOSUID | MS_NODEV | MS_NOEXEC;

constexpr uint64_t kPage = 4096;

void addParents(std::set<std::string>& dirs, const std::filesystem::path& inside) {
  for (auto p = inside.parent_path(); p != p.root_path(); p = p.parent_path()) dirs.insert(p);
}

int setAttributes(int dirFd, const char* path, unsigned flags, uint64_t attributes) {
  mount_attr attr{};
  attr.attr_set = attributes;
  long rc = syscall(SYS_mount_setattr, dirFd, path, flags, &attr, sizeof attr);
  return rc == 0 ? 0 : errno;
}

int bindAll(const MountPlan& plan, const char** step) {
  for (const auto& bind : plan.binds) {
    *step = bind.target.c_str();
    unsigned long flags = MS_BIND | (bind.directory ? MS_REC : 0);
    if (mount(bind.source.c_str(), bind.target.c_str(), nullptr, flags, nullptr) != 0) return errno;
    unsigned recursive = bind.directory ? AT_RECURSIVE : 0;
    if (int err = setAttributes(AT_FDCWD, bind.target.c_str(), recursive, bind.attributes)) {
      return err;
    }
  }
  return 0;
}

int copyFile(const MountPlan::Copy& file) {
  int in = open(file.source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return errno;
  int out = open(file.target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
  int err = out < 0 ? errno : 0;
  for (ssize_t n = 1; err == 0 && n > 0;) {
    n = sendfile(out, in, nullptr, 1 << 20);
    if (n < 0 && errno != EINTR) err = errno;
  }
  close(in);
  if (out >= 0) close(out);
  return err;
}

int copyPlugin(const MountPlan& plan, const char** step) {
  *step = "/sandbox tmpfs";
  if (mount("tmpfs", plan.sandboxDir.c_str(), "tmpfs", kNoExecTmpfs, plan.sandboxOptions.c_str()) !=
      0) {
    return errno;
  }
  for (const auto& dir : plan.sandboxDirectories) {
    *step = dir.c_str();
    if (mkdir(dir.c_str(), 0755) != 0) return errno;
  }
  for (const auto& file : plan.sandboxFiles) {
    *step = file.target.c_str();
    if (int err = copyFile(file)) return err;
  }
  *step = "/sandbox read-only";
  return setAttributes(AT_FDCWD, plan.sandboxDir.c_str(), 0, kDataAttributes);
}

// Resolves the input without following any symlink (or magic link) and mounts exactly the
// directory that descriptor names: nothing can swap the path in between.
int bindInput(const MountPlan& plan, const char** step) {
  *step = "input (resolved without following symlinks)";
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int dir =
      static_cast<int>(syscall(SYS_openat2, AT_FDCWD, plan.inputSource.c_str(), &how, sizeof how));
  if (dir < 0) return errno;
  *step = "input: open_tree";
  int tree = static_cast<int>(syscall(
      SYS_open_tree, dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
  int err = tree < 0 ? errno : 0;
  close(dir);
  if (err != 0) return err;
  *step = "input: mount_setattr(ro,nosuid,nodev,noexec)";
  err = setAttributes(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, kDataAttributes);
  if (err == 0) {
    *step = "input: move_mount";
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, plan.inputDir.c_str(),
                MOVE_MOUNT_F_EMPTY_PATH) != 0) {
      err = errno;
    }
  }
  close(tree);
  return err;
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

// The plugin copy's files and directories, and the tmpfs size that holds them (whole pages).
void planPluginCopy(MountPlan& plan, const std::filesystem::path& pluginDir) {
  uint64_t bytes = 16 * kPage, inodes = 16;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(pluginDir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const auto relative = it->path().lexically_relative(pluginDir).string();
    const auto target = plan.sandboxDir + "/" + relative;
    ++inodes;
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      plan.sandboxDirectories.push_back(target);  // the iterator yields parents first
    } else if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
      bytes += (it->file_size(ec) + kPage - 1) / kPage * kPage;
      plan.sandboxFiles.push_back({it->path().string(), target});
    }
  }
  plan.sandboxOptions =
      "size=" + std::to_string(bytes) + ",nr_inodes=" + std::to_string(inodes) + ",mode=0755";
}

}  // namespace

MountPlan makeMountPlan(const RuntimeLayout& runtime, const MountRequest& request) {
  MountPlan plan;
  const std::string root = request.newRoot.string();
  plan.newRoot = root;
  std::set<std::string> dirs{"/dev", "/proc", "/tmp", kSandboxDirInside};
  auto addBind = [&](const std::filesystem::path& source, const std::filesystem::path& inside,
                     bool directory, uint64_t attributes) {
    addParents(dirs, inside);
    if (directory) {
      dirs.insert(inside);
    } else {
      plan.files.push_back(root + inside.string());
    }
    plan.binds.push_back({source.string(), root + inside.string(), directory, attributes});
  };
  for (const auto& bind : runtime.binds()) {
    addBind(bind.path, bind.path, bind.directory, kRuntimeAttributes);
  }
  for (const char* device : kDevices) {
    addBind(std::string("/dev/") + device, std::string("/dev/") + device, false, kDeviceAttributes);
  }
  plan.sandboxDir = root + kSandboxDirInside;
  planPluginCopy(plan, request.pluginDir);
  if (request.inputDir) {
    dirs.insert(kInputDirInside);
    plan.inputSource = request.inputDir->string();
    plan.inputDir = root + kInputDirInside;
  }
  for (const auto& dir : dirs) plan.directories.push_back(root + dir);  // std::set: parents first
  plan.symlinks = {{"/proc/self/fd", root + "/dev/fd"},
                   {"/proc/self/fd/0", root + "/dev/stdin"},
                   {"/proc/self/fd/1", root + "/dev/stdout"},
                   {"/proc/self/fd/2", root + "/dev/stderr"}};
  plan.procDir = root + "/proc";
  plan.tmpDir = root + "/tmp";
  plan.tmpOptions = "size=" + std::to_string(request.tmpBytes) + ",mode=1777";
  plan.procMasks = procMasksUnder(plan.procDir);
  return plan;
}

int assembleRoot(const MountPlan& plan, const char** step) {
  *step = "making mounts private";
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
  *step = "root tmpfs";
  if (mount("tmpfs", plan.newRoot.c_str(), "tmpfs", kNoExecTmpfs,
            "size=1m,nr_inodes=4096,mode=0755") != 0) {
    return errno;
  }
  if (int err = createTargets(plan, step)) return err;
  if (int err = bindAll(plan, step)) return err;
  if (int err = copyPlugin(plan, step)) return err;
  if (!plan.inputSource.empty()) {
    if (int err = bindInput(plan, step)) return err;
  }
  *step = "root read-only";
  if (int err = setAttributes(AT_FDCWD, plan.newRoot.c_str(), 0, MOUNT_ATTR_RDONLY)) return err;
  *step = "procfs";
  if (mount("proc", plan.procDir.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return errno;
  }
  if (int err = applyProcMasks(plan.procMasks, step)) return err;
  *step = "/tmp tmpfs";
  if (mount("tmpfs", plan.tmpDir.c_str(), "tmpfs", kNoExecTmpfs, plan.tmpOptions.c_str()) != 0) {
    return errno;
  }
  return pivotInto(plan.newRoot, step);
}

}  // namespace ps::sandbox
