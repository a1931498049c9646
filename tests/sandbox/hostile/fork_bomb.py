# Hostile: fork until the kernel refuses; every child keeps forking too.
import os, sys, time
children = 0
for _ in range(100000):
    try:
        pid = os.fork()
    except OSError as e:
        print("fork refused after", children, "children:", type(e).__name__)
        break
    if pid == 0:
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(0.01)
    children += 1
sys.exit(0)
