#!/usr/bin/python3
"""Honest uncertainty in `cimeter fit`: held-out runs above a compute cutoff,
80%-subsample resampling (identical for any thread count), and the warnings
when the data cannot identify the parameters (fewer than 2 runs per
parameter; an exponent on a ridge with another estimate)."""
import json, math
from fitlib import *

rows = []
for i in range(8):
    for j in range(6):
        N, D = 10 ** (7 + 0.4 * i), 10 ** (9 + 0.5 * j)
        L = 1.7 + 400 / N ** 0.34 + 410 / D ** 0.28
        rows.append((N, L * (1 + 0.01 * math.sin(3.1 * i + 1.7 * j)), D))
path = write_csv("runs.csv", ["params", "loss", "tokens"], rows)
cut = 1e20
above = sum(6 * N * D > cut for N, _, D in rows)
rc, f = fit(path, "--form", "chinchilla", "--bootstrap", "0", "--heldout-above", "1e20")
check(rc == 0 and f["heldout"]["n_test"] == above and f["heldout"]["above_flops"] == cut and f["heldout"]["rmse"] is not None,
      f"held out: the {above} runs above 1e20 FLOPs")

runs = ["--form", "L = E + A/N^alpha + B/D^beta", "--start", "alpha=0.2,0.5", "--start", "beta=0.2,0.5",
        "--bootstrap", "60", "--subsample", "0.8", "--heldout", "0"]
rc1, f1 = fit(path, *runs, "--threads", "1")
rc2, f2 = fit(path, *runs, "--threads", "2")
check(rc1 == 0 and rc2 == 0 and f1["intervals"] == f2["intervals"] and f1["std_errors"] == f2["std_errors"],
      "80% subsamples: identical intervals at 1 and 2 threads")
check(rc1 == 0 and f1["settings"]["resample"] == "subsample without replacement" and f1["settings"]["subsample"] == 0.8,
      "the output says how it resampled")

# Model sizes within 30% of each other: A and alpha cannot be told apart.
narrow = [(1e9 * (1 + 0.3 * (i % 4) / 3), 1.7 + 400 / (1e9 * (1 + 0.3 * (i % 4) / 3)) ** 0.34 * (1 + 0.002 * math.sin(i)),
           1e10) for i in range(24)]
p2 = write_csv("narrow.csv", ["params", "loss", "tokens"], narrow)
rc, f = fit(p2, "--form", "L = E + A/N^alpha", "--start", "alpha=0.2,0.5", "--start", "A=100,1000", "--bootstrap", "100",
            "--heldout", "0", "--solver", "lm")
check(rc == 0 and any("ridge" in w and "alpha" in w for w in f["warnings"]), f"a ridge is warned about: {f and f['warnings']}")
rc, f = fit(path, "--bootstrap", "100", "--heldout", "0")
check(rc == 0 and not any("ridge" in w for w in f["warnings"]), "loglinear (no exponent) gets no ridge warning")
few = write_csv("few.csv", ["params", "loss", "tokens"], rows[:7])
rc, f = fit(few, "--form", "L = E + A/N^alpha + B/D^beta", "--bootstrap", "0", "--heldout", "0",
            "--start", "alpha=0.2,0.5", "--start", "beta=0.2,0.5")
check(rc == 0 and any("fewer than 2 per parameter" in w for w in f["warnings"]), "7 runs for 5 parameters: warned")
# Likelihood-ratio test between nested least-squares fits (Gaussian errors,
# ML variance): a free E against E frozen at a wrong value; the p-value
# checked with the chi-square(1) tail erfc(sqrt(x/2)).
base = ["--form", "L = E + A/N^alpha + B/D^beta", "--start", "alpha=0.2,0.5", "--start", "beta=0.2,0.5",
        "--bootstrap", "0", "--heldout", "0"]
rc0, f0 = fit(path, *base, "--param", "E=1.6", "--start", "A=100,1000", "--start", "B=100,1000", "--solver", "lm")
j0 = os.path.join(TMP, "nested0.json")
json.dump(f0, open(j0, "w"))
rc1, f1 = fit(path, *base, "--lrt", j0)
if rc0 == 0 and rc1 == 0:
    t = f1["likelihood_ratio_test"]
    n = len(rows)
    ll = lambda sse: -0.5 * n * (math.log(2 * math.pi * sse / n) + 1)
    stat = 2 * (ll(f1["objective"]) - ll(f0["objective"]))
    check(t["df"] == 1 and abs(t["statistic"] - stat) < 1e-9 * abs(stat) and
          abs(t["p_value"] - math.erfc(math.sqrt(stat / 2) / 1)) <= 1e-12 + 1e-9 * t["p_value"],
          f"likelihood-ratio test: 2 dll = {t['statistic']:.6g}, p = {t['p_value']:.3g}")
else:
    check(False, "nested fits ran")
