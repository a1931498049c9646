"""techdebt: counts TODO/FIXME/XXX markers per file under /input and prints a JSON report.

Bounded by design: at most MAX_FILES files are read, files larger than MAX_FILE_BYTES or that
look binary are skipped, at most MAX_REPORTED files are listed, and symlinks are never followed.
"""
import json
import os
import re
import stat
import sys

INPUT = "/input"
MAX_FILES = 5000
MAX_FILE_BYTES = 1 << 20
MAX_REPORTED = 50
MARKER = re.compile(rb"\b(TODO|FIXME|XXX)\b")


def parse_limit(argv):
    """--limit N overrides how many files are listed."""
    if len(argv) >= 2 and argv[0] == "--limit" and argv[1].isdigit():
        return max(1, min(int(argv[1]), 1000))
    return MAX_REPORTED


def count_markers(path):
    """Marker counts of one regular file, or None when skipped (huge, binary, unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        data = handle.read(MAX_FILE_BYTES + 1)
    if b"\0" in data[:8192]:
        return None
    counts = {}
    for match in MARKER.finditer(data):
        marker = match.group(1).decode()
        counts[marker] = counts.get(marker, 0) + 1
    return counts


def files_root(root):
    """The directory whose tree holds the input's files, each once.

    A ConfigMap volume (the kubelet's atomic writer) keeps its files in the directory its `..data`
    link names; the visible names are symlinks into it, which are never followed. Scanning that
    directory counts every key once, under its own name. ConfigMap keys cannot start with "..", so
    only the kubelet's entries do.
    """
    link = os.path.join(root, "..data")
    if not os.path.islink(link):
        return root
    target = os.readlink(link)
    candidate = os.path.join(root, target)
    if target.startswith("..") and "/" not in target and os.path.isdir(candidate) \
            and not os.path.islink(candidate):
        return candidate
    return root


def scan(root, limit):
    shown = root
    root = files_root(root)
    report = {"root": shown, "filesScanned": 0, "filesSkipped": 0, "truncated": False,
              "totals": {"TODO": 0, "FIXME": 0, "XXX": 0}, "files": []}
    hits = []
    for directory, subdirs, names in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith((".git", "..")))
        for name in sorted(names):
            if report["filesScanned"] + report["filesSkipped"] >= MAX_FILES:
                report["truncated"] = True
                break
            path = os.path.join(directory, name)
            counts = count_markers(path)
            if counts is None:
                report["filesSkipped"] += 1
                continue
            report["filesScanned"] += 1
            if counts:
                for marker, n in counts.items():
                    report["totals"][marker] += n
                hits.append({"path": os.path.relpath(path, root), "counts": counts,
                             "total": sum(counts.values())})
    hits.sort(key=lambda hit: (-hit["total"], hit["path"]))
    report["files"] = hits[:limit]
    report["filesWithMarkers"] = len(hits)
    return report


def main(argv):
    if not os.path.isdir(INPUT):
        print(json.dumps({"error": "no /input: this plugin needs the read_files permission and an input"}))
        return 1
    print(json.dumps(scan(INPUT, parse_limit(argv)), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
