#!/usr/bin/python3
"""`cimeter fit` / `predict` at the command line: malformed CSV and ill-posed
fits exit 2 with a message naming the line and column or the reason; predict
answers (closed forms checked) and refuses targets out of reach."""
import math
from fitlib import *

def expect_fail(args, *needles, what):
    rc, so, se = cimeter(*args)
    ok = rc == 2 and all(n in se for n in needles)
    check(ok, f"{what}: exit {rc}, stderr {se.strip()!r}")

good_rows = [(10 ** (7 + i / 4), 4.0 - 0.1 * i, 10 ** (8 + i / 4)) for i in range(12)]
good = write_csv("good.csv", ["params", "loss", "tokens", "note"], [(*r, "x") for r in good_rows])
rc, so, se = cimeter("fit", good, "--bootstrap", "0")
check(rc == 0 and "loglinear fit of 12 runs" in so, "a good CSV fits (extra column carried along)")

bad = os.path.join(TMP, "bad1.csv")
open(bad, "w").write("params,tokens,note\n1e9,1e10,x\n")
expect_fail(["fit", bad], "bad1.csv:1", "no 'loss' column", what="missing loss column")
open(bad, "w").write("params,loss\n1e9,3\n")
expect_fail(["fit", bad], "bad1.csv:1", "tokens", what="no tokens or raw_ columns")
open(bad, "w").write("# comment\nparams,loss,tokens\n1e9,3.1,1e10\n2e9,abc,1e10\n")
expect_fail(["fit", bad], "bad1.csv:4", "column 2 'loss'", "'abc' is not a number", what="non-numeric cell")
open(bad, "w").write("params,loss,tokens\n1e9,3.1,1e10\n2e9,3.0\n")
expect_fail(["fit", bad], "bad1.csv:3", "2 fields, the header has 3", what="short row")
open(bad, "w").write("params,loss,raw_smell\n1e9,3.1,1e10\n")
expect_fail(["fit", bad], "bad1.csv:1", "raw_smell", what="unknown modality column")
expect_fail(["fit", os.path.join(TMP, "nope.csv")], "cannot open", what="missing file")

rows = [list(r) for r in good_rows]
rows[5][1] = -1.0
expect_fail(["fit", write_csv("neg.csv", ["params", "loss", "tokens"], rows)], "refused", "neg.csv:7", "loss", what="negative loss")
rows[5][1] = float("nan")
expect_fail(["fit", write_csv("nan.csv", ["params", "loss", "tokens"], rows)], "refused", "nan.csv:7", what="NaN loss")
expect_fail(["fit", write_csv("few.csv", ["params", "loss", "tokens"], good_rows[:4])], "refused", "4 runs for 3 parameters",
            what="too few points")
expect_fail(["fit", write_csv("few5.csv", ["params", "loss", "tokens"], good_rows[:6]), "--form", "chinchilla"],
            "refused", "needs at least 7", what="too few points for chinchilla")
narrow = [(1e9 * (1 + i / 10), 3 - i / 100, 10 ** (8 + i / 4)) for i in range(12)]
expect_fail(["fit", write_csv("narrow.csv", ["params", "loss", "tokens"], narrow)], "refused", "params span", "decade",
            what="P range under a decade")
raw = write_csv("raw.csv", ["params", "loss", "raw_text", "raw_image"],
                [(P, L, D * 4, D * 100) for P, L, D in good_rows])
expect_fail(["fit", raw, "--c", "text=4"], "refused", "no measured C for image", what="missing C for a modality")
expect_fail(["fit", raw, "--c", "text=zero"], "--c", what="bad --c value")
expect_fail(["fit", good, "--form", "free-c"], "refused", "raw_", what="free-c on a tokens column")

# --results: the first aggregate of a modality, or the one of --tokenizer
res = os.path.join(TMP, "res.json")
json.dump({"aggregates": [
    {"modality": "text", "tokenizer": "text:bytes", "C": 1.0},
    {"modality": "text", "tokenizer": "text:tiktoken:cl100k_base", "C": 4.0},
    {"modality": "image", "tokenizer": "image:vit-b16", "C": 768.0}]}, open(res, "w"))