rc, so, se = cimeter("fit", path, "--form", "chinchilla", "--bootstrap", "0", "--lrt", j0)
check(rc == 2 and "no log-likelihood" in se, "--lrt on a fit without a likelihood is refused")
# Prediction intervals: the loss at a point from the estimates (checked here
# from the reported estimates), its bootstrap interval around it, the same
# for any thread count; a formula over another column is refused there.
pa = ["--form", "chinchilla", "--bootstrap", "60", "--heldout", "0", "--predict-at", "N=7e10,D=1.4e12",
      "--predict-at", "N=1e9,D=2e10"]
rc1, f1 = fit(path, *pa, "--threads", "1")
rc2, f2 = fit(path, *pa, "--threads", "2")
if rc1 == 0 and rc2 == 0:
    e = f1["estimates"]
    ok = True
    for pr in f1["predictions"]:
        want = e["E"] + e["A"] / pr["N"] ** e["alpha"] + e["B"] / pr["D"] ** e["beta"]
        lo, hi = pr["interval"]
        ok &= abs(pr["loss"] / want - 1) < 1e-12 and lo < pr["loss"] < hi
    check(ok and f1["predictions"] == f2["predictions"], "prediction intervals: the law's value inside its interval, same at -j 1 and 2")
else:
    check(False, "prediction fits ran")
rc, so, se = cimeter("fit", bump if False else path, "--form", "L = E + A/N^alpha + k*tokens", "--bootstrap", "0",
                     "--predict-at", "N=1e9,D=1e10")
check(rc == 2 and "--predict-at" in se, "a formula over another column has no value at a point: refused")
rc, so, se = cimeter("fit", path, "--subsample", "1")
check(rc == 2 and "--subsample" in se, "--subsample 1 is refused")


# predict --flops with the fit's bootstrap: the interval is the 2.5th and 97.5th percentiles
# (linear between order statistics) of the answer under each resample's estimates; checked
# with Hoffmann's closed form evaluated here on the resamples written in the fit JSON.
def quantile(xs, p):
    xs = sorted(xs)
    h = (len(xs) - 1) * p
    k = int(math.floor(h))
    return xs[k] + (h - k) * (xs[min(k + 1, len(xs) - 1)] - xs[k])


def optimum(E, A, B, alpha, beta, C):
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    P = G * (C / 6) ** (beta / (alpha + beta))
    D = C / 6 / P
    return P, D, E + A / P ** alpha + B / D ** beta


def predicted_interval(so):
    """{'params': (lo, hi), 'D_eff': ..., 'loss': ...} and the resample count from predict's output."""
    out, used = {}, None
    lines = so.splitlines()
    for i, l in enumerate(lines):
        if "bootstrap interval" in l:
            used = int(l.split("each of")[1].split()[0])
            for m in lines[i + 1:i + 4]:
                name, rest = m.split(None, 1)
                lo, hi = rest.strip("[] ").split(",")
                out[name] = (float(lo), float(hi))
    return out, used


C = 5.76e23
for label, args in [("chinchilla", ["--form", "chinchilla"]),
                    ("formula (numeric optimum)", ["--form", "L = E + A/N^alpha + B/D^beta",
                                                   "--start", "alpha=0.2,0.5", "--start", "beta=0.2,0.5"])]:
    rc, f = fit(path, *args, "--bootstrap", "40", "--heldout", "0")
    if rc != 0:
        check(False, f"{label}: fit with a bootstrap ran")
        continue
    fj = os.path.join(TMP, "boot-%s.json" % label.split()[0])
    json.dump(f, open(fj, "w"))
    be = f["bootstrap_estimates"]
    ix = {n: be["names"].index(n) for n in ("E", "A", "B", "alpha", "beta")}
    answers = [optimum(*(r[ix[n]] for n in ("E", "A", "B", "alpha", "beta")), C) for r in be["resamples"]]
    rc, so, se = cimeter("predict", fj, "--flops", C)
    got, used = predicted_interval(so)
    ok = rc == 0 and used == len(be["resamples"]) == f["settings"]["bootstrap_ok"] and len(got) == 3
    for q, name in enumerate(("params", "D_eff", "loss")):
        want = (quantile([a[q] for a in answers], 0.025), quantile([a[q] for a in answers], 0.975))
        ok &= name in got and all(rel(g, w) < 2e-3 for g, w in zip(got[name], want))
    check(ok, f"{label}: predict --flops interval = percentiles of the closed form over the "
              f"{used} resamples ({got.get('params')})")
rc, f = fit(path, "--form", "chinchilla", "--bootstrap", "0", "--heldout", "0")
fj = os.path.join(TMP, "noboot.json")
json.dump(f, open(fj, "w"))
rc, so, se = cimeter("predict", fj, "--flops", C)
check(rc == 0 and "bootstrap" not in so and "bootstrap_estimates" not in f,
      "a fit without a bootstrap: predict gives no interval")
bad = dict(f, bootstrap_estimates={"names": ["E"], "resamples": [[1.0, 2.0]]})
json.dump(bad, open(fj, "w"))
rc, so, se = cimeter("predict", fj, "--flops", C)
check(rc == 2 and "bootstrap_estimates" in se, "a malformed bootstrap_estimates is refused with its name")
done()
