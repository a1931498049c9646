# Hostile: allocate (and touch) memory until refused.
import sys
blocks = []
try:
    while True:
        blocks.append(bytearray(8 << 20))
except MemoryError:
    print("refused after MiB", len(blocks) * 8)
sys.exit(0)
