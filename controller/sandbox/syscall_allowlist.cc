#include "sandbox/syscall_allowlist.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

namespace ps::sandbox {
namespace {

// Grouped by what needs them; each was observed under the survey unless its comment says why
// it is here anyway. Not here (ENOSYS): SysV IPC and POSIX mqueues (per-namespace and per-uid
// quotas, unused by the standard library), legacy AIO (the global aio-max-nr), mknod, sync and
// syncfs (flush the whole host), openat2, seccomp, setuid and friends (nobody has nothing to
// switch to), and every call newer than this list.
constexpr const char* kAllowed[] = {
    // memory
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync", "mincore",
    // process and thread life (clone is argument-checked; clone3 gets ENOSYS so the C library
    // falls back to clone, whose flags the filter can see)
    "execve", "vfork", "fork", "exit", "exit_group", "wait4", "waitid", "set_tid_address",
    "set_robust_list", "get_robust_list", "rseq", "arch_prctl", "prctl", "futex", "sched_yield",
    "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_get_priority_max",
    "sched_get_priority_min", "getpriority", "setpriority", "restart_syscall", "getcpu",
    // identity and limits (read-only, or lowering the caller's own)
    "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups",
    "getresuid", "getresgid", "getpgrp", "getpgid", "getsid", "setsid", "setpgid", "capget",
    "prlimit64", "getrlimit", "setrlimit", "getrusage", "times", "sysinfo", "uname", "umask",
    // signals and timers (inside the PID namespace)
    "kill", "tgkill", "tkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend",
    "rt_sigpending", "rt_sigtimedwait", "sigaltstack", "pause", "alarm", "setitimer", "getitimer",
    "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
    "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
    "pidfd_open", "pidfd_send_signal",
    // file descriptors and I/O
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "flock", "lseek", "pipe",
    "pipe2", "sendfile", "copy_file_range", "splice", "tee", "fadvise64", "readahead", "eventfd",
    "eventfd2", "signalfd", "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_gettime",
    "getrandom",
    // waiting
    "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2",
    // the file system (the mounts decide what is reachable and writable)
    "open", "openat", "creat", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
    "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
    "getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
    "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod",
    "fchmodat", "chown", "fchown", "lchown", "fchownat", "truncate", "ftruncate", "fallocate",
    "fsync", "fdatasync", "utime", "utimes", "utimensat", "futimesat", "getxattr", "lgetxattr",
    "fgetxattr", "listxattr", "llistxattr", "flistxattr", "setxattr", "lsetxattr", "fsetxattr",
    "removexattr", "lremovexattr", "fremovexattr",
    // sockets (socket and socketpair are argument-checked by family)
    "bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername", "sendto",
    "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt",
    "getsockopt"};

constexpr const char* kDenied[] = {
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "ptrace", "process_vm_readv",
    "process_vm_writev", "process_madvise", "kcmp", "pidfd_getfd", "bpf", "perf_event_open",
    "keyctl", "add_key", "request_key", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "syslog", "acct", "quotactl",
    "quotactl_fd", "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "uselib", "vhangup", "iopl",
    "ioperm", "modify_ldt", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "sethostname", "setdomainname", "nfsservctl", "set_mempolicy_home_node",
    "landlock_create_ruleset",
    // Programs come only from the read-only root: no anonymous files to run.
    "memfd_create", "memfd_secret", "execveat",
    // File-activity side channel on the shared host inodes, and a per-uid instance quota.
    "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_init",
    "fanotify_mark"};

constexpr uint64_t kIoctls[] = {TCGETS,      TIOCGWINSZ,  TIOCGPGRP,   FIONREAD,
                                FIONBIO,     FIOCLEX,     FIONCLEX,    SIOCGIFINDEX,
                                SIOCGIFNAME, SIOCGIFCONF, SIOCGIFFLAGS};

constexpr uint64_t kDeniedIoctls[] = {TIOCSTI, TIOCLINUX};

}  // namespace

std::span<const char* const> allowedSyscalls() {
  return kAllowed;
}
std::span<const char* const> deniedSyscalls() {
  return kDenied;
}
std::span<const uint64_t> allowedIoctls() {
  return kIoctls;
}
std::span<const uint64_t> deniedIoctls() {
  return kDeniedIoctls;
}

}  // namespace ps::sandbox
