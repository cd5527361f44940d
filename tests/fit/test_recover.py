#!/usr/bin/python3
"""Runs generated from known laws (fixed seeds, small noise) are recovered:
loglinear (tokens column), chinchilla (tokens column), free-c (raw_text,
raw_image, raw_audio, raw_video with known C_i, started from deliberately wrong
"measured" C), and loglinear on raw columns with the true C given by --c."""
import math, random
from fitlib import *

rng = random.Random(20240601)

def logspace(lo, hi, k):
    return [10 ** (math.log10(lo) + (math.log10(hi) - math.log10(lo)) * i / (k - 1)) for i in range(k)]

# loglinear: L = a − b ln D − c ln P
a, b, c = 9.0, 0.12, 0.09
rows = [(P, a - b * math.log(D) - c * math.log(P) + rng.gauss(0, 0.004), D)
        for P in logspace(1e7, 1e10, 7) for D in logspace(1e8, 1e11, 7)]
rc, f = fit(write_csv("ll.csv", ["params", "loss", "tokens"], rows), "--bootstrap", "100")
check(rc == 0 and f is not None, "loglinear fit runs")
e = f["estimates"]
check(rel(e["b"], b) < 0.03 and rel(e["c"], c) < 0.03 and rel(e["a"], a) < 0.01,
      f"loglinear a={e['a']:.5g} b={e['b']:.5g} c={e['c']:.5g} (true {a}, {b}, {c})")
check(f["std_errors_ols"]["b"] < 0.01 and f["intervals"]["b"][0] < b < f["intervals"]["b"][1],
      f"loglinear b interval {f['intervals']['b']} holds the truth")

# chinchilla: L = E + A/P^α + B/D^β, multiplicative noise
E, A, B, al, be = 1.7, 400.0, 1500.0, 0.33, 0.30
rows = []
for P in logspace(3e7, 3e10, 8):
    for D in logspace(3e8, 3e11, 8):
        L = (E + A / P ** al + B / D ** be) * math.exp(rng.gauss(0, 0.002))
        rows.append((P, L, D))
rc, f = fit(write_csv("ch.csv", ["params", "loss", "tokens"], rows), "--form", "chinchilla", "--bootstrap", "50")
check(rc == 0 and f is not None, "chinchilla fit runs")
e = f["estimates"]
check(rel(e["E"], E) < 0.02 and abs(e["alpha"] - al) < 0.02 and abs(e["beta"] - be) < 0.02,
      f"chinchilla E={e['E']:.4g} alpha={e['alpha']:.4g} beta={e['beta']:.4g} (true {E}, {al}, {be})")
check(rel(e["A"], A) < 0.3 and rel(e["B"], B) < 0.3, f"chinchilla A={e['A']:.4g} B={e['B']:.4g} (true {A}, {B})")

# free-c: loglinear in D_eff = Σ T_m / C_m with known C; text fixed, others free
Ctrue = {"text": 4.0, "image": 768.0, "audio": 640.0, "video": 1536.0}
a, b, c = 9.5, 0.14, 0.10
rows = []
for P in logspace(1e7, 1e10, 6):
    for D in logspace(1e8, 1e11, 6):
        for _ in range(3):
            w = [rng.random() + 0.05 for _ in Ctrue]
            s = sum(w)
            T = [wi / s * D * Ctrue[m] for wi, m in zip(w, Ctrue)]
            L = a - b * math.log(D) - c * math.log(P) + rng.gauss(0, 0.003)
            rows.append((P, L, *T))
hdr = ["params", "loss"] + ["raw_" + m for m in Ctrue]
path = write_csv("fc.csv", hdr, rows)
rc, f = fit(path, "--form", "free-c", "--c", "text=4.0,image=1500,audio=300,video=900", "--bootstrap", "50")
check(rc == 0 and f is not None, "free-c fit runs")
for m in ("image", "audio", "video"):
    got = f["estimates"]["C_" + m]
    check(rel(got, Ctrue[m]) < 0.05, f"free-c C_{m} {got:.5g} within 5% of the true {Ctrue[m]} (started from a wrong 'measured' C)")
    check(f["measured_C"][m]["fitted"] == got and f["measured_C"][m]["C"] != got, f"free-c reports fitted C_{m} beside measured")
check(rel(f["estimates"]["b"], b) < 0.05, f"free-c b {f['estimates']['b']:.4g} (true {b})")
rc, f = fit(path, "--form", "free-c", "--c", "text=4.0", "--bootstrap", "0")
ok = rc == 0 and all(rel(f["estimates"]["C_" + m], Ctrue[m]) < 0.05 for m in ("image", "audio", "video"))
check(ok, "free-c recovers C_i with no measured C to start from")
rc, f = fit(path, "--c", ",".join(f"{m}={v}" for m, v in Ctrue.items()), "--bootstrap", "0")
check(rc == 0 and rel(f["estimates"]["b"], b) < 0.03 and rel(f["estimates"]["c"], c) < 0.03,
      "loglinear on raw columns with the true C recovers b and c")
done()