rc, f = fit(raw, "--results", res, "--bootstrap", "0")
check(rc == 0 and f["measured_C"]["text"]["C"] == 1.0 and "text:bytes" in f["measured_C"]["text"]["source"],
      "--results takes the first aggregate of each modality and says which")
rc, f = fit(raw, "--results", res, "--tokenizer", "text:tiktoken:cl100k_base", "--c", "image=768", "--bootstrap", "0")
check(rc == 0 and f["measured_C"]["text"]["C"] == 4.0 and "cl100k" in f["measured_C"]["text"]["source"],
      "--tokenizer picks the matching aggregate")
rc, f = fit(raw, "--results", res, "--tokenizer", "text:tiktoken:cl100k_base", "--bootstrap", "0")
check(rc == 0 and f["measured_C"]["text"]["C"] == 4.0 and f["measured_C"]["image"]["C"] == 768.0,
      "a modality without a --tokenizer takes its first aggregate")
expect_fail(["fit", raw, "--results", res, "--tokenizer", "text:nope"], "no aggregate with tokenizer 'text:nope'",
            what="--tokenizer naming no aggregate")

# the fit JSON is what `cimeter report --fit` reads (settings.C_<modality> for fixed C)
rc, f = fit(raw, "--c", "text=4,image=100", "--bootstrap", "20")
check(rc == 0 and f["settings"]["C_text"] == 4.0 and f["settings"]["C_image"] == 100.0, "fixed C recorded as settings.C_<modality>")
fj = os.path.join(TMP, "for-report.json")
json.dump(f, open(fj, "w"))
rc, so, se = cimeter("report", "--fit", fj, "--runs", raw, "--format", "md", "-o", os.path.join(TMP, "r.md"))
check(rc == 0 or "unknown command" in se, f"cimeter report --fit reads the fit JSON (rc {rc}, {se.strip()!r})")

# predict from a chinchilla law written by hand
law = {"form": "chinchilla", "estimates": {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}}
lp = os.path.join(TMP, "law.json")
json.dump(law, open(lp, "w"))
E, A, B, al, be = (law["estimates"][k] for k in ("E", "A", "B", "alpha", "beta"))
rc, so, se = cimeter("predict", lp, "--flops", "1e24")
G = (al * A / (be * B)) ** (1 / (al + be))
P = G * (1e24 / 6) ** (be / (al + be))
check(rc == 0 and f"params {P:.4g}" in so, f"compute-optimal P for 1e24 FLOPs = {P:.4g}: {so.strip()!r}")
rc, so, se = cimeter("predict", lp, "--target-loss", "2.0", "--data", "1e12")
P = (A / (2.0 - E - B / 1e12 ** be)) ** (1 / al)
check(rc == 0 and f"params {P:.4g}" in so, f"P for loss 2.0 at D 1e12 = {P:.4g}")
rc, so, se = cimeter("predict", lp, "--target-loss", "2.0", "--params", "1e11")
D = (B / (2.0 - E - A / 1e11 ** al)) ** (1 / be)
check(rc == 0 and f"D_eff  {D:.4g}" in so, f"D for loss 2.0 at P 1e11 = {D:.4g}")
expect_fail(["predict", lp, "--target-loss", "1.7", "--data", "1e12"], "refused", "irreducible", what="target below E")
expect_fail(["predict", lp, "--target-loss", "1.81", "--data", "1e9"], "refused", "out of reach", what="target out of reach with D")
expect_fail(["predict", lp, "--flops", "1e24", "--data", "1e9"], "give --flops", what="conflicting predict options")
ll = os.path.join(TMP, "ll.json")
json.dump({"form": "loglinear", "estimates": {"a": 9.0, "b": 0.12, "c": 0.09}}, open(ll, "w"))
expect_fail(["predict", ll, "--flops", "1e24"], "refused", "no compute optimum", what="loglinear has no compute optimum")
rc, so, se = cimeter("predict", ll, "--target-loss", "3.0", "--data", "1e12")
P = math.exp((9.0 - 0.12 * math.log(1e12) - 3.0) / 0.09)
check(rc == 0 and f"params {P:.4g}" in so, f"loglinear P for loss 3.0 at D 1e12 = {P:.4g}")
done()
