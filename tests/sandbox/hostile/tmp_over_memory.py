# Hostile: keep memory in /tmp files instead of the heap. tmpfs pages are charged to the writer's
# memory cgroup, so the run's memory limit must stop it long before /tmp is full.
import sys
written = 0
try:
    for i in range(24):
        with open(f"/tmp/fill-{i}", "wb") as f:
            f.write(b"\x01" * (8 << 20))
        written += 8
except OSError as e:
    print("refused after MiB", written, type(e).__name__)
    sys.exit(0)
print("wrote MiB", written)
