#!/usr/bin/python3
"""Published fits reproduced as their authors made them, against scipy running
the same procedure on the same data (tests/ref/fit_papers_scipy.py).

(a) Gadre et al. 2024, over-training law, for each of their three training
    sets (c4_original, rpj, rw_original). Fit rows as their code names them
    (scaling/shared.py, fit_ds): the C4 validation loss (val_set c4_val) of
    the models d=96_l=8_h=4, d=512_l=8_h=4, d=576_l=24_h=8 and
    d=1024_l=24_h=8 at token multiplier 1, plus d=96_l=8_h=4 at 16: five
    runs. Least squares on the raw loss, Levenberg-Marquardt from their 128
    starts.
(b) The Chinchilla points (Epoch's extraction, D = FLOP/(6N), the 5
    highest-loss rows dropped) by least squares on the raw loss from a 243-start
    grid, and by Epoch's Huber on log loss written as a formula, which must
    reach the built-in chinchilla form's optimum (objective to 1e-9).
Both with cimeter's default solver (variable projection: the parameters that
enter linearly solved exactly) and with plain Levenberg-Marquardt over all of
them from every start, as scipy does. Same optimum: objectives to 1e-9 relative, parameters to 1e-5 (the flat
directions of these surfaces move parameters far more than the objective).
Skips (77) without ../shared or without scipy."""
import subprocess
from fitlib import *

shared = os.environ.get("CIM_SHARED", "")
src = os.path.join(shared, "data", "scaling", "gadre2024_overtraining_losses.csv")
if not os.path.exists(src):
    print(f"skip: {src} not found (CIM_SHARED={shared!r})")
    sys.exit(77)
if subprocess.run(["/usr/bin/python3", "-c", "import scipy"], capture_output=True).returncode != 0:
    print("skip: /usr/bin/python3 has no scipy (apt install python3-scipy)")
    sys.exit(77)
REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref", "fit_papers_scipy.py")


def scipy_ref(mode, path):
    p = subprocess.run(["/usr/bin/python3", REF, mode, path], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr)
        return None
    return json.loads(p.stdout)


def same(what, c, s, names):
    d_obj = abs(c["objective"] / s["objective"] - 1)
    d_par = max(abs(c["estimates"][k] / s["estimates"][k] - 1) for k in names)
    print(f"     {what}: objective cimeter {c['objective']:.12g}  scipy {s['objective']:.12g}")
    for k in names:
        print(f"       {k:6} cimeter {c['estimates'][k]:.10g}  scipy {s['estimates'][k]:.10g}")
    check(d_obj < 1e-9 and d_par < 1e-5, f"{what}: same optimum as scipy (objective {d_obj:.1e}, parameters {d_par:.1e})")


FIT_MODELS = {"d=96_l=8_h=4", "d=512_l=8_h=4", "d=576_l=24_h=8", "d=1024_l=24_h=8"}
rows = list(csv.DictReader(open(src)))
header = list(rows[0].keys())
GADRE = ["--form", "L = alpha*N^b + beta*6^(b/2)*(M*N)^b + E", "--column", "M = 20*token_multiplier",
         "--start", "alpha=1e2,3e2,1e3,3e3", "--start", "beta=1e2,3e2,1e3,3e3", "--start", "b=-0.1,-0.3",
         "--start", "E=0,1,2,10"]
