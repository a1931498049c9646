#include "sandbox/proc_masks.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

// <sys/mount.h> and <linux/mount.h> clash on this glibc; declare mount(2) ourselves.
extern "C" int mount(const char* source, const char* target, const char* fstype,
                     unsigned long flags, const void* data) noexcept;

namespace ps::sandbox {
namespace {

// runc's maskedPaths (files), plus the host kernel's command line and build configuration.
constexpr const char* kMaskedFiles[] = {
    "interrupts",  "kcore",       "keys",    "latency_stats", "timer_list",
    "timer_stats", "sched_debug", "cmdline", "config.gz",
};
constexpr const char* kMaskedDirectories[] = {"acpi", "asound", "scsi"};
constexpr const char* kReadOnly[] = {"bus", "fs", "irq", "sys", "sysrq-trigger"};

constexpr uint64_t kSealed =
    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

int seal(const std::string& path) {
  mount_attr attr{};
  attr.attr_set = kSealed;
  long rc = syscall(SYS_mount_setattr, AT_FDCWD, path.c_str(), AT_RECURSIVE, &attr, sizeof attr);
  return rc == 0 ? 0 : errno;
}

}  // namespace

ProcMasks procMasksUnder(const std::string& procDir) {
  ProcMasks masks;
  for (const char* name : kMaskedFiles) masks.files.push_back(procDir + "/" + name);
  for (const char* name : kMaskedDirectories) masks.directories.push_back(procDir + "/" + name);
  for (const char* name : kReadOnly) masks.readOnly.push_back(procDir + "/" + name);
  return masks;
}

int applyProcMasks(const ProcMasks& masks, const char** step) {
  for (const auto& path : masks.files) {
    *step = path.c_str();
    // nodev on the bind: opening the masked path fails (EACCES) instead of reading /dev/null.
    if (mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      if (errno == ENOENT) continue;
      return errno;
    }
    if (int err = seal(path)) return err;
  }
  for (const auto& path : masks.directories) {
    *step = path.c_str();
    if (mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,nr_inodes=2,mode=0555") != 0) {
      if (errno == ENOENT) continue;
      return errno;
    }
  }
  for (const auto& path : masks.readOnly) {
    *step = path.c_str();
    if (mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      if (errno == ENOENT) continue;
      return errno;
    }
    if (int err = seal(path)) return err;
  }
  return 0;
}

}  // namespace ps::sandbox
