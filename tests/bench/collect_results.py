"""Turns the records of one `make bench` run into build/bench/results.json (each figure with
timestamp and git revision) and prints the summary table."""
import datetime
import json
import subprocess
import sys

records_path, out_path, root = sys.argv[1:4]
try:
    revision = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        revision += "-dirty"
except (OSError, subprocess.CalledProcessError):
    revision = "unknown"
timestamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
records = []
try:
    with open(records_path) as lines:
        records = [json.loads(line) for line in lines if line.strip()]
except FileNotFoundError:
    pass
for r in records:
    r["timestamp"] = timestamp
    r["git_revision"] = revision
with open(out_path, "w") as out:
    json.dump(records, out, indent=2)
    out.write("\n")
print(f"== summary ({revision[:12]}, {timestamp}) -> {out_path}")
for r in records:
    goal = r["goal"] or "-"
    verdict = {True: "met", False: "MISSED", None: ""}[r["met"]]
    print(f"  {r['figure']:<60} {r['value']:10.2f} {r['unit']:<3} / {r['baseline']:10.2f}"
          f"  {r['ratio']:6.2f}x  goal {goal:<8} {verdict}")
