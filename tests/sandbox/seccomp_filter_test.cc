// The filter itself, installed in a forked child: each call's errno (or the signal that killed the
// child) is what the filter answers, not what the kernel would.
#include "sandbox/seccomp_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <functional>
#include <string>

namespace ps::sandbox {
namespace {

constexpr int kAllowed = 0;  // the call returned >= 0
constexpr long kAfVsock = 40;
constexpr long kNetlinkKobjectUevent = 15;

// Runs `call` under the filter in a child: returns 0 when the call succeeded, its errno when it
// failed, or -SIGNAL when the child was killed.
int underFilter(const std::function<long()>& call) {
  static const auto program = SeccompProgram::build();
  if (!program) {
    ADD_FAILURE() << program.error().message;
    return -2000;
  }
  int fds[2];
  if (pipe(fds) != 0) return -1000;
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (program->install() != 0) _exit(100);
    errno = 0;
    long rc = call();
    int result = rc >= 0 ? kAllowed : errno;
    (void)!write(fds[1], &result, sizeof result);
    _exit(0);
  }
  close(fds[1]);
  int result = -1000;
  if (read(fds[0], &result, sizeof result) != sizeof result) result = -1000;
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return result;
}

// The sandbox installs the program compiled at build time: it must be exactly what libseccomp
// compiles here and now from the same rules.
TEST(SeccompProgramTest, ThePrecompiledProgramIsWhatLibseccompBuilds) {
  const auto built = SeccompProgram::build();
  ASSERT_TRUE(built) << built.error().message;
  const SeccompProgram precompiled = SeccompProgram::precompiled();
  const auto want = built.value().instructions();
  const auto got = precompiled.instructions();
  ASSERT_EQ(got.size(), want.size());
  ASSERT_GT(got.size(), 100u);
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].code, want[i].code) << i;
    EXPECT_EQ(got[i].jt, want[i].jt) << i;
    EXPECT_EQ(got[i].jf, want[i].jf) << i;
    EXPECT_EQ(got[i].k, want[i].k) << i;
  }
}

long raw(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
  return syscall(nr, a, b, c, d, e);
}

TEST(SeccompFilterTest, CallsNewerThanTheListFailClosedWithEnosys) {
  EXPECT_EQ(underFilter([] { return raw(467, -1, 0, 0, 0, 0); }), ENOSYS) << "open_tree_attr";
  EXPECT_EQ(underFilter([] { return raw(458, 0, 0, 0, 0); }), ENOSYS) << "listmount";
  EXPECT_EQ(underFilter([] { return raw(457, 0, 0, 0, 0); }), ENOSYS) << "statmount";
  EXPECT_EQ(underFilter([] { return raw(1000); }), ENOSYS) << "an unassigned number";
  EXPECT_EQ(underFilter([] { return raw(SYS_msgget, 0, 0); }), ENOSYS) << "SysV IPC is not listed";
  EXPECT_EQ(underFilter([] { return raw(SYS_mq_open, 0, 0, 0, 0); }), ENOSYS) << "mqueue";
  EXPECT_EQ(underFilter([] { return raw(SYS_clone3, 0, 0); }), ENOSYS) << "clone3 -> clone";
}

TEST(SeccompFilterTest, KnownDangerousCallsGetEperm) {
  EXPECT_EQ(underFilter([] { return raw(SYS_inotify_init1, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_inotify_init); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_fanotify_init, 0, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_unshare, CLONE_NEWUSER); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_keyctl, 0, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_memfd_create, 0, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_personality, 0x0040000); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_ioctl, 0, TIOCSTI, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_ioctl, 0, (1L << 32) | TIOCSTI, 0); }), EPERM)
      << "high bits the kernel drops must not hide TIOCSTI";
}

TEST(SeccompFilterTest, SocketFamiliesAreLimited) {
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, AF_UNIX, SOCK_STREAM, 0); }), kAllowed);
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, AF_INET, SOCK_DGRAM, 0); }), kAllowed);
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE); }),
            kAllowed);
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, kAfVsock, SOCK_STREAM, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, AF_PACKET, SOCK_RAW, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0); }), EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, 0, SOCK_STREAM, 0); }), EPERM);
  EXPECT_EQ(
      underFilter([] { return raw(SYS_socket, AF_NETLINK, SOCK_RAW, kNetlinkKobjectUevent); }),
      EPERM);
  EXPECT_EQ(underFilter([] { return raw(SYS_socket, (1L << 32) | kAfVsock, SOCK_STREAM, 0); }),
            EPERM)
      << "high bits the kernel drops must not smuggle a family";
  EXPECT_EQ(underFilter([] {
              int fds[2];
              return raw(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, reinterpret_cast<long>(fds));
            }),
            kAllowed);
  EXPECT_EQ(underFilter([] {
              int fds[2];
              return raw(SYS_socketpair, kAfVsock, SOCK_STREAM, 0, reinterpret_cast<long>(fds));
            }),
            EPERM);
}

TEST(SeccompFilterTest, ForeignArchitectureCallsKillTheProcess) {
  // x32: the x86_64 entry with bit 30 set (getpid).
  EXPECT_EQ(underFilter([] { return raw(0x40000000L | SYS_getpid); }), -SIGSYS);
  // i386 through int 0x80 (getpid is 20 there).
  EXPECT_EQ(underFilter([] {
              long rc;
              asm volatile("int $0x80" : "=a"(rc) : "a"(20L) : "memory");
              return rc;
            }),
            -SIGSYS);
}

TEST(SeccompFilterTest, OrdinaryCallsPass) {
  EXPECT_EQ(underFilter([] { return raw(SYS_getpid); }), kAllowed);
  EXPECT_EQ(underFilter([] {
              int one = 1, fds[2];
              if (pipe(fds) != 0) return -1L;
              return raw(SYS_ioctl, fds[0], FIONBIO, reinterpret_cast<long>(&one));
            }),
            kAllowed);
  EXPECT_EQ(underFilter([] { return raw(SYS_ioctl, 0, FIOASYNC, 0); }), ENOSYS)
      << "an unlisted request";
  EXPECT_EQ(underFilter([] { return raw(SYS_personality, 0xffffffffL); }), kAllowed);
  EXPECT_EQ(underFilter([] {
              pid_t pid = fork();
              if (pid == 0) _exit(0);
              return pid < 0 ? -1L : static_cast<long>(waitpid(pid, nullptr, 0));
            }),
            kAllowed);
}

// The survey's workload (files, sqlite3, ssl, ctypes, sockets, threads, asyncio, signals, a
// subprocess of the interpreter) runs to its end under the filter.
TEST(SeccompFilterTest, TheStandardLibraryWorkloadRunsUnderTheFilter) {
  const std::string workload =
      std::string(PS_SOURCE_DIR) + "/controller/sandbox/syscall_survey_workload.py";
  EXPECT_EQ(underFilter([&workload] {
              int devNull = open("/dev/null", O_WRONLY);
              pid_t pid = fork();
              if (pid == 0) {
                dup2(devNull, 1);
                char* const argv[] = {const_cast<char*>("/usr/bin/python3"),
                                      const_cast<char*>("-I"), const_cast<char*>(workload.c_str()),
                                      nullptr};
                char* const env[] = {const_cast<char*>("PATH=/usr/bin"),
                                     const_cast<char*>("TMPDIR=/tmp"), nullptr};
                execve(argv[0], argv, env);
                _exit(127);
              }
              int status = 0;
              waitpid(pid, &status, 0);
              if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0L;
              errno = WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
              return -1L;
            }),
            kAllowed);
}

}  // namespace
}  // namespace ps::sandbox
