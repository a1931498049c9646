# Hostile: 256 MiB on stdout, then a last line.
import os
chunk = b"x" * (1 << 20)
for _ in range(256):
    os.write(1, chunk)
os.write(1, b"\nlast line\n")
