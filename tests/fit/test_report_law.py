#!/usr/bin/python3
"""`cimeter report` draws a formula fit: one curve of the fitted law per model
size when the formula is over N and D alone (curves are the SVG's 1.6-wide
strokes; a formula that uses another column gets points only, or curves with
that column held by --set), the LaTeX table carries the formula."""
import re
from fitlib import *

os.environ["LSAN_OPTIONS"] = "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report", "lsan.supp")
rows = []
for i in range(6):
    for j in range(6):
        N, D = 10 ** (7 + 0.5 * i), 10 ** (9 + 0.5 * j)
        rows.append((N, 1.7 + 400 / N ** 0.34 + 410 / D ** 0.28, D, 1.0 + j))
path = write_csv("runs.csv", ["params", "loss", "tokens", "k"], rows)
st = ["--start", "alpha=0.2,0.5", "--start", "beta=0.2,0.5", "--bootstrap", "20", "--heldout", "0"]
rc1, f1 = fit(path, "--form", "L = E + A/N^alpha + B/D^beta", *st)
rc2, f2 = fit(path, "--form", "L = E + A/N^alpha + B/D^beta + 0*k*c", *st, "--start", "c=0")
if rc1 or rc2:
    check(False, "fits ran")
    done()
svgs = []
for name, f in (("law", f1), ("other", f2)):
    j = os.path.join(TMP, name + ".json")
    json.dump(f, open(j, "w"))
    out = os.path.join(TMP, name + ".svg")
    rc, so, se = cimeter("report", "--fit", j, "--runs", path, "-o", out)
    check(rc == 0, f"report draws the {name} fit (rc {rc}, {se.strip()!r})")
    svgs.append(open(out).read() if rc == 0 else "")
    tex = os.path.join(TMP, name + ".tex")
    rc, so, se = cimeter("report", "--fit", j, "-o", tex)
    check(rc == 0 and "formula: L = E + A/N\\textasciicircum{}alpha" in open(tex).read(), f"the LaTeX table prints the {name} formula")
    check(rc == 0 and "$L= E+ A/N^{\\alpha}" in open(tex).read(), f"the LaTeX table sets the {name} formula as mathematics")
curves = [len(re.findall(r"stroke-width:1\.6\b", s)) for s in svgs]
check(curves == [6, 0], f"six curves (one per model size) for the N, D formula, none for the other ({curves})")

# The data-constrained law uses unique_tokens too: --set holds it, and every
# curve is the law at that value, computed here from doc/fitter.md's definition
# (U_D = min(U, D), D' = U_D + U_D R_D (1 - e^(-(D/U_D - 1)/R_D)), U_N = min(N_opt(U_D), N),
# N' likewise) with the fitted R_D, R_N. The plot maps log10 D to x = 80 ... 670 px
# over the runs' range widened by 5% each side, and loss to y by one affine map.
base = dict(E=1.87, A=521.0, B=1488.0, alpha=0.353, beta=0.353)
RD, RN = 15.4, 5.3


def dc_loss(N, D, U, RD, RN):
    U = min(U, D)
    Un = min((base["alpha"] * base["A"] / (base["beta"] * base["B"])) ** (1 / base["alpha"]) *
             U ** (base["beta"] / base["alpha"]), N)
    Dp = U + U * RD * (1 - math.exp(-(D / U - 1) / RD))
    Np = Un + Un * RN * (1 - math.exp(-(N / Un - 1) / RN))
    return base["E"] + base["A"] / Np ** base["alpha"] + base["B"] / Dp ** base["beta"]


dc_rows = [(N, dc_loss(N, U * ep, U, RD, RN), U * ep, U)
           for N in (1e8, 3e8, 1e9, 3e9) for U in (1e9, 1e10) for ep in (1, 2, 4, 8, 16, 40)]
dc = write_csv("dc.csv", ["params", "loss", "tokens", "unique_tokens"], dc_rows)
frozen = [a for k, v in base.items() for a in ("--param", f"{k}={v!r}")]
rc, f = fit(dc, "--form", "data-constrained", *frozen, "--start", "RD=5,30", "--start", "RN=1,10",
            "--bootstrap", "0", "--heldout", "0")
if rc:
    check(False, "data-constrained fit ran")
    done()
dj = os.path.join(TMP, "dc.json")
json.dump(f, open(dj, "w"))


def curve_error(svg, U, RD, RN):
    """The largest distance (px) of the curves' points from the law at U: one affine map
    from loss to y fitted to all of them; None when the curves are not one per size."""
    text = open(svg).read()
    paths = re.findall(r'<path style="fill:none;stroke-width:1\.6;[^"]*" d="([^"]*)"', text)
    sizes = sorted({r[0] for r in dc_rows})
    if len(paths) != len(sizes):
        return None
    xs = [math.log10(r[2]) for r in dc_rows]
    lo, hi = min(xs), max(xs)
    lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)
    pairs = []
    for N, d in zip(sizes, paths):
        for px, py in ((float(a), float(b)) for a, b in re.findall(r"[ML] ([-\d.e]+) ([-\d.e]+)", d)):
            pairs.append((dc_loss(N, 10 ** (lo + (px - 80) / 590 * (hi - lo)), U, RD, RN), py))
    n = len(pairs)
    mx, my = sum(p[0] for p in pairs) / n, sum(p[1] for p in pairs) / n
    slope = sum((p[0] - mx) * (p[1] - my) for p in pairs) / sum((p[0] - mx) ** 2 for p in pairs)
    return max(abs(my + slope * (p[0] - mx) - p[1]) for p in pairs)


est = f["estimates"]
svg = os.path.join(TMP, "dc.svg")
rc, so, se = cimeter("report", "--fit", dj, "--runs", dc, "--set", "unique_tokens=1e10", "-o", svg)
err = curve_error(svg, 1e10, est["RD"], est["RN"]) if rc == 0 else None
check(err is not None and err < 0.05, f"--set unique_tokens=1e10: 4 curves, the law within {err} px")
wrong = curve_error(svg, 1e9, est["RD"], est["RN"]) if rc == 0 else None
check(wrong is not None and wrong > 0.5, f"the check can fail: the law at 1e9 unique tokens is {wrong} px off")
rc, so, se = cimeter("report", "--fit", dj, "--runs", dc, "-o", svg)
text = open(svg).read() if rc == 0 else ""
check(rc == 0 and not re.search(r"stroke-width:1\.6\b", text) and "<circle" not in text and text.count("fill") > 40,
      "without --set: the points only")
for bad, want in ((["--set", "tokens_seen=3"], "tokens_seen"), (["--set", "unique_tokens=x"], "not a number"),
                  (["--set", "unique_tokens=1e10", "--format", "md"], "svg and png")):
    out = os.path.join(TMP, "bad.svg")
    rc, so, se = cimeter("report", "--fit", dj, "--runs", dc, *bad, "-o", out)
    check(rc == 2 and want in se and not os.path.exists(out), f"report {' '.join(bad)}: exit 2 naming {want!r}")
done()