for ds in ("c4_original", "rpj", "rw_original"):
    pick = [r for r in rows if r["train_dataset"] == ds and r["val_set"] == "c4_val" and
            ((float(r["token_multiplier"]) == 1.0 and r["model_config"] in FIT_MODELS) or
             (float(r["token_multiplier"]) == 16.0 and r["model_config"] == "d=96_l=8_h=4"))]
    check(len(pick) == 5, f"gadre {ds}: the five fit rows their code names ({len(pick)})")
    path = write_csv(f"gadre-{ds}.csv", header, [[r[h] for h in header] for r in pick])
    rc, c = fit(path, "--bootstrap", "0", "--heldout", "0", *GADRE)
    s = scipy_ref("gadre", path)
    if rc != 0 or s is None:
        check(False, f"gadre {ds}: both fits ran")
        continue
    same(f"gadre {ds}", c, s, ["alpha", "beta", "b", "E"])
    rc, l = fit(path, "--bootstrap", "0", "--heldout", "0", "--solver", "lm", *GADRE)
    if rc == 0:
        same(f"gadre {ds}, plain LM from all 128 starts", l, s, ["alpha", "beta", "b", "E"])
    # The named formula (M·N = D: their token counts are 20 × multiplier × N exactly).
    rc, g = fit(path, "--bootstrap", "0", "--heldout", "0", "--form", "gadre", "--start", "a=1e2,3e2,1e3,3e3",
                "--start", "c=1e2,3e2,1e3,3e3", "--start", "b=-0.1,-0.3", "--start", "E=0,1,2,10")
    check(rc == 0 and abs(g["objective"] / s["objective"] - 1) < 1e-9 and abs(g["estimates"]["b"] / s["estimates"]["b"] - 1) < 1e-6,
          f"gadre {ds}: --form gadre reaches the same optimum")

chin = chinchilla_runs()
rc, c = fit(chin, "--bootstrap", "0", "--heldout", "0", "--form", "L = E + A/N^alpha + B/D^beta",
            "--start", "E=1,1.5,2", "--start", "A=1e2,1e3,1e4", "--start", "B=1e2,1e3,1e4",
            "--start", "alpha=0.2,0.35,0.5", "--start", "beta=0.2,0.35,0.5")
s = scipy_ref("lsq", chin)
if rc == 0 and s:
    same("chinchilla, least squares on raw loss", c, s, ["E", "A", "B", "alpha", "beta"])
else:
    check(False, "chinchilla lsq: both fits ran")

rc0, b = fit(chin, "--bootstrap", "0", "--heldout", "0", "--form", "chinchilla")
rc1, h = fit(chin, "--bootstrap", "0", "--heldout", "0", "--form", "L = E + A/N^alpha + B/D^beta",
             "--objective", "huber-log", "--param", "log E", "--param", "log A", "--param", "log B",
             "--start", "E=-1:1:0.5", "--start", "A=0:25:5", "--start", "B=0:25:5", "--start", "alpha=0:2:0.5",
             "--start", "beta=0:2:0.5", "--starts", "100")
if rc0 == 0 and rc1 == 0:
    d = abs(h["objective"] / b["objective"] - 1)
    print(f"     huber-log formula {h['objective']:.13g}, built-in chinchilla {b['objective']:.13g}")
    check(d < 1e-9 and abs(h["objective"] - 0.00101827) < 5e-9,
          f"Epoch's objective as a formula = the built-in chinchilla optimum ({d:.1e})")
    check(h["fit"]["grid_starts"] == 4500, "Epoch's grid written as ranges has 4,500 points")
else:
    check(False, "chinchilla huber-log fits ran")

# Epoch's Huber likelihood with a free scale: its optimum is the point
# estimate Epoch AI published (E 1.817, A 482.01, B 2085.43, alpha 0.3478,
# beta 0.3658).
rc, c = fit(chin, "--bootstrap", "0", "--heldout", "0", "--form", "L = E + A/N^alpha + B/D^beta",
            "--objective", "huber-likelihood", "--param", "log E", "--param", "log A", "--param", "log B",
            "--start", "E=-1:1:0.5", "--start", "A=0:25:5", "--start", "B=0:25:5", "--start", "alpha=0:2:0.5",
            "--start", "beta=0:2:0.5", "--starts", "100")
s = scipy_ref("huber-lik", chin)
if rc == 0 and s:
    same("chinchilla, Epoch's Huber likelihood", c, s, ["E", "A", "B", "alpha", "beta", "sigma"])
    check(abs(c["log_likelihood"] + c["objective"]) < 1e-9, "log_likelihood = -objective")
    epoch = {"E": (1.817, 1e-3), "A": (482.01, 1e-2), "B": (2085.43, 1e-2), "alpha": (0.3478, 1e-4), "beta": (0.3658, 1e-4)}
    ok = all(abs(c["estimates"][k] - v) <= u for k, (v, u) in epoch.items())
    check(ok, "the optimum rounds to Epoch AI's published estimates")
else:
    check(False, "chinchilla huber-likelihood: both fits ran")
done()
