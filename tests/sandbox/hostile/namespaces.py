# Hostile: create namespaces, mount, ptrace, bpf, perf, keyrings, io_uring, TIOCSTI, memfd...
import ctypes, errno, os, sys
libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.syscall.restype = ctypes.c_long
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000
def call(name, nr, *args):
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    err = ctypes.get_errno()
    return name, rc, errno.errorcode.get(err, err)
results = [
    call("unshare(user)", 272, CLONE_NEWUSER),
    call("unshare(mount|net)", 272, CLONE_NEWNS | CLONE_NEWNET),
    call("clone(newuser)", 56, CLONE_NEWUSER | 17, 0, 0, 0, 0),
    call("clone3", 435, 0, 0),
    call("setns", 308, 0, 0),
    call("mount", 165, 0, 0, 0, 0, 0),
    call("ptrace(attach 1)", 101, 16, 1, 0, 0),
    call("bpf", 321, 0, 0, 0),
    call("perf_event_open", 298, 0, 0, -1, -1, 0),
    call("keyctl", 250, 0, 0),
    call("add_key", 248, 0, 0, 0, 0, 0),
    call("io_uring_setup", 425, 1, 0),
    call("userfaultfd", 323, 0),
    call("memfd_create", 319, 0, 0),
    call("ioctl(TIOCSTI)", 16, 0, 0x5412, 0),
    call("personality(ADDR_NO_RANDOMIZE)", 135, 0x0040000),
    call("init_module", 175, 0, 0, 0),
    call("reboot", 169, 0, 0, 0, 0),
]
leaks = []
for name, rc, err in results:
    print(name, rc, err)
    if rc != -1 or err not in ("EPERM", "ENOSYS"):
        leaks.append(name)
for leak in leaks:
    print("LEAK", leak)
sys.exit(3 if leaks else 0)
