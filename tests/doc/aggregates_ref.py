"""aggregates_ref.py — doc/aggregates.md, recomputed independently.

From the per-file records of `cimeter measure --per-file` alone, this
recomputes every aggregate field the page defines: the integer sums, C,
C_file, tokens per unit, the quantiles (numpy's default linear method) and
the bootstrap interval (a pure-Python MT19937 and GSL's uniform_int rule,
as the page spells them out), and checks them against cimeter's aggregates.
A second implementation written from the page would pass this test.
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("skip: python3-numpy absent")
    sys.exit(77)

cim = os.environ["CIMETER"]
root = os.environ["CIM_SOURCE_ROOT"]
sample = os.environ.get("CIM_SAMPLE", os.path.join(root, "corpora", "sample"))
if not os.path.isdir(sample):
    print(f"skip: {sample} absent")
    sys.exit(77)
fails = 0


def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond


def close(a, b):
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


class MT19937:
    """The reference generator (Matsumoto and Nishimura's init_genrand)."""

    def __init__(self, seed):
        self.mt = [seed & 0xFFFFFFFF or 4357]
        for i in range(1, 624):
            prev = self.mt[i - 1]
            self.mt.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
        self.i = 624

    def next32(self):
        if self.i >= 624:
            mt = self.mt
            for k in range(624):
                y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7FFFFFFF)
                mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.i = 0
        y = self.mt[self.i]
        self.i += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return y ^ (y >> 18)

    def uniform_int(self, n):
        scale = 0xFFFFFFFF // n
        while True:
            k = self.next32() // scale
            if k < n:
                return k


specs = ["text:bytes", "text:chars", "vit-b16", "image:adaptive:min=8,max=64,thr=32",
         "cosmos-dv8x16x16", "hubert", "mimi"]
seed, resamples = 7, 200
args = [cim, "measure", "--no-progress", "--per-file", "--seed", str(seed),
        "--bootstrap", str(resamples), "-o", "-"] + [a for s in specs for a in ("-t", s)] + [sample]
p = subprocess.run(args, capture_output=True, text=True)
if p.returncode == 2:
    print("skip: this build cannot measure the sample corpus with " + " ".join(specs))
    print(p.stderr)
    sys.exit(77)
d = json.loads(p.stdout)
check(d["settings"]["bootstrap_seed"] == seed and d["settings"]["bootstrap_resamples"] == resamples,
      "settings record the seed and resample count")
per_unit = {"text": 1000.0, "image": 1e6}
for agg in d["aggregates"]:
    name = f'{agg["modality"]} {agg["tokenizer"]}'
    recs = [f for f in d["files"] if f["tokenizer"] == agg["tokenizer"]]
    errs = [e for e in d["errors"] if e["modality"] == agg["modality"]]
    raw = [f["raw_bytes"] for f in recs]
    tok = [f["tokens"] for f in recs]
    fb = [f["file_bytes"] for f in recs]
    check(agg["files"] == len(recs) and agg["errors"] == len(errs), f"{name}: files and errors")
    sums = (agg["raw_bytes"], agg["tokens"], agg["file_bytes"])
    check(sums == (sum(raw), sum(tok), sum(fb)), f"{name}: integer sums")
    check(close(agg["C"], sum(raw) / sum(tok)) and close(agg["C_file"], sum(fb) / sum(tok)),
          f"{name}: C and C_file are ratios of sums")
    if agg["modality"] in per_unit:
        units = sum(f["units"] for f in recs)
        check(agg["units"] == units, f"{name}: units")
        want = sum(tok) / (units / per_unit[agg["modality"]])
    else:
        secs = 0.0
        for f in recs:
            secs += f["seconds"]
        check(close(agg["units"] if agg["modality"] == "audio" else agg["seconds"], secs),
              f"{name}: seconds")
        want = sum(tok) / secs
    check(close(agg["tokens_per_unit"], want), f"{name}: tokens per unit")
    c = sorted(r / t for r, t in zip(raw, tok) if t)
    q = np.quantile(c, [0.5, 0.1, 0.9])
    check(all(close(agg[k], float(v)) for k, v in zip(("C_median", "C_p10", "C_p90"), q)),
          f"{name}: quantiles as numpy.quantile")
    rng = MT19937(seed)
    boot = []
    for _ in range(resamples):
        idx = [rng.uniform_int(len(raw)) for _ in raw]
        st = sum(tok[i] for i in idx)
        if st:
            boot.append(sum(raw[i] for i in idx) / st)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    check(close(agg["C_ci95"][0], float(lo)) and close(agg["C_ci95"][1], float(hi)),
          f"{name}: bootstrap interval [{lo:.6g}, {hi:.6g}]")
print("all checks passed" if not fails else f"{fails} check(s) failed")
sys.exit(1 if fails else 0)
