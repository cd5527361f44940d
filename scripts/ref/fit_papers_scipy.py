#!/usr/bin/python3
"""fit_papers_scipy.py — published scaling-law fits redone with scipy, each as
its authors fitted it, for comparison with `cimeter fit --form 'formula'`.

Written independently of cimeter's C code (numpy/scipy only; Debian's
python3-scipy). Every mode prints JSON: estimates, the objective, the number
of starts and the seconds (wall and CPU) the fitting took, data loading and
imports excluded.

  gadre RUNS.csv
      Gadre et al. 2024 (over-training law, github.com/mlfoundations/scaling,
      scaling/laws.py and scaling/shared.py): L(N, M) = alpha*N^b +
      beta*6^(b/2)*(M*N)^b + E, with M = 20 * token_multiplier (their tok_mult)
      and N = params, fitted by scipy.optimize.curve_fit (its default
      Levenberg-Marquardt, maxfev=10000) from each of their 128 starts
      alpha, beta in {1e2, 3e2, 1e3, 3e3}, b in {-0.1, -0.3},
      E in {0, 1, 2, 10}; kept: the start with the lowest residual
      sqrt(SSE / (n - 2)) (their criterion; the same order as SSE). RUNS.csv
      holds the fit rows (the caller picks them, see tests/fit/test_papers.py).
  lsq RUNS.csv
      The Chinchilla form L = E + A/N^alpha + B/D^beta by least squares on the
      raw loss (curve_fit, LM, maxfev=10000) from the 243 starts E in {1, 1.5,
      2}, A, B in {1e2, 1e3, 1e4}, alpha, beta in {0.2, 0.35, 0.5}; best SSE.
      RUNS.csv has params, loss, tokens.
"""
import argparse, csv, itertools, json, sys, time, warnings
import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit


def rows(path):
    return list(csv.DictReader(l for l in open(path) if not l.startswith("#")))


def best_curve_fit(model, x, y, starts, names):
    best, best_sse, failed = None, np.inf, 0
    for p0 in starts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                popt, _ = curve_fit(model, x, y, p0=list(p0), maxfev=10000)
        except RuntimeError:          # curve_fit gives up after maxfev
            failed += 1
            continue
        sse = float(np.sum((y - model(x, *popt)) ** 2))
        if sse < best_sse:
            best, best_sse = popt, sse
    return {"estimates": dict(zip(names, map(float, best))), "objective": best_sse,
            "starts": len(starts), "starts_failed": failed}


def gadre(path):
    r = rows(path)
    N = np.array([float(x["params"]) for x in r])
    M = np.array([20 * float(x["token_multiplier"]) for x in r])
    y = np.array([float(x["loss"]) for x in r])

    def law(x, alpha, beta, b, E):
        n, m = x
        return alpha * n ** b + beta * 6 ** (b / 2) * (m * n) ** b + E

    starts = list(itertools.product([1e2, 3e2, 1e3, 3e3], [1e2, 3e2, 1e3, 3e3], [-0.1, -0.3], [0.0, 1.0, 2.0, 10.0]))
    t0, c0 = time.perf_counter(), time.process_time()
    out = best_curve_fit(law, np.array([N, M]), y, starts, ["alpha", "beta", "b", "E"])
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    return out


def chinchilla_lsq(path):
    r = rows(path)
    N = np.array([float(x["params"]) for x in r])
    D = np.array([float(x["tokens"]) for x in r])
    y = np.array([float(x["loss"]) for x in r])

    def law(x, E, A, B, alpha, beta):
        n, d = x
        return E + A / n ** alpha + B / d ** beta

    starts = list(itertools.product([1.0, 1.5, 2.0], [1e2, 1e3, 1e4], [1e2, 1e3, 1e4], [0.2, 0.35, 0.5], [0.2, 0.35, 0.5]))
    t0, c0 = time.perf_counter(), time.process_time()
    out = best_curve_fit(law, np.array([N, D]), y, starts, ["E", "A", "B", "alpha", "beta"])
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["gadre", "lsq"])
    ap.add_argument("runs")
    a = ap.parse_args()
    out = gadre(a.runs) if a.mode == "gadre" else chinchilla_lsq(a.runs)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
