#!/usr/bin/python3
"""fit_scipy.py — reference Chinchilla fit with scipy, Epoch AI's procedure.

Besiroglu et al. 2024 ("Chinchilla Scaling: A replication attempt",
arXiv:2404.10102; github.com/epoch-research/analyzing-chinchilla): minimise
    sum_i Huber_delta( LSE(a - alpha ln N_i, b - beta ln D_i, e) - ln L_i ),
delta = 1e-3, with L-BFGS(-B) from every point of the grid
    e in {-1,-.5,0,.5,1}, a,b in {0,5,...,25}, alpha,beta in {0,.5,...,2}
(np.arange(-1,1.5,.5) etc: 4,500 starts), keep the best.  Written independently
of cimeter's C code; used by scripts/bench-fit.sh and as a cross-check.

Bootstrap (--bootstrap N): each resample is fitted from the full-data optimum
and the --boot-starts (default 1) grid points that start lowest on the full
data: the same start policy as `cimeter fit --boot-starts`, so the timings
compare like with like (a full 4,500-start grid per resample would take hours
in either).

Input: a runs CSV with params, loss, tokens columns, or --chinchilla FILE
(Epoch's svg_extracted_data.csv: D = FLOP/(6N), the 5 highest-loss rows dropped).
Prints JSON on stdout.
"""
import argparse, csv, itertools, json, sys, time
import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

DELTA = 1e-3

def load(args):
    if args.chinchilla:
        rows = list(csv.DictReader(open(args.chinchilla)))
        N = np.array([float(r["Model Size"]) for r in rows])
        C = np.array([float(r["Training FLOP"]) for r in rows])
        L = np.array([float(r["loss"]) for r in rows])
        D = C / (6 * N)
        keep = np.argsort(L, kind="stable")[: len(L) - 5]
        keep.sort()
        return N[keep], D[keep], L[keep]
    rows = [r for r in csv.DictReader(l for l in open(args.runs) if not l.startswith("#"))]
    return (np.array([float(r["params"]) for r in rows]), np.array([float(r["tokens"]) for r in rows]),
            np.array([float(r["loss"]) for r in rows]))

def objective(th, x, y, lnL):
    a, b, e, al, be = th
    u = np.stack([a - al * x, b - be * y, np.full_like(x, e)])
    lse = logsumexp(u, axis=0)
    r = lse - lnL
    w = np.exp(u - lse)
    dh = np.clip(r, -DELTA, DELTA)          # derivative of Huber
    g = np.array([np.sum(dh * w[0]), np.sum(dh * w[1]), np.sum(dh * w[2]),
                  -np.sum(dh * w[0] * x), -np.sum(dh * w[1] * y)])
    return np.sum(huber(DELTA, r)), g

GRID = [np.array([a, b, e, al, be]) for e in np.arange(-1, 1.5, .5) for a in np.arange(0, 30, 5)
        for b in np.arange(0, 30, 5) for al in np.arange(0, 2.5, .5) for be in np.arange(0, 2.5, .5)]

def fit(x, y, lnL, starts):
    best = None
    for s in starts:
        r = minimize(objective, s, args=(x, y, lnL), jac=True, method="L-BFGS-B")
        if best is None or r.fun < best.fun:
            best = r
    return best

def est(th):
    a, b, e, al, be = th
    return {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)), "alpha": float(al), "beta": float(be)}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="?")
    ap.add_argument("--chinchilla")
    ap.add_argument("--bootstrap", type=int, default=0)
    ap.add_argument("--boot-starts", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    N, D, L = load(args)
    x, y, lnL = np.log(N), np.log(D), np.log(L)
    t0, c0 = time.perf_counter(), time.process_time()
    best = fit(x, y, lnL, GRID)
    t_fit, c_fit = time.perf_counter() - t0, time.process_time() - c0
    out = {"n_points": len(L), "starts": len(GRID), "objective": float(best.fun), "estimates": est(best.x),
           "theta": [float(v) for v in best.x], "fit_seconds": t_fit, "cpu_seconds": c_fit}
    if args.bootstrap:
        rng = np.random.default_rng(args.seed)
        t0 = time.perf_counter()
        f0 = np.array([objective(s, x, y, lnL)[0] for s in GRID])
        starts = [best.x] + [GRID[i] for i in np.argsort(f0, kind="stable")[: args.boot_starts]]
        ests = []
        for _ in range(args.bootstrap):
            idx = rng.integers(0, len(L), len(L))
            ests.append(est(fit(x[idx], y[idx], lnL[idx], starts).x))
        out["bootstrap"] = args.bootstrap
        out["bootstrap_seconds"] = time.perf_counter() - t0
        out["std_errors"] = {k: float(np.std([e[k] for e in ests], ddof=1)) for k in ests[0]}
    json.dump(out, sys.stdout, indent=1)
    print()

if __name__ == "__main__":
    main()
