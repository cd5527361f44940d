"""axes_law.py SVG FIT.json RUNS.csv X GROUP — the law plot's curves are the fitted law.

Written from doc/fitting.md, not from the C code: a chinchilla law
L = E + A/N^alpha + B/D^beta, C = 6 N D, the runs' `tokens` column as D. The plot
draws one curve per distinct GROUP value (ascending; of more than 8, the 8 at rounded
indices g (n - 1) / 7), left to right over the frame (x = 80 to 670 px), which spans
log10 of the x axis over the runs' range widened by 5% of it on both sides. The y axis is linear in loss: one affine map for every curve, found
here by least squares, must put every sampled point within 0.05 px of the law.
"""
import csv
import json
import math
import re
import sys

svg_path, fit_path, runs_path, x_name, group_name = sys.argv[1:6]
est = json.load(open(fit_path))["estimates"]
E, A, B, al, be = (est[k] for k in ("E", "A", "B", "alpha", "beta"))
rows = list(csv.DictReader(open(runs_path)))


def value(row, name):
    N = float(row["params"])
    D = float(row["tokens"])
    return {"N": N, "D": D, "C": 6 * N * D}[name]


def law(xv, gv):
    v = {x_name: xv, group_name: gv}
    if "N" not in v:
        v["N"] = v["C"] / (6 * v["D"])
    if "D" not in v:
        v["D"] = v["C"] / (6 * v["N"])
    return E + A / v["N"] ** al + B / v["D"] ** be


xs = [math.log10(value(r, x_name)) for r in rows]
groups = sorted({value(r, group_name) for r in rows})
if len(groups) > 8:
    groups = [groups[round(g * (len(groups) - 1) / 7)] for g in range(8)]
lo, hi = min(xs), max(xs)
lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)

text = open(svg_path).read()
curves = re.findall(r'<path style="fill:none;stroke-width:1\.6;[^"]*" d="([^"]*)"', text)
if len(curves) != len(groups):
    sys.exit(f"FAIL: {len(curves)} curves for {len(groups)} groups")
pairs = []
for g, d in zip(groups, curves):
    pts = [tuple(map(float, m)) for m in re.findall(r"[ML] ([-\d.e]+) ([-\d.e]+)", d)]
    if len(pts) < 20 or pts[0][0] != 80 or pts[-1][0] != 670:
        sys.exit(f"FAIL: a curve of {len(pts)} points from x = {pts[0][0]} to {pts[-1][0]}")
    for px, py in pts:   # cairo merges collinear segments: not all 201 samples remain
        pairs.append((law(10 ** (lo + (px - 80) / 590 * (hi - lo)), g), py))
n = len(pairs)
mx = sum(p[0] for p in pairs) / n
my = sum(p[1] for p in pairs) / n
slope = sum((p[0] - mx) * (p[1] - my) for p in pairs) / sum((p[0] - mx) ** 2 for p in pairs)
worst = max(abs(my + slope * (p[0] - mx) - p[1]) for p in pairs)
if not (slope < 0 and worst < 0.05):
    sys.exit(f"FAIL: curves off the law by up to {worst:.4f} px (slope {slope:.3f})")
print(f"{len(curves)} curves, {n} points, within {worst:.4f} px of the law")
