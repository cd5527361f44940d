#!/usr/bin/python3
"""`cimeter fit --isoflop` (Hoffmann et al.'s approach 2).

1. Runs whose loss is exactly a parabola in ln N around a minimum on a known
   line ln N* = k + a ln C: a and k come back to 1e-9; a budget whose runs
   all lie on one side of its minimum is refused with the reason; with fewer
   than 2 usable budgets the fit is refused (exit 2).
2. The Chinchilla points (all 245, budget = the FLOP column, Hoffmann's nine
   budgets 6e18 ... 3e21, snap 0.1 decade): the same exponent as numpy's
   polyfit running the same protocol (1e-9), inside Hoffmann's published
   interval 0.462-0.534, with a bootstrap interval that overlaps it, and N*
   at Gopher's budget. Part 2 skips without ../shared or numpy."""
import math, subprocess
from fitlib import *

a_true, k_true = 0.52, -3.1
rows = []
for e, C in enumerate([1e18, 3e18, 1e19, 3e19, 1e20]):
    x0 = k_true + a_true * math.log(C)
    for j in range(-3, 4):
        x = x0 + 0.4 * j + 0.05 * (e % 2)
        N = math.exp(x)
        rows.append((N, 2.0 + 0.05 * (x - x0) ** 2 + 0.01 * e, C / (6 * N)))
# A budget with its minimum outside its runs' N.
for j in range(5):
    N = math.exp(k_true + a_true * math.log(1e21) + 1 + 0.3 * j)
    rows.append((N, 2.0 + 0.05 * (1 + 0.3 * j) ** 2, 1e21 / (6 * N)))
path = write_csv("iso.csv", ["params", "loss", "tokens"], rows)
rc, r = fit(path, "--isoflop", "--bootstrap", "0")
if rc == 0:
    check(abs(r["estimates"]["a"] - a_true) < 1e-9 and abs(r["estimates"]["k"] - k_true) < 1e-9,
          f"exact parabolas: a = {r['estimates']['a']!r}, k = {r['estimates']['k']!r}")
    ref = [b for b in r["budgets"] if abs(b["C"] - 1e21) < 1]
    check(len(ref) == 1 and not ref[0]["interior_minimum"] and "outside the runs' N" in ref[0]["refused"],
          "a budget without an interior minimum is refused with the reason")
    check(r["budgets_with_minimum"] == 5 and r["runs_left_out"] == 0, "five budgets used, no run left out")
else:
    check(False, "isoflop on exact parabolas ran")
few = write_csv("iso-few.csv", ["params", "loss", "tokens"], [x for x in rows if abs(6 * x[0] * x[2] / 1e18 - 1) < 1e-6 or
                                                             abs(6 * x[0] * x[2] / 1e21 - 1) < 1e-6])
rc, so, se = cimeter("fit", few, "--isoflop", "--bootstrap", "0")
check(rc == 2 and "refused" in se and "at least 2" in se, f"one usable budget is refused: {se.strip()!r}")
# report draws the profiles: a parabola per fitted budget (1.6-wide strokes),
# and reads the IsoFLOP JSON into its tables.
os.environ["LSAN_OPTIONS"] = "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report", "lsan.supp")
ij = os.path.join(TMP, "iso.json")
json.dump(r, open(ij, "w"))
svg = os.path.join(TMP, "iso.svg")
rc, so, se = cimeter("report", "--fit", ij, "--runs", path, "-o", svg)
strokes = open(svg).read().count("stroke-width:1.6") if rc == 0 else -1
check(rc == 0 and strokes == 6, f"report draws the six parabolas fitted (rc {rc}, {strokes} curves)")
md = os.path.join(TMP, "iso.md")
rc, so, se = cimeter("report", "--fit", ij, "-o", md)
check(rc == 0 and "estimates" not in open(md).read() and "| a " in open(md).read().replace("\\", ""), "report's table lists a")
rc, so, se = cimeter("fit", path, "--snap", "0.2")
check(rc == 2 and "go with --isoflop" in se, "isoflop options without --isoflop exit 2")

shared = os.environ.get("CIM_SHARED", "")
src = os.path.join(shared, "data", "scaling", "chinchilla_svg_extracted_data.csv")
if not os.path.exists(src):
    print(f"skip: {src} not found")
    done()
if subprocess.run(["/usr/bin/python3", "-c", "import numpy"], capture_output=True).returncode != 0:
    print("skip: no numpy")
    done()
pts = [(float(x["Model Size"]), float(x["loss"]), float(x["Training FLOP"])) for x in csv.DictReader(open(src))]
chin = write_csv("chin-all.csv", ["params", "loss", "tokens", "flops"], [(N, L, C / (6 * N), C) for N, L, C in pts])
budgets = "6e18,1e19,3e19,6e19,1e20,3e20,6e20,1e21,3e21"
rc, r = fit(chin, "--isoflop", "--flops-column", "flops", "--budgets", budgets, "--snap", "0.1", "--at", "5.76e23",
            "--bootstrap", "1000", "--seed", "1")
ref = subprocess.run(["/usr/bin/python3", "-c", """
import csv, json, math, sys, numpy as np
pts = [(float(x["Model Size"]), float(x["loss"]), float(x["Training FLOP"])) for x in csv.DictReader(open(sys.argv[1]))]
xs, ys = [], []
for B in [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21]:
    sel = [(math.log(N), L) for N, L, C in pts
           if abs(math.log10(C) - math.log10(B)) <= 0.1 and
           min(abs(math.log10(C) - math.log10(b)) for b in [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21]) ==
           abs(math.log10(C) - math.log10(B))]
    x = np.array([s[0] for s in sel]); y = np.array([s[1] for s in sel])
    c2, c1, c0 = np.polyfit(x, y, 2)
    m = -c1 / (2 * c2)
    if c2 > 0 and x.min() <= m <= x.max():
        xs.append(math.log(B)); ys.append(m)
a, k = np.polyfit(xs, ys, 1)
print(json.dumps({"a": a, "k": k, "n": len(xs)}))
""", src], capture_output=True, text=True)
if rc == 0 and ref.returncode == 0:
    n = json.loads(ref.stdout)
    a, (lo, hi) = r["estimates"]["a"], r["intervals"]["a"]
    print(f"     cimeter a = {a:.6f} [{lo:.4f}, {hi:.4f}], numpy a = {n['a']:.6f}, Hoffmann 0.50 [0.462, 0.534]")
    print(f"     N* at 5.76e23 FLOPs: {r['estimates']['N_star_at']:.4g} {r['intervals']['N_star_at']}")
    check(abs(a - n["a"]) < 1e-9 and r["budgets_with_minimum"] == n["n"] == 9, "same exponent as numpy's protocol")
    check(0.462 <= a <= 0.534 and lo < 0.534 and hi > 0.462, "exponent inside Hoffmann's interval, intervals overlap")
else:
    check(False, f"chinchilla isoflop ran ({ref.stderr.strip()})")
done()
