# Hostile: kernel surface the allowlist closes. Prints "CASE ERRNO" per case (OK when the call
# succeeded); the test compares each with the errno the filter sets. argv: marker, vsock port.
import ctypes, errno, socket, sys, time
libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(nr, *args):
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return "OK" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
def make(family, kind, proto=0):
    try:
        return socket.socket(family, kind, proto), "OK"
    except OSError as e:
        return None, errno.errorcode.get(e.errno, "?")
port = int(sys.argv[2])
vsock, result = make(40, socket.SOCK_STREAM)  # AF_VSOCK
print("vsock", result, flush=True)
if vsock is not None:  # hold the port while the host watches it
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        try:
            vsock.bind((0xFFFFFFFF, port))
            print("LEAK vsock port bound", flush=True)
            time.sleep(1.5)
            break
        except OSError:
            time.sleep(0.02)
print("uevent", make(socket.AF_NETLINK, socket.SOCK_RAW, 15)[1])  # NETLINK_KOBJECT_UEVENT
print("netlink_route", make(socket.AF_NETLINK, socket.SOCK_RAW, 0)[1])
print("inotify", call(294, 0))  # inotify_init1
print("fanotify", call(300, 0, 0))  # fanotify_init
print("open_tree_attr", call(467, -100, 0, 0, 0, 0))
print("listmount", call(458, 0, 0, 0, 0))
print("statmount", call(457, 0, 0, 0, 0))
print("mq_open", call(240, 0, 0, 0, 0))
