# Hostile: spread memory over four processes, each below the per-process limit (RLIMIT_AS) and
# together above the run's memory limit. Only a cgroup caps the total.
import os, sys, time
each = 48 << 20
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"\x01" * each  # written, so the pages are really charged
        time.sleep(3)  # all four hold their memory at once
        os._exit(0 if len(block) == each else 1)
    children.append(pid)
held = killed = 0
for pid in children:
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        held += 1
    elif os.WIFSIGNALED(status):
        killed += 1
print("held", held, "of 4, killed", killed)
sys.exit(0)
