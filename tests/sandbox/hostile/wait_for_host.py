# Hostile helper: reports what it sees of the host (PID 1's command line and name, its own
# mounts, the kernel's command line, what the runtimes mask) and then waits, SIGUSR1 caught,
# until the test has read its mounts from the host's /proc and sends SIGUSR1 (at most 10 s).
import os, signal, sys, time
looked = []
signal.signal(signal.SIGUSR1, lambda *_: looked.append(True))

def show(path):
    try:
        if os.path.isdir(path):
            return "dir %r" % sorted(os.listdir(path))
        with open(path, "rb") as f:
            return "read %r" % f.read(4096)
    except OSError as e:
        return "refused %s" % type(e).__name__

print("pid1 cmdline", show("/proc/1/cmdline"))
print("pid1 comm", show("/proc/1/comm"))
print("mountinfo", show("/proc/self/mountinfo"))
for path in ["/proc/cmdline", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
             "/proc/interrupts", "/proc/latency_stats", "/proc/config.gz", "/proc/acpi",
             "/proc/scsi", "/sys/firmware"]:
    print("masked", path, show(path))
sys.stdout.flush()
end = time.monotonic() + 10
while not looked and time.monotonic() < end:
    time.sleep(0.02)
print("host looked" if looked else "host never looked")
