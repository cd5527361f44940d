#!/usr/bin/python3
"""Chinchilla fit on Epoch AI's extracted points (doc/fitting.md anchor).

- the default (pruned-start) fit reaches objective 0.00101827 (to 1e-7) at
  E 1.8172, A 477.8, B 2143.4, alpha 0.34731, beta 0.36717;
- `--starts all` covers Epoch's 4,500-point grid by variable projection (its
  25 distinct exponent pairs; E, A, B solved for) and reaches the same optimum,
  at or below scipy's L-BFGS-B from all 4,500 points (0.0010182740179);
- bootstrap standard errors are of the order of Epoch's (A 124.5, B 1293,
  E 0.026, alpha 0.015, beta 0.021): within a factor 2;
- the bootstrap is bit-identical with 1 and 2 threads.
"""
from fitlib import *

runs = chinchilla_runs()
rc, f = fit(runs, "--form", "chinchilla", "--bootstrap", "300", "--seed", "7")
check(rc == 0 and f is not None, "chinchilla fit runs")
if f is None:
    done()
est = f["estimates"]
check(abs(f["objective"] - 0.00101827) <= 1e-7, f"objective {f['objective']:.10g} = 0.00101827 to 1e-7")
check(f["objective"] <= 0.0010182741, "objective at or below scipy's L-BFGS-B optimum 0.0010182740179")
check(rel(est["E"], 1.8172) < 2e-4, f"E {est['E']:.6g} ~ 1.8172")
check(rel(est["A"], 477.8) < 1e-3, f"A {est['A']:.6g} ~ 477.8")
check(rel(est["B"], 2143.4) < 1e-3, f"B {est['B']:.6g} ~ 2143.4")
check(abs(est["alpha"] - 0.34731) < 2e-5, f"alpha {est['alpha']:.6g} ~ 0.34731")
check(abs(est["beta"] - 0.36717) < 2e-5, f"beta {est['beta']:.6g} ~ 0.36717")
check(f["n_points"] == 240 and f["settings"]["delta"] == 1e-3 and f["settings"]["loss"] == "huber",
      "240 points, Huber delta 1e-3 recorded")
epoch = {"A": 124.5, "B": 1293, "E": 0.026, "alpha": 0.015, "beta": 0.021}
for k, v in epoch.items():
    se = f["std_errors"][k]
    check(v / 2 < se < v * 2, f"bootstrap SE {k} {se:.4g} within a factor 2 of Epoch's {v}")
    lo, hi = f["intervals"][k]
    check(lo < est[k] < hi, f"interval {k} [{lo:.4g}, {hi:.4g}] holds the estimate")
check(f["heldout"]["rmse"] is not None and f["heldout"]["rmse"] < 0.1, f"held-out rmse {f['heldout']['rmse']}")

rc, g = fit(runs, "--form", "chinchilla", "--starts", "all", "--bootstrap", "0", "--heldout", "0")
check(rc == 0 and g is not None and g["settings"]["grid_starts"] == 4500 and g["settings"]["starts"] == 25,
      "full 4,500-point grid: its 25 exponent pairs run")
if g:
    check(abs(g["objective"] - f["objective"]) <= 1e-12,
          f"full grid objective {g['objective']:.13g} = pruned {f['objective']:.13g}")
    for k in est:
        check(rel(g["estimates"][k], est[k]) < 1e-4, f"full grid {k} {g['estimates'][k]:.7g} = pruned {est[k]:.7g}")

outs = []
for t in (1, 2):
    rc, h = fit(runs, "--form", "chinchilla", "--bootstrap", "40", "--threads", str(t), "--heldout", "0")
    h.pop("command")
    outs.append(json.dumps(h, sort_keys=True))
check(outs[0] == outs[1], "bootstrap bit-identical with 1 and 2 threads")
done()
