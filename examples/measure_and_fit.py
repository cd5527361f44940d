#!/usr/bin/env python3
"""Measures the sample corpus, fits a scaling law to example training runs and draws it.

    python3 examples/measure_and_fit.py [CORPUS] [RUNS.csv] [OUT.png]

Needs the cimeter package (pip install ./python, or PYTHONPATH=build/python in a build
tree) and matplotlib (Debian: python3-matplotlib).
"""
import os
import sys

import cimeter

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "corpora", "sample")
runs = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "runs.csv")
out = sys.argv[3] if len(sys.argv) > 3 else "law.png"

# 1. Compression factors: raw bytes per token, per modality.
result = cimeter.measure([corpus], tokenizers=["text:chars", "vit-b16"])
for agg in result.aggregates:
    print(f"{agg['modality']:6} {agg['tokenizer']:45} C = {agg['C']:.4g} bytes/token")

# 2. A law over effective tokens D_eff = sum of raw bytes / C, C from that run.
fit = cimeter.fit(runs, results=result, bootstrap=200)
print("fit:", fit.form, {k: round(v, 4) for k, v in fit.estimates.items()})

# 3. The fitted law against the runs, one line per model size.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

import csv
with open(runs) as f:
    rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]
C = {a["modality"]: a["C"] for a in result.aggregates}
fig, ax = plt.subplots(figsize=(6, 4))
for params in sorted({float(r["params"]) for r in rows}):
    pts = [r for r in rows if float(r["params"]) == params]
    deff = [sum(float(r[f"raw_{m}"]) / C[m] for m in C if f"raw_{m}" in r) for r in pts]
    ax.scatter(deff, [float(r["loss"]) for r in pts], s=12)
    lo, hi = min(deff), max(deff)
    xs = [lo * (hi / lo) ** (i / 49) for i in range(50)]
    ax.plot(xs, [fit.loss(params, x) for x in xs], label=f"P = {params:.0e}")
ax.set_xscale("log")
ax.set_xlabel("D_eff (tokens)")
ax.set_ylabel("loss")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(out, dpi=100)
print("wrote", out)
