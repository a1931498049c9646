# Hostile: see and signal host processes (a sentinel's pid is given), then everyone it can.
import os, signal, sys
sentinel = int(sys.argv[1])
leaks = []
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print("pids", pids)
if len(pids) > 3 or sentinel in pids and sentinel > 3:
    leaks.append("sees %d processes" % len(pids))
try:
    os.kill(sentinel, signal.SIGKILL)
    print("kill", sentinel, "returned (a process of the sandbox, not the sentinel)")
except OSError as e:
    print("OK kill sentinel", type(e).__name__)
try:
    os.kill(-1, signal.SIGKILL)  # never signals the caller itself, nor PID 1
    print("OK kill(-1) returned")
except OSError as e:
    print("OK kill(-1)", type(e).__name__)
for leak in leaks:
    print("LEAK", leak)
sys.exit(3 if leaks else 0)
