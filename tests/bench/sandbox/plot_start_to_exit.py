"""Draws the start-to-exit distribution of `pluginctl run`, bwrap and bare python (samples written
by bench.sh) as a PNG: one box-and-points column per variant, medians labelled."""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

samples_path, png_path = sys.argv[1:3]
data = json.load(open(samples_path))
names = list(data["samples"])
values = [data["samples"][n] for n in names]
fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
ax.boxplot(values, labels=names, showfliers=False)
for i, series in enumerate(values, start=1):
    ax.scatter([i + (j % 7 - 3) * 0.02 for j in range(len(series))], series, s=8, alpha=0.5)
    ax.annotate(f"median {statistics.median(series):.1f} ms", (i, statistics.median(series)),
                xytext=(12, 0), textcoords="offset points", fontsize=8)
ax.set_ylabel("start to exit (ms)")
ax.set_title(f"trivial plugin, {data['runs']} interleaved runs each (same machine, same run)")
ax.set_ylim(bottom=0)
fig.tight_layout()
fig.savefig(png_path)
print(f"  distribution plot: {png_path}")
