#!/usr/bin/python3
"""`cimeter report` draws a formula fit: one curve of the fitted law per model
size when the formula is over N and D alone (curves are the SVG's 1.6-wide
strokes; a formula that uses another column gets points only), the LaTeX table carries the formula."""
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
done()
