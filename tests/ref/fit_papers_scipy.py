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
  huber-lik RUNS.csv
      Epoch AI's Huber likelihood (Besiroglu et al. 2024, their notebook's
      huber_logpdf): -log L = sum of Huber_d((ln y - LSE)/sigma) + ln Z(d) +
      ln sigma, d = 1e-3, Z(d) = sqrt(2 pi)(1 - 2 Q(d)) + 2 exp(-d^2/2)/d,
      over (a, b, e, alpha, beta, ln sigma). Protocol (stated, as cimeter's):
      the Huber loss minimised by L-BFGS-B from the 100 points of Epoch's
      4,500-point grid with the lowest starting objective; from the best, ln
      sigma on a grid -25, -24.75, ..., 3, then L-BFGS-B over all six,
      restarted from where it stops until a restart gains nothing, then
      Nelder-Mead from there, restarted likewise.
  isoflop RUNS.csv
      Hoffmann et al.'s approach 2 with the protocol of `cimeter fit
      --isoflop --flops-column flops --budgets 6e18,...,3e21 --snap 0.1`:
      runs snapped to the nearest of the nine budgets within 0.1 decade,
      numpy.polyfit of loss on ln N (degree 2) per budget, budgets with an
      interior minimum kept, polyfit of ln N* on ln C; 1,000 bootstrap
      resamples of runs within budgets for the interval of the exponent.
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


def huber_lik(path):
    from scipy.optimize import minimize
    from scipy.special import huber, logsumexp
    from scipy.stats import norm
    r = rows(path)
    x = np.log([float(v["params"]) for v in r])
    z = np.log([float(v["tokens"]) for v in r])
    lnL = np.log([float(v["loss"]) for v in r])
    d = 1e-3

    def lse(t):
        a, b, e, al, be = t[:5]
        return logsumexp(np.stack([a - al * x, b - be * z, np.full_like(x, e)]), axis=0)

    def hub(t):
        return float(np.sum(huber(d, lse(t) - lnL)))

    lnz = np.log(np.sqrt(2 * np.pi) * (1 - 2 * norm.sf(d)) + 2 * np.exp(-0.5 * d * d) / d)

    def nll(t):
        s = t[5]
        res = (lnL - lse(t)) / np.exp(s)
        return float(np.sum(huber(d, res)) + len(lnL) * (lnz + s))

    grid = [np.array([a, b, e, al, be]) for e in np.arange(-1, 1.5, .5) for a in np.arange(0, 30, 5)
            for b in np.arange(0, 30, 5) for al in np.arange(0, 2.5, .5) for be in np.arange(0, 2.5, .5)]
    t0, c0 = time.perf_counter(), time.process_time()
    f0 = np.array([hub(g) for g in grid])
    best = None
    for i in np.argsort(f0, kind="stable")[:100]:
        res = minimize(hub, grid[i], method="L-BFGS-B")
        if best is None or res.fun < best.fun:
            best = res
    ss = np.arange(-25, 3.0001, 0.25)
    s0 = ss[int(np.argmin([nll(np.append(best.x, s)) for s in ss]))]
    # L-BFGS-B stops at the kinks of the Huber terms; restarted from where it
    # stopped until a restart no longer gains.
    res = minimize(nll, np.append(best.x, s0), method="L-BFGS-B", options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10})
    for _ in range(200):
        nxt = minimize(nll, res.x, method="L-BFGS-B", options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10})
        if not nxt.fun < res.fun - 1e-12 * abs(res.fun):
            break
        res = nxt
    # then Nelder-Mead from there (derivative-free, not stopped by the kinks),
    # restarted the same way
    for _ in range(50):
        nxt = minimize(nll, res.x, method="Nelder-Mead",
                       options={"maxiter": 40000, "maxfev": 40000, "xatol": 1e-13, "fatol": 1e-13})
        if not nxt.fun < res.fun - 1e-14 * abs(res.fun):
            break
        res = nxt
    a, b, e, al, be, s = res.x
    return {"estimates": {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)), "alpha": float(al),
                          "beta": float(be), "sigma": float(np.exp(s))},
            "objective": float(res.fun), "log_likelihood": -float(res.fun), "starts": 100,
            "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


def isoflop(path):
    r = rows(path)
    N = np.array([float(v["params"]) for v in r])
    L = np.array([float(v["loss"]) for v in r])
    C = np.array([float(v["flops"]) for v in r])
    B = np.array([6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21])
    t0, c0 = time.perf_counter(), time.process_time()
    d = np.abs(np.log10(C)[:, None] - np.log10(B)[None, :])
    near = np.argmin(d, axis=1)
    groups = [np.where((near == j) & (d[np.arange(len(C)), near] <= 0.1))[0] for j in range(len(B))]

    def exponent(sel):
        xs, ys = [], []
        for j, g in enumerate(sel):
            if len(g) < 4:
                continue
            x = np.log(N[g])
            c2, c1, _ = np.polyfit(x, L[g], 2)
            m = -c1 / (2 * c2)
            if c2 > 0 and x.min() <= m <= x.max():
                xs.append(np.log(B[j])); ys.append(m)
        return np.polyfit(xs, ys, 1)[0] if len(xs) >= 2 else np.nan

    a = exponent(groups)
    rng = np.random.default_rng(1)
    boots = [exponent([g[rng.integers(0, len(g), len(g))] if len(g) else g for g in groups]) for _ in range(1000)]
    boots = np.array([b for b in boots if np.isfinite(b)])
    return {"estimates": {"a": float(a)}, "intervals": {"a": [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))]},
            "objective": float(a), "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["gadre", "lsq", "huber-lik", "isoflop"])
    ap.add_argument("runs")
    a = ap.parse_args()
    out = {"gadre": gadre, "lsq": chinchilla_lsq, "huber-lik": huber_lik, "isoflop": isoflop}[a.mode](a.runs)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
