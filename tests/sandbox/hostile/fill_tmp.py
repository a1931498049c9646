# Hostile: fill /tmp (a size-limited tmpfs) until refused.
import errno, sys
written = 0
try:
    with open("/tmp/fill", "wb") as f:
        while True:
            f.write(b"\0" * 65536)
            f.flush()
            written += 65536
except OSError as e:
    print("tmp full after", written, "bytes:", errno.errorcode.get(e.errno, e.errno))
sys.exit(0)
